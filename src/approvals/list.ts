/**
 * The entries of an approvals ConfigMap (`kubectl get configmap <agent>-approvals -o yaml`), each
 * with what it still admits:
 * - `current`: names the epoch of the agent's current phase entry and a declared write; it admits
 *   that one write while the object is still at the resourceVersion it names;
 * - `stale`: names another epoch (given before the current phase entry, e.g. before a demotion);
 *   it admits nothing;
 * - `malformed`: not an approval key; it admits nothing;
 * - `undeclared`: names a write the remediate tier does not declare; it admits nothing.
 * Everything but `current` can be removed; `removeArgv` prints the command.
 */
import { parseKubernetesApprovalKey, type KubernetesApprovalRef } from '../definition/approvals';
import { TrustError } from '../errors';
import { compare } from '../order';
import { phaseLabel } from '../phase/table';
import { resourceText } from './approver';
import { approvalsConfigMap, removeArgv, undeclaredReason } from './kubernetes';
import type { ApprovalScope } from './scope';
import { shellLine } from './shell';

/** What an entry still admits. */
export type EntryStatus = 'current' | 'stale' | 'malformed' | 'undeclared';

/** One entry of the approvals ConfigMap. */
export interface ApprovalEntry {
  readonly key: string;
  /** The entry's value: the approver's username. */
  readonly approver: string;
  readonly status: EntryStatus;
  /** The parsed key; absent when malformed. */
  readonly ref?: KubernetesApprovalRef;
  /** Why it admits nothing; absent when current. */
  readonly why?: string;
}

/** The approvals ConfigMap as exported. */
export interface ApprovalsConfigMap {
  readonly namespace: string;
  readonly name: string;
  readonly data: Readonly<Record<string, string>>;
}

/** What `trust-gate approvals` reports. */
export interface ApprovalsReport {
  readonly agent: string;
  readonly configMap: { readonly namespace: string; readonly name: string };
  readonly phase: ApprovalScope['phase'];
  readonly epoch: string;
  /** False when no declared writes were given: `undeclared` is then never reported. */
  readonly checkedDeclared: boolean;
  readonly entries: readonly ApprovalEntry[];
  /** The command removing every entry that admits nothing; absent when there is none. */
  readonly remove?: readonly string[];
}

/**
 * Reads the ConfigMap object (parsed YAML or JSON). Throws GT_INPUT naming `where` unless it is
 * the agent's approvals ConfigMap with string values.
 */
export function approvalsConfigMapOf(object: unknown, agent: string, where: string): ApprovalsConfigMap {
  const o = object as { kind?: unknown; metadata?: { name?: unknown; namespace?: unknown }; data?: unknown } | null;
  const expected = approvalsConfigMap({ name: agent, namespace: '' }).name;
  if (o?.kind !== 'ConfigMap') throw new TrustError('GT_INPUT', `is not a ConfigMap (kind ${JSON.stringify(o?.kind)}); export it with kubectl -n NAMESPACE get configmap ${expected} -o yaml`, where);
  if (o.metadata?.name !== expected) throw new TrustError('GT_INPUT', `is ConfigMap ${JSON.stringify(o.metadata?.name)}, not ${expected}, the approvals of ${agent}; export that one or pass --agent for this one`, where);
  if (typeof o.metadata.namespace !== 'string' || o.metadata.namespace === '') throw new TrustError('GT_INPUT', `metadata.namespace is missing; export the ConfigMap with kubectl -n NAMESPACE get configmap ${expected} -o yaml, which includes it`, where);
  const data = o.data ?? {};
  if (typeof data !== 'object' || Array.isArray(data) || Object.values(data).some((v) => typeof v !== 'string')) {
    throw new TrustError('GT_INPUT', 'data is not a map of strings, which every ConfigMap holds; export it again with kubectl get -o yaml', where);
  }
  return { namespace: o.metadata.namespace, name: expected, data: data as Record<string, string> };
}

