/**
 * How writes by an agent are admitted, read from the ValidatingAdmissionPolicies and bindings in
 * an output and compared with what TrustPhasedAgent renders (`renderAdmission`, deterministic
 * and free of cdk8s at runtime), so a neutralised policy never passes for an intact one.
 */
import { serviceAccountUsername, type AgentDefinition, type ResolvedDefinition } from '../../definition/types';
import { renderAdmission, type AdmissionAccess } from '../../k8s/admission';
import { PHASE_VALUES, PHASES, type Phase } from '../../phase/table';
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

/** The policy and binding TrustPhasedAgent renders for `definition` in `phase`; undefined when the phase renders none. */
export function renderedAdmission(definition: AgentDefinition, phase: Phase): AdmissionAccess | undefined {
  const resolved: ResolvedDefinition = { ...definition, podLabels: definition.podLabels ?? { 'app.kubernetes.io/name': definition.name } };
  return renderAdmission(resolved, phase);
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

/** Whether one of the policy's match conditions names the agent's username. */
export function selectsAgent(policy: Manifest, agent: AgentRef): boolean {
  const username = serviceAccountUsername(agent);
  const conditions = (policy['spec'] as { matchConditions?: unknown[] } | undefined)?.matchConditions ?? [];
  return conditions.some((c) => {
    const expression = (c as { expression?: unknown } | undefined)?.expression;
    return typeof expression === 'string' && (expression.includes(`"${username}"`) || expression.includes(`'${username}'`));
  });
}

/** Whether the policy and every binding of it are exactly `rendered`. */
function isRendered(policy: Manifest, bindings: readonly Manifest[], rendered: AdmissionAccess): boolean {
  return policy.metadata?.name === rendered.policy.metadata?.name
    && jsonEqual(policy['spec'], rendered.policy.spec)
    && bindings.every((b) => jsonEqual(b['spec'], rendered.binding.spec));
}

/**
 * How writes by the agent are admitted, from the policies among `policies` whose match
 * conditions name the agent and that some binding among `bindings` binds. A policy counts as
 * `deny` or `approval` only when it and its bindings are exactly what TrustPhasedAgent renders
 * for a phase with that admission; any other such policy makes the result `custom`.
 */
export function writeAdmissionOf(policies: readonly Manifest[], bindings: readonly Manifest[], agent: AgentRef): WriteAdmissionMode {
  const definition: AgentDefinition = { name: agent.name, namespace: agent.namespace, observe: {} };
  const modes = new Set<WriteAdmissionMode>();
  for (const policy of policies.filter((p) => isAdmissionKind(p, POLICY_KIND) && selectsAgent(p, agent))) {
    const bound = bindings.filter((b) => isAdmissionKind(b, BINDING_KIND) && boundPolicy(b) === policy.metadata?.name);
    if (bound.length === 0) continue;
    const phase = PHASE_VALUES.find((p) => {
      const rendered = renderedAdmission(definition, p);
      return rendered !== undefined && isRendered(policy, bound, rendered);
    });
    modes.add(phase === undefined ? 'custom' : PHASES[phase].writeAdmission);
  }
  if (modes.size === 0) return 'none';
  return modes.size === 1 ? [...modes][0]! : 'custom';
}
