/**
 * Policy files: a partial policy over the defaults, JSON or YAML (JSON is YAML), checked with zod
 * and reported as `FILE:LINE` errors.
 *
 * Each threshold object a file gives replaces the default one for that metric whole
 * (`accuracy: { above: 0.97 }`); `null` drops a default gate or trigger; everything it leaves out
 * keeps its default. Unknown keys are errors, so a typo never silently keeps a default.
 */
import { LineCounter, parseDocument, isMap, isPair, isScalar, type Node } from 'yaml';
import { z } from 'zod';
import { TrustError } from '../errors';
import { METRICS, METRIC_NAMES, type MetricName } from './metrics';
import { COMPARISONS, DEFAULT_POLICY, TRANSITIONS, type GatePolicy, type PromotionGates, type Threshold, type Transition, type Trigger, type TriggerMetric } from './policy';

const comparisonsText = 'exactly one of atLeast (≥), above (>), atMost (≤), below (<)';

function valueSchema(metric: MetricName) {
  return METRICS[metric].kind === 'ratio'
    ? z.number({ error: 'must be a share between 0 and 1 (0.95 means 95%)' }).min(0, 'must be a share between 0 and 1 (0.95 means 95%)').max(1, 'must be a share between 0 and 1 (0.95 means 95%)')
    : z.number({ error: 'must be a whole number ≥ 0' }).int('must be a whole number ≥ 0').min(0, 'must be a whole number ≥ 0');
}

function thresholdShape(metric: MetricName) {
  const v = valueSchema(metric).optional();
  return { atLeast: v, above: v, atMost: v, below: v };
}

const oneComparison = (t: Record<string, unknown>) => COMPARISONS.filter((op) => t[op] !== undefined).length === 1;

function thresholdSchema(metric: MetricName) {
  return z.strictObject(thresholdShape(metric), { error: 'must be a threshold like { above: 0.95 }, or null to drop the gate' })
    .refine(oneComparison, { error: `must hold ${comparisonsText}, e.g. { above: 0.95 }` });
}

function triggerSchema(metric: MetricName) {
  return z
    .strictObject(
      { ...thresholdShape(metric), minSamples: z.number({ error: 'must be a whole number ≥ 0' }).int('must be a whole number ≥ 0').min(0, 'must be a whole number ≥ 0') },
      { error: 'must be a trigger like { below: 0.92, minSamples: 20 }, or null to drop the trigger' },
    )
    .refine(oneComparison, { error: `must hold ${comparisonsText} and minSamples, e.g. { below: 0.92, minSamples: 20 }` });
}

const TRIGGER_METRICS = METRIC_NAMES.filter((m): m is TriggerMetric => m !== 'signoffs');

const gatesSchema = z.strictObject(Object.fromEntries(METRIC_NAMES.map((m) => [m, thresholdSchema(m).nullable().optional()])), {
  error: 'must map metric names to thresholds, e.g. accuracy: { above: 0.95 }',
});

const policyFileSchema = z.strictObject({
  promotion: z.strictObject(Object.fromEntries(TRANSITIONS.map((t) => [t, gatesSchema.optional()])), {
    error: `must map promotions (${TRANSITIONS.map((t) => `"${t}"`).join(', ')}) to their gates`,
  }).optional(),
  demotion: z.strictObject({
    windowDays: z.number({ error: 'must be a number of days' }).positive('must be more than 0 days').max(366, 'must be at most 366 days').optional(),
    violationFloor: z.union([z.literal(1), z.literal(2), z.literal(3)], { error: 'must be 1, 2 or 3 (a violation must be able to demote)' }).optional(),
    triggers: z.strictObject(Object.fromEntries(TRIGGER_METRICS.map((m) => [m, triggerSchema(m).nullable().optional()])), {
      error: 'must map metric names to triggers, e.g. accuracy: { below: 0.92, minSamples: 20 }',
    }).optional(),
  }, { error: 'must be a mapping with windowDays, violationFloor and triggers' }).optional(),
}, { error: 'must be a mapping with promotion and/or demotion' });

/** What a policy file holds: any part of a policy, `null` to drop a gate or trigger. */
export type PolicyFile = z.infer<typeof policyFileSchema>;

