/**
 * How writes by an agent are admitted, read from the ValidatingAdmissionPolicies and bindings in
 * an output. Each policy TrustPhasedAgent renders carries its input in the annotation
 * `graduated-trust.dev/admission`; a policy counts as rendered only when its spec and every
 * binding of it are exactly what that input renders (`admissionSpec`, pure and free of cdk8s at
 * runtime), so a neutralised or hand-edited policy is never read as an intact one.
 */
import { LABELS } from '../../definition/names';
import { serviceAccountUsername } from '../../definition/types';
import { admissionBindingSpec, admissionPolicyName, admissionSpec, type AdmissionInput } from '../../k8s/admission';
import type { WritesPolicyInput } from '../../k8s/admission-writes';
import { isPhase, PHASES } from '../../phase/table';
import type { AgentRef, WriteAdmissionMode } from '../model';
import type { Manifest } from './authorizer';

const ADMISSION_API = 'admissionregistration.k8s.io/';
export const POLICY_KIND = 'ValidatingAdmissionPolicy';
export const BINDING_KIND = 'ValidatingAdmissionPolicyBinding';

/** Whether `m` is an admissionregistration object of `kind`. */
export function isAdmissionKind(m: Manifest, kind: string): boolean {
  return m.kind === kind && (m.apiVersion ?? '').startsWith(ADMISSION_API);
}

/** The policy a binding binds. */
export function boundPolicy(binding: Manifest): string | undefined {
  return (binding['spec'] as { policyName?: string } | undefined)?.policyName;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Whether two JSON values are equal, key order ignored (jsonDifferences is empty). */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((v, i) => jsonEqual(v, b[i]));
  if (isRecord(a) && isRecord(b)) {
    const keys = Object.keys(b);
    return Object.keys(a).length === keys.length && keys.every((k) => Object.prototype.hasOwnProperty.call(a, k) && jsonEqual(a[k], b[k]));
  }
  return a === b;
}

/**
 * The fields where two JSON values differ (`spec.matchConditions[0].expression`), key order
 * ignored; an array of another length or a value of another type is one difference at its path.
 */
export function jsonDifferences(actual: unknown, expected: unknown, path: string): string[] {
  if (Array.isArray(actual) && Array.isArray(expected)) {
    if (actual.length !== expected.length) return [path];
    return actual.flatMap((v, i) => jsonDifferences(v, expected[i], `${path}[${i}]`));
  }
  if (isRecord(actual) && isRecord(expected)) {
    const keys = [...new Set([...Object.keys(expected), ...Object.keys(actual)])];
    return keys.flatMap((k) => jsonDifferences(actual[k], expected[k], `${path}.${k}`));
  }
  return actual === expected ? [] : [path];
}

/** The input a policy's annotation claims, when it parses and names `agent`; undefined otherwise. */
export function claimedInput(policy: Manifest, agent: AgentRef): AdmissionInput | undefined {
  const input = parsedInput(policy);
  if (input === undefined) return undefined;
  const claimed = input?.input?.agent;
  if (!isRecord(claimed) || claimed['name'] !== agent.name || claimed['namespace'] !== agent.namespace || !isPhase(input.input.phase)) return undefined;
  if (!['writes', 'approved', 'approvals', 'fence'].includes(input.policy)) return undefined;
  return input;
}

/** Parsed input annotations by policy: an app with many agents asks each policy once per agent. */
const INPUTS = new WeakMap<Manifest, AdmissionInput | null>();

function parsedInput(policy: Manifest): AdmissionInput | undefined {
  const cached = INPUTS.get(policy);
  if (cached !== undefined) return cached ?? undefined;
  const text = policy.metadata?.annotations?.[LABELS.admission];
  let input: AdmissionInput | null = null;
  if (typeof text === 'string') {
    try {
      input = JSON.parse(text) as AdmissionInput;
    } catch {
      input = null;
    }
  }
  INPUTS.set(policy, input);
  return input ?? undefined;
}

