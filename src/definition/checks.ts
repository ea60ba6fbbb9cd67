/** Checks shared by the validators of every part of a definition. */
import type { Problem } from '../errors';
import { READ_VERBS } from '../phase/table';
import { isLabelKey, isLabelValue, objectNames } from './names';
import type { AgentDefinition, DangerousAccessAcknowledgement } from './types';

/** Shortest accepted `dangerous.reason`. */
export const MIN_REASON_LENGTH = 10;

/** Collects one problem: the field, what is wrong with the value, what is allowed and one fix. */
export type Report = (field: string, message: string, code?: Problem['code']) => void;

/** Label keys and values. */
export function checkLabels(labels: Readonly<Record<string, string>> | undefined, field: string, report: Report): void {
  for (const [k, v] of Object.entries(labels ?? {})) {
    if (!isLabelKey(k)) report(`${field}.${k}`, `label key "${k}" is invalid; use [prefix/]name with alphanumerics, '-', '_', '.'`);
    if (!isLabelValue(v)) report(`${field}.${k}`, `label value "${v}" is invalid; use at most 63 alphanumerics, '-', '_', '.'`);
  }
}

/** A grant in the dangerous set needs a written reason; a reason without a danger is refused as noise. */
export function checkAck(ack: DangerousAccessAcknowledgement | undefined, dangers: readonly { id: string; why: string }[], field: string, report: Report): void {
  if (dangers.length > 0 && !ack) {
    for (const d of dangers) {
      report(field, `grants "${d.id}" (${d.why}); this is in the dangerous set and is refused by default; remove it, or add dangerous: { reason: '…' } explaining why this agent needs it`, 'GT_DANGEROUS_ACCESS');
    }
  }
  if (ack && ack.reason.trim().length < MIN_REASON_LENGTH) {
    report(`${field}.dangerous.reason`, `"${ack.reason}" is shorter than ${MIN_REASON_LENGTH} characters; write why this agent needs the access`, 'GT_DANGEROUS_ACCESS');
  }
  if (ack && dangers.length === 0) {
    report(`${field}.dangerous`, `the rule grants nothing in the dangerous set, so the escape hatch is not needed; remove dangerous`);
  }
}

/** The part of a Kubernetes rule (raw or an action's) that decides whether it writes the agent's own objects. */
export interface WriteScopeOf {
  readonly apiGroups: readonly string[];
  readonly resources: readonly string[];
  readonly verbs: readonly string[];
  readonly resourceNames?: readonly string[];
  readonly namespaces?: readonly string[];
}

/**
 * The agent's own namespace holds the objects that steer it: the approvals ConfigMap operators
 * write and its phase ConfigMap. No rule may let the agent write them, hatch or not.
 * @param namesField the field holding the rule's object names, for the message
 */
export function checkOwnObjects(def: AgentDefinition, rule: WriteScopeOf, namesField: string, report: Report): void {
  const writes = rule.verbs.some((v) => !(READ_VERBS as readonly string[]).includes(v));
  if (!writes || !rule.apiGroups.includes('') || !rule.resources.includes('configmaps')) return;
  if (!(rule.namespaces ?? []).includes(def.namespace)) return;
  const names = objectNames(def.name);
  const own: string[] = [names.approvals, names.phaseConfig];
  const hits = rule.resourceNames ? rule.resourceNames.filter((n) => own.includes(n)) : own;
  if (hits.length > 0) {
    report(namesField, `lets the agent write ConfigMap ${hits.map((h) => `"${h}"`).join(' and ')} in its own namespace "${def.namespace}", where operators grant approvals and set its phase; an agent may never write them; list other names`, 'GT_DANGEROUS_ACCESS');
  }
}