/** Classifies one entry against the scope (`checkDeclared` false: skip the declared-write check). */
export function classifyEntry(scope: ApprovalScope, key: string, approver: string, checkDeclared: boolean): ApprovalEntry {
  const ref = parseKubernetesApprovalKey(key);
  if (!ref) return { key, approver, status: 'malformed', why: 'not <epoch>_<action>_<group|core>_<resource>[.<subresource>]_<namespace>_<name>_<resourceVersion>, so no write looks it up' };
  if (ref.epoch !== scope.epoch) {
    return { key, approver, status: 'stale', ref, why: `epoch ${ref.epoch} is not the current phase entry's (${scope.epoch}): given before the agent last entered its phase, it admits nothing` };
  }
  const undeclared = checkDeclared ? undeclaredReason(scope, ref.action, ref) : undefined;
  if (undeclared) return { key, approver, status: 'undeclared', ref, why: undeclared };
  return { key, approver, status: 'current', ref };
}

/** The report of a ConfigMap's entries, sorted by key. */
export function approvalsReport(scope: ApprovalScope, cm: ApprovalsConfigMap, checkDeclared: boolean): ApprovalsReport {
  const entries = Object.keys(cm.data).sort(compare).map((k) => classifyEntry(scope, k, cm.data[k]!, checkDeclared));
  const dead = entries.filter((e) => e.status !== 'current').map((e) => e.key);
  const configMap = { namespace: cm.namespace, name: cm.name };
  return {
    agent: scope.agent.name, configMap, phase: scope.phase, epoch: scope.epoch, checkedDeclared: checkDeclared, entries,
    ...(dead.length > 0 ? { remove: removeArgv(configMap, dead) } : {}),
  };
}

/** Whether any entry admits nothing (exit 2 with --detailed-exitcode). */
export function hasDeadEntries(report: ApprovalsReport): boolean {
  return report.remove !== undefined;
}

function describe(e: ApprovalEntry): string {
  if (!e.ref) return e.key;
  const r = e.ref;
  return `${r.action} ${resourceText(r)} ${r.namespace}/${r.name} at resourceVersion ${r.resourceVersion}`;
}

/** The report as text: one line per entry, then the removal command. */
export function formatApprovalsText(report: ApprovalsReport): string {
  const where = `ConfigMap ${report.configMap.namespace}/${report.configMap.name}`;
  const lines = [`${report.agent}: ${report.entries.length} approval${report.entries.length === 1 ? '' : 's'} in ${where}; ${phaseLabel(report.phase)}, epoch ${report.epoch}`];
  const width = Math.max(0, ...report.entries.map((e) => e.status.length));
  for (const e of report.entries) {
    lines.push(`  ${e.status.padEnd(width)}  ${describe(e)}, approved by ${JSON.stringify(e.approver)}`);
    if (e.ref !== undefined && e.status !== 'current') lines.push(`  ${''.padEnd(width)}  key ${e.key}`);
    if (e.why) lines.push(`  ${''.padEnd(width)}  ${e.why}`);
  }
  if (!report.checkedDeclared) lines.push('Declared writes were not checked: pass --dist DIR or --definition FILE to report approvals of undeclared writes.');
  if (report.entries.some((e) => e.status === 'current')) {
    lines.push('A current approval admits one write while the object is still at the resourceVersion it names; once that write is done it admits nothing, remove it too.');
  }
  if (report.remove) {
    const dead = report.entries.filter((e) => e.status !== 'current').length;
    lines.push(`${dead} entr${dead === 1 ? 'y admits' : 'ies admit'} nothing; remove ${dead === 1 ? 'it' : 'them'} with:`, `  ${shellLine(report.remove)}`);
  } else {
    lines.push('No entry to remove.');
  }
  return lines.join('\n') + '\n';
}

/** The report as JSON (the removal command as argv and as one shell line). */
export function formatApprovalsJson(report: ApprovalsReport): string {
  return JSON.stringify({ ...report, ...(report.remove ? { removeCommand: shellLine(report.remove) } : {}) }, null, 2) + '\n';
}
