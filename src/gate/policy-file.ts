/**
 * Policy files: a partial policy over the defaults, JSON or YAML (JSON is YAML), checked with zod
 * and reported as `FILE:LINE` errors.
 *
 * Each threshold object a file gives replaces the default one for that metric whole
 * (`accuracy: { above: 0.97 }`); `null` drops a default gate or trigger; everything it leaves out
 * keeps its default. Unknown keys are errors, so a typo never silently keeps a default. Files
 * written before a field existed load unchanged and get its default.
 */
import { LineCounter, parseDocument, isMap, isPair, isScalar, type Node } from 'yaml';
import { z } from 'zod';
import { TrustError } from '../errors';
import { phaseSchema } from '../phase/schema';
import { PHASE_VALUES, type Phase } from '../phase/table';
import { compileRule, type PeopleRule } from './identity';
import { METRICS, METRIC_NAMES, type MetricName } from './metrics';
import {
  COMPARISONS, DEFAULT_POLICY, TRANSITIONS,
  type GatePolicy, type PromotionGate, type PromotionGates, type RevisionAction, type Transition, type Trigger, type TriggerMetric,
} from './policy';
import { shown } from './source';

const comparisonsText = 'exactly one of atLeast (≥), above (>), atMost (≤), below (<)';
const SHARE = 'must be a share between 0 and 1 (0.95 means 95%)';
const WHOLE = 'must be a whole number ≥ 0';
const POSITIVE = 'must be a whole number ≥ 1 (no data never passes)';

function valueSchema(metric: MetricName) {
  return METRICS[metric].kind === 'ratio'
    ? z.number({ error: SHARE }).min(0, SHARE).max(1, SHARE)
    : z.number({ error: WHOLE }).int(WHOLE).min(0, WHOLE);
}

function thresholdShape(metric: MetricName) {
  const v = valueSchema(metric).optional();
  return { atLeast: v, above: v, atMost: v, below: v };
}

const oneComparison = (t: Record<string, unknown>) => COMPARISONS.filter((op) => t[op] !== undefined).length === 1;
/** The `oneComparison` refinement, for the JSON Schema (zod cannot export a refinement). */
const ONE_COMPARISON_JSON = { oneOf: COMPARISONS.map((op) => ({ properties: { [op]: true }, required: [op] })) };
const minSamplesSchema = z.number({ error: POSITIVE }).int(POSITIVE).min(1, POSITIVE);

function gateSchema(metric: MetricName) {
  return z.strictObject({ ...thresholdShape(metric), minSamples: minSamplesSchema.optional() }, { error: 'must be a threshold like { above: 0.95 }, or null to drop the gate' })
    .refine(oneComparison, { error: `must hold ${comparisonsText}, e.g. { above: 0.95 }` })
    .meta(ONE_COMPARISON_JSON);
}

function triggerSchema(metric: MetricName) {
  return z
    .strictObject(
      { ...thresholdShape(metric), minSamples: z.number({ error: WHOLE }).int(WHOLE).min(0, WHOLE) },
      { error: 'must be a trigger like { below: 0.92, minSamples: 20 }, or null to drop the trigger' },
    )
    .refine(oneComparison, { error: `must hold ${comparisonsText} and minSamples, e.g. { below: 0.92, minSamples: 20 }` })
    .meta(ONE_COMPARISON_JSON);
}

const TRIGGER_METRICS = METRIC_NAMES.filter((m): m is TriggerMetric => m !== 'signoffs');

const gatesSchema = z.strictObject(Object.fromEntries(METRIC_NAMES.map((m) => [m, gateSchema(m).nullable().optional()])), {
  error: 'must map metric names to thresholds, e.g. accuracy: { above: 0.95 }',
});

const phase = phaseSchema('must be a phase: 1, 2, 3 or 4');

const revisionActionSchema = z.union([
  z.literal('keep'), z.literal('restart'),
  z.strictObject({ dropTo: phase }),
], { error: 'must be keep, restart or { dropTo: N }' });

const DAYS = 'must be a number of days from 0 to 3660';
const CONFIDENCE = 'must be a confidence level between 0.5 and 0.9999 (0.95 means 95%), or none';