/** Names that occur in a policy's match conditions (DNS labels: the only tokens a needle can be). */
const CONDITION_TOKENS = new WeakMap<Manifest, ReadonlySet<string>>();

function conditionTokens(policy: Manifest): ReadonlySet<string> {
  const cached = CONDITION_TOKENS.get(policy);
  if (cached) return cached;
  const tokens = new Set(conditionExpressions(policy).flatMap((e) => e.split(/[^a-z0-9.-]+/)));
  CONDITION_TOKENS.set(policy, tokens);
  return tokens;
}

function conditionExpressions(policy: Manifest): string[] {
  const conditions = (policy['spec'] as { matchConditions?: unknown[] } | undefined)?.matchConditions ?? [];
  return conditions.flatMap((c) => {
    const expression = (c as { expression?: unknown } | undefined)?.expression;
    return typeof expression === 'string' ? [expression] : [];
  });
}

/** A list indexed by the keys of each item, built once per list (a WeakMap on the list itself). */
function indexOnce(cache: WeakMap<readonly Manifest[], ReadonlyMap<string, readonly Manifest[]>>, list: readonly Manifest[], keysOf: (m: Manifest) => Iterable<string>): ReadonlyMap<string, readonly Manifest[]> {
  const cached = cache.get(list);
  if (cached) return cached;
  const index = new Map<string, Manifest[]>();
  for (const item of list) {
    for (const key of keysOf(item)) {
      const entries = index.get(key);
      if (entries) entries.push(item);
      else index.set(key, [item]);
    }
  }
  cache.set(list, index);
  return index;
}

const POLICY_INDEX = new WeakMap<readonly Manifest[], ReadonlyMap<string, readonly Manifest[]>>();
const BINDING_INDEX = new WeakMap<readonly Manifest[], ReadonlyMap<string, readonly Manifest[]>>();

/**
 * The policies that may belong to or select an agent, by agent name (a superset: the claimed
 * agent's name, or any name token of the match conditions).
 */
function policyIndex(policies: readonly Manifest[]): ReadonlyMap<string, readonly Manifest[]> {
  return indexOnce(POLICY_INDEX, policies, (p) => {
    if (!isAdmissionKind(p, POLICY_KIND)) return [];
    const claimed = parsedInput(p)?.input?.agent as { name?: unknown } | undefined;
    const names = new Set(conditionTokens(p));
    if (isRecord(claimed) && typeof claimed.name === 'string') names.add(claimed.name);
    return names;
  });
}


const NAMED_POLICY_INDEX = new WeakMap<readonly Manifest[], ReadonlyMap<string, readonly Manifest[]>>();

/** The first ValidatingAdmissionPolicy of `policies` named `name` (the list is indexed once). */
export function namedPolicy(policies: readonly Manifest[], name: string): Manifest | undefined {
  return indexOnce(NAMED_POLICY_INDEX, policies, (p) => {
    const n = p.metadata?.name;
    return isAdmissionKind(p, POLICY_KIND) && typeof n === 'string' ? [n] : [];
  }).get(name)?.[0];
}

/** The ValidatingAdmissionPolicyBindings of `bindings` that bind policy `name`, in order (the list is indexed once). */
export function bindingsOf(bindings: readonly Manifest[], name: string): readonly Manifest[] {
  return indexOnce(BINDING_INDEX, bindings, (b) => {
    const bound = boundPolicy(b);
    return isAdmissionKind(b, BINDING_KIND) && typeof bound === 'string' ? [bound] : [];
  }).get(name) ?? [];
}

/** A policy of the agent, with its bindings and whether both are exactly what its input renders. */
export interface AgentPolicy {
  readonly policy: Manifest;
  readonly bindings: readonly Manifest[];
  /** The input, when the policy and its bindings are exactly its rendering. */
  readonly input: AdmissionInput | undefined;
}