function withOverrides<T>(defaults: Readonly<Record<string, T>>, overrides: Record<string, T | null | undefined> | undefined): Record<string, T> {
  const out: Record<string, T> = { ...defaults };
  for (const [key, value] of Object.entries(overrides ?? {})) {
    if (value === null) delete out[key];
    else if (value !== undefined) out[key] = value;
  }
  return out;
}

/** The policy a partial policy file describes: its values over the defaults. */
export function resolvePolicy(file: PolicyFile, defaults: GatePolicy = DEFAULT_POLICY): GatePolicy {
  const promotion = Object.fromEntries(TRANSITIONS.map((t) => [t, withOverrides(defaults.promotion[t], file.promotion?.[t] as Record<string, Threshold | null> | undefined)]));
  return {
    promotion: promotion as Record<Transition, PromotionGates>,
    demotion: {
      windowDays: file.demotion?.windowDays ?? defaults.demotion.windowDays,
      violationFloor: file.demotion?.violationFloor ?? defaults.demotion.violationFloor,
      triggers: withOverrides(defaults.demotion.triggers, file.demotion?.triggers as Record<string, Trigger | null> | undefined),
    },
  };
}

function lineAt(counter: LineCounter, offset: number | undefined): number {
  return offset === undefined ? 1 : counter.linePos(offset).line;
}

/** The node at `path`, or the deepest one that exists on the way. */
function deepestNode(doc: ReturnType<typeof parseDocument>, path: readonly PropertyKey[]): Node | undefined {
  let node: unknown = doc.contents;
  for (const key of path) {
    if (!isMap(node)) break;
    const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(key));
    if (!pair) break;
    node = pair.value ?? pair.key;
  }
  return node as Node | undefined;
}

/** The key node named `key` inside the map at `path` (for unknown keys). */
function keyNode(doc: ReturnType<typeof parseDocument>, path: readonly PropertyKey[], key: string): Node | undefined {
  const map = deepestNode(doc, path);
  if (!isMap(map)) return undefined;
  const pair = map.items.find((p) => isScalar(p.key) && String(p.key.value) === key);
  return (pair?.key as Node | undefined) ?? map;
}

/**
 * Parses a policy file (JSON or YAML; JSON is YAML) into a full policy. Errors name
 * `FILE:LINE`, the field, the value and what is allowed.
 * @example parsePolicy('promotion:\n  "1->2":\n    incidents: { atLeast: 50 }\n', 'gate.yaml')
 */
export function parsePolicy(text: string, file: string): GatePolicy {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true });
  const syntax = doc.errors[0];
  if (syntax) {
    throw new TrustError('GT_POLICY_INVALID', `not valid JSON or YAML (${syntax.message.split('\n')[0]}); fix the syntax`, `${file}:${lineAt(lineCounter, syntax.pos[0])}`);
  }
  const raw: unknown = doc.toJS() ?? {};
  const parsed = policyFileSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const field = issue.path.map(String).join('.');
    if (issue.code === 'unrecognized_keys') {
      const key = issue.keys[0]!;
      const shape = allowedKeys(issue.path);
      const where = `${file}:${lineAt(lineCounter, keyNode(doc, issue.path, key)?.range?.[0])}`;
      throw new TrustError('GT_POLICY_INVALID', `unknown field "${[...issue.path.map(String), key].join('.')}"; allowed here: ${shape.join(', ')}`, where);
    }
    const value = issue.path.reduce<unknown>((v, k) => (v as Record<PropertyKey, unknown> | undefined)?.[k], raw);
    const got = value === undefined ? 'is missing' : `is ${JSON.stringify(value)}`;
    const where = `${file}:${lineAt(lineCounter, deepestNode(doc, issue.path)?.range?.[0])}`;
    throw new TrustError('GT_POLICY_INVALID', `field "${field || '(file)'}" ${got}: ${issue.message}`, where);
  }
  return resolvePolicy(parsed.data);
}

function allowedKeys(path: readonly PropertyKey[]): string[] {
  if (path.length === 0) return ['promotion', 'demotion'];
  if (path[0] === 'promotion') return path.length === 1 ? [...TRANSITIONS] : [...METRIC_NAMES];
  if (path.length === 1) return ['windowDays', 'violationFloor', 'triggers'];
  if (path.length === 2) return [...TRIGGER_METRICS];
  return [...COMPARISONS, ...(path[0] === 'demotion' ? ['minSamples'] : [])];
}