const peopleRuleSchema = z.strictObject({
  allow: z.array(z.string({ error: 'must be a list of names' }).min(1, 'must not be empty'), { error: 'must be a list of names' }).optional(),
  pattern: z.string({ error: 'must be a regular expression, e.g. "[a-z.]+@example\\\\.com"' }).refine((p) => {
    try {
      compileRule({ pattern: p });
      return true;
    } catch {
      return false;
    }
  }, { error: 'is not a regular expression (JavaScript syntax, Unicode mode)' }).optional(),
}, { error: 'must be { allow: [names] } and/or { pattern: "regular expression" }' });

/** A policy file (JSON or YAML): any part of a policy over the defaults; `schemas/policy-file.schema.json`. */
export const policyFileSchema = z.strictObject({
  confidence: z.union([z.literal('none'), z.number().min(0.5, CONFIDENCE).max(0.9999, CONFIDENCE)], { error: CONFIDENCE }).optional(),
  minSamples: minSamplesSchema.optional(),
  promotion: z.strictObject(Object.fromEntries(TRANSITIONS.map((t) => [t, gatesSchema.optional()])), {
    error: `must map promotions (${TRANSITIONS.map((t) => `"${t}"`).join(', ')}) to their gates`,
  }).optional(),
  soakDays: z.strictObject(Object.fromEntries(TRANSITIONS.map((t) => [t, z.number({ error: DAYS }).min(0, DAYS).max(3660, DAYS).nullable().optional()])), {
    error: `must map promotions (${TRANSITIONS.map((t) => `"${t}"`).join(', ')}) to days, e.g. "3->4": 56`,
  }).optional(),
  demotion: z.strictObject({
    windowDays: z.number({ error: 'must be a number of days' }).positive('must be more than 0 days').max(366, 'must be at most 366 days').optional(),
    violationFloor: z.union([z.literal(1), z.literal(2), z.literal(3)], { error: 'must be 1, 2 or 3 (a violation must be able to demote)' }).optional(),
    judgeOn: z.enum(['observed', 'bound'], { error: 'must be observed (the fail-safe default) or bound' }).optional(),
    triggers: z.strictObject(Object.fromEntries(TRIGGER_METRICS.map((m) => [m, triggerSchema(m).nullable().optional()])), {
      error: 'must map metric names to triggers, e.g. accuracy: { below: 0.92, minSamples: 20 }',
    }).optional(),
  }, { error: 'must be a mapping with windowDays, violationFloor, judgeOn and triggers' }).optional(),
  revisionChange: z.strictObject(Object.fromEntries(PHASE_VALUES.map((p) => [String(p), revisionActionSchema.optional()])), {
    error: 'must map phases (1, 2, 3, 4) to keep, restart or { dropTo: N }',
  }).optional(),
  people: z.strictObject({
    signoff: peopleRuleSchema.nullable().optional(),
    investigationClosed: peopleRuleSchema.nullable().optional(),
  }, { error: 'must be a mapping with signoff and/or investigationClosed' }).optional(),
}, { error: 'must be a mapping with promotion, demotion, confidence, minSamples, soakDays, revisionChange and/or people' });

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

/** The rule a file gives (`null`: anyone), else the default one. */
function rule(value: PeopleRule | null | undefined, fallback: PeopleRule | undefined): PeopleRule | undefined {
  if (value === null) return undefined;
  return value ?? fallback;
}