/** Whether a policy's spec and its bindings' specs are exactly the rendering of `input`. */
export function isRendering(policy: Manifest, bindings: readonly Manifest[], input: AdmissionInput): boolean {
  const name = admissionPolicyName(input.input.agent.name, input.policy);
  if (policy.metadata?.name !== name || !jsonEqual(policy['spec'], admissionSpec(input))) return false;
  const binding = admissionBindingSpec(input, name);
  return bindings.length > 0 && bindings.every((b) => jsonEqual(b['spec'], binding));
}

/** Whether one of the policy's match conditions names the agent's username or ServiceAccount. */
export function selectsAgent(policy: Manifest, agent: AgentRef): boolean {
  // Every needle ends in the agent's name bounded by a quote, so the name is one of the tokens.
  if (!conditionTokens(policy).has(agent.name)) return false;
  const needles = [serviceAccountUsername(agent), agent.name].flatMap((n) => [`"${n}"`, `'${n}'`]);
  return conditionExpressions(policy).some((expression) => needles.some((n) => expression.includes(n)));
}

/** The agent's admission policies in an output: those whose annotation or match conditions name it, each with its bindings. */
export function agentPolicies(policies: readonly Manifest[], bindings: readonly Manifest[], agent: AgentRef): AgentPolicy[] {
  const candidates = policyIndex(policies).get(agent.name) ?? [];
  return candidates.filter((p) => claimedInput(p, agent) !== undefined || selectsAgent(p, agent)).map((policy) => {
    const name = policy.metadata?.name;
    const bound = typeof name === 'string' ? bindingsOf(bindings, name) : [];
    const claimed = claimedInput(policy, agent);
    return { policy, bindings: bound, input: claimed && isRendering(policy, bound, claimed) ? claimed : undefined };
  });
}

/** How the agent's writes are admitted, and the writes admitted, from its policies. */
export interface WriteAdmissionOf {
  readonly mode: WriteAdmissionMode;
  /** The writes policy's input when it is the one TrustPhasedAgent renders. */
  readonly writes: WritesPolicyInput | undefined;
  /** Whether the fence and the approvals guard are present and rendered. */
  readonly fence: 'admission' | 'none' | 'custom';
  readonly approvals: 'guarded' | 'none' | 'custom';
}

/**
 * How writes by the agent are admitted: `deny`/`approval`/`actions` when its writes policy is
 * bound and exactly what TrustPhasedAgent renders for a phase with that admission (and no other
 * bound policy selects the agent), `none` when no bound policy selects it, `custom` otherwise.
 */
export function writeAdmissionOf(policies: readonly Manifest[], bindings: readonly Manifest[], agent: AgentRef): WriteAdmissionOf {
  const found = agentPolicies(policies, bindings, agent).filter((p) => p.bindings.length > 0);
  const rendered = (kind: AdmissionInput['policy']) => found.filter((p) => p.input?.policy === kind);
  const writes = rendered('writes');
  const others = found.filter((p) => p.input === undefined);
  let mode: WriteAdmissionMode;
  if (found.length === 0) mode = 'none';
  else if (writes.length === 1 && others.length === 0) mode = PHASES[writes[0]!.input!.input.phase].writeAdmission;
  else mode = 'custom';
  // Phase 3 admits a remediate write only through the approval policy of the same phase entry.
  const input = writes[0]?.input?.input as WritesPolicyInput | undefined;
  if (mode === 'approval' && input && input.writes.some((w) => w.tier === 'remediate')) {
    const approved = rendered('approved').map((p) => p.input!.input as WritesPolicyInput);
    if (!(approved.length === 1 && approved[0]!.phase === input.phase && approved[0]!.epoch === input.epoch)) mode = 'custom';
  }
  const status = <T extends string>(kind: AdmissionInput['policy'], ok: T): T | 'none' | 'custom' =>
    rendered(kind).length === 1 ? ok : found.some((p) => claimedInput(p.policy, agent)?.policy === kind) ? 'custom' : 'none';
  return {
    mode,
    writes: mode !== 'custom' && mode !== 'none' ? (writes[0]!.input as { input: WritesPolicyInput }).input : undefined,
    fence: status('fence', 'admission'),
    approvals: status('approvals', 'guarded'),
  };
}