/** The policy a partial policy file describes: its values over the defaults. */
export function resolvePolicy(file: PolicyFile, defaults: GatePolicy = DEFAULT_POLICY): GatePolicy {
  const promotion = Object.fromEntries(TRANSITIONS.map((t) => [t, withOverrides<PromotionGate>(defaults.promotion[t], file.promotion?.[t] as Record<string, PromotionGate | null> | undefined)]));
  const soakDays = Object.fromEntries(TRANSITIONS.map((t) => {
    const days = file.soakDays?.[t];
    return [t, days === null ? 0 : days ?? defaults.soakDays[t]];
  }));
  const revisionChange = Object.fromEntries(PHASE_VALUES.map((p) => [p, (file.revisionChange?.[String(p)] as RevisionAction | undefined) ?? defaults.revisionChange[p]]));
  const signoff = rule(file.people?.signoff, defaults.people.signoff);
  const investigationClosed = rule(file.people?.investigationClosed, defaults.people.investigationClosed);
  return {
    confidence: file.confidence ?? defaults.confidence,
    minSamples: file.minSamples ?? defaults.minSamples,
    promotion: promotion as Record<Transition, PromotionGates>,
    soakDays: soakDays as Record<Transition, number>,
    demotion: {
      windowDays: file.demotion?.windowDays ?? defaults.demotion.windowDays,
      violationFloor: file.demotion?.violationFloor ?? defaults.demotion.violationFloor,
      judgeOn: file.demotion?.judgeOn ?? defaults.demotion.judgeOn,
      triggers: withOverrides(defaults.demotion.triggers, file.demotion?.triggers as Record<string, Trigger | null> | undefined),
    },
    revisionChange: revisionChange as Record<Phase, RevisionAction>,
    people: { ...(signoff ? { signoff } : {}), ...(investigationClosed ? { investigationClosed } : {}) },
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

/** The keys the schema allows in the object at `path`. */
function allowedKeys(path: readonly PropertyKey[]): string[] {
  let schema: unknown = policyFileSchema;
  for (const key of [...path, undefined]) {
    for (;;) {
      if (schema instanceof z.ZodOptional || schema instanceof z.ZodNullable) schema = schema.unwrap();
      else if (schema instanceof z.ZodUnion) schema = (schema.options as unknown[]).find((o) => o instanceof z.ZodObject);
      else break;
    }
    if (!(schema instanceof z.ZodObject)) return [];
    if (key === undefined) return Object.keys(schema.shape);
    schema = (schema.shape as Record<string, unknown>)[String(key)];
  }
  return [];
}

/**
 * Parses a policy file (JSON or YAML; JSON is YAML) into a full policy. Errors name
 * `FILE:LINE`, the field, the value and what is allowed.
 * @example parsePolicy('promotion:\n  "1->2":\n    incidents: { atLeast: 50 }\n', 'gate.yaml')
 */
export function parsePolicy(text: string, file: string): GatePolicy {
  const lineCounter = new LineCounter();
  let doc: ReturnType<typeof parseDocument>;
  let raw: unknown;
  try {
    doc = parseDocument(text, { lineCounter, uniqueKeys: true });
    raw = doc.errors.length > 0 ? undefined : doc.toJS() ?? {};
  } catch (e) {
    if (!(e instanceof RangeError)) throw e;
    throw new TrustError('GT_POLICY_INVALID', 'is nested too deeply to be a policy; a policy is a few levels of mappings', `${file}:1`);
  }
  const syntax = doc.errors[0];
  if (syntax) {
    throw new TrustError('GT_POLICY_INVALID', `not valid JSON or YAML (${syntax.message.split('\n')[0]}); fix the syntax`, `${file}:${lineAt(lineCounter, syntax.pos[0])}`);
  }
  const parsed = policyFileSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const field = issue.path.map(String).join('.');
    if (issue.code === 'unrecognized_keys') {
      const key = issue.keys[0]!;
      const where = `${file}:${lineAt(lineCounter, keyNode(doc, issue.path, key)?.range?.[0])}`;
      throw new TrustError('GT_POLICY_INVALID', `unknown field "${[...issue.path.map(String), key].join('.')}"; allowed here: ${allowedKeys(issue.path).join(', ')}`, where);
    }
    const value = issue.path.reduce<unknown>((v, k) => (v as Record<PropertyKey, unknown> | undefined)?.[k], raw);
    const got = value === undefined ? 'is missing' : `is ${shown(value)}`;
    const where = `${file}:${lineAt(lineCounter, deepestNode(doc, issue.path)?.range?.[0])}`;
    throw new TrustError('GT_POLICY_INVALID', `field "${field || '(file)'}" ${got}: ${issue.message}`, where);
  }
  return resolvePolicy(parsed.data);
}
