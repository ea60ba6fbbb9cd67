/**
 * The promises a test can check, as pure functions from synthesized phases to an outcome with a
 * message that reads either way: on a pass it says what holds, on a failure it names the grants
 * that break the promise. expectAccess throws on failures; the matchers hand outcomes to the runner.
 */
import { diffAccess } from '../analysis/diff';
import { PHASE_VALUES, phaseAbove } from '../phase/table';
import { evaluateRequest } from './evaluate';
import { grantLine, grantsOf, unknownAccess, type Grant } from './grants';
import { parseRequest, type AccessRequest } from './request';
import type { PhaseAccess, Phases } from './synthesize';

/**
 * The outcome of one check. `pass` is undefined when the output cannot settle it: the agent is
 * bound to a role or policy the output does not contain.
 */
export interface Outcome {
  readonly pass: boolean | undefined;
  readonly message: string;
}

/** Options of checkNoDangerousAccess. */
export interface DangerOptions {
  /**
   * Danger IDs the agent definition acknowledges with a written reason (e.g. `secrets`), which
   * do not fail the check. `wildcard` cannot be excepted.
   * @default none
   */
  readonly except?: readonly string[];
}

function label(p: PhaseAccess): string {
  return `phase ${p.phase}`;
}

/** `: line` for one line, else an indented list; sorted, so messages do not depend on object order. */
function listed(lines: readonly string[]): string {
  const unique = [...new Set(lines)].sort();
  return unique.length === 1 ? `: ${unique[0]}` : `:\n${unique.map((l) => `  - ${l}`).join('\n')}`;
}

/**
 * A promise that nothing of a kind is granted: fails naming each offending grant, is unknown
 * when the agent is bound to objects the output does not contain.
 */
function absence(p: PhaseAccess, holds: string, broken: string, offending: readonly Grant[]): Outcome {
  if (offending.length > 0) return { pass: false, message: `${label(p)} ${broken}${listed(offending.map(grantLine))}` };
  const unknown = unknownAccess(p);
  if (unknown.length > 0) return { pass: undefined, message: `cannot tell whether ${label(p)} ${holds}${listed(unknown)}` };
  return { pass: true, message: `${label(p)} ${holds}` };
}

/** Passes when the phase grants only reads: Kubernetes get/list/watch, Vault read/list, IAM Read/List actions. */
export function checkReadOnly(p: PhaseAccess): Outcome {
  return absence(p, 'is read-only', 'is not read-only', grantsOf(p).filter((g) => g.writes));
}

/**
 * Passes when every write is limited to named objects (RBAC resourceNames), exact Vault paths
 * and ARNs without wildcards: phase 3's promise.
 */
export function checkNamedWrites(p: PhaseAccess): Outcome {
  return absence(p, 'writes only named resources', 'writes resources it does not name', grantsOf(p).filter((g) => g.writes && !g.named));
}

/** Passes when nothing in the dangerous set (Kubernetes and IAM, wildcards included) is granted, but for `except`. */
export function checkNoDangerousAccess(p: PhaseAccess, options: DangerOptions = {}): Outcome {
  const except = new Set((options.except ?? []).filter((id) => id !== 'wildcard'));
  const offending = grantsOf(p)
    .map((g) => ({ ...g, dangers: g.dangers.filter((d) => !except.has(d)) }))
    .filter((g) => g.dangers.length > 0);
  return absence(p, 'grants nothing in the dangerous set', 'grants dangerous access', offending);
}

const VAULT_WRITES = new Set(['create', 'update', 'patch', 'delete', 'sudo']);
const IAM_READ_LEVELS = new Set(['Read', 'List']);

/** Writes of the phase that need no approval, one line each (Kubernetes admission, Vault paths, IAM actions). */
function unapprovedWrites(p: PhaseAccess): string[] {
  const m = p.access;
  const out: string[] = [];
  const writesK8s = grantsOf(p).some((g) => g.writes && g.text.indexOf('vault ') !== 0 && g.text.indexOf('iam ') !== 0);
  if (writesK8s && m.kubernetes.writeAdmission !== 'approval') out.push(`Kubernetes writes are admitted without a per-write approval (write admission: ${m.kubernetes.writeAdmission})`);
  for (const [path, caps] of Object.entries(m.vault.paths)) {
    for (const cap of caps) if (VAULT_WRITES.has(cap)) out.push(`vault ${cap} ${path} with the agent's own token`);
  }
  for (const [role, r] of Object.entries(m.aws.roles)) {
    for (const [level, actions] of Object.entries(r.actions)) {
      if (level.split(', ').every((l) => IAM_READ_LEVELS.has(l))) continue;
      for (const [action, resources] of Object.entries(actions)) out.push(`iam ${action} on ${resources.join(', ')} (role ${role}) without the operator's approval tag`);
    }
  }
  return out;
}

/**
 * Passes when every write of the phase, in every backend, needs a single-use operator approval
 * the agent cannot give itself: phase 3's promise. Kubernetes admission requires an approval
 * entry, Vault writes are only in approval-token policies, IAM writes need the approval tag.
 */
export function checkRequiresApproval(p: PhaseAccess): Outcome {
  const offending = unapprovedWrites(p);
  if (offending.length > 0) return { pass: false, message: `${label(p)} has writes without a per-write approval${listed(offending)}` };
  const unknown = unknownAccess(p);
  if (unknown.length > 0) return { pass: undefined, message: `cannot tell whether every write of ${label(p)} needs an approval${listed(unknown)}` };
  return { pass: true, message: `every write of ${label(p)} needs a single-use operator approval` };
}

/** Whether an ARN pattern reaches every resource of a service, region or account. */
function unbounded(resource: string): boolean {
  if (resource === '*') return true;
  const parts = resource.split(':');
  return parts.slice(0, 5).some((x) => /[*?]/.test(x)) || /^[*?]/.test(parts.slice(5).join(':'));
}

/** Whether a Vault path pattern writes under a whole mount (fewer than two literal segments before a glob, KV's data/ aside). */
function wholeMount(path: string): boolean {
  const segments = path.split('/');
  const glob = segments.findIndex((s) => s.includes('*') || s === '+');
  return glob !== -1 && glob - (['data', 'metadata'].includes(segments[1] ?? '') ? 1 : 0) < 2;
}

/**
 * Passes when every write of the phase stays bounded: Kubernetes writes are admitted only as
 * declared actions (admission compares each with the object's previous version), pods running as
 * the agent stay fenced, nothing reaches other identities (no reach), no write is cluster-wide,
 * and Vault and IAM writes name a bounded scope. Phase 4's promise (and every lower phase's).
 */
export function checkBounded(p: PhaseAccess): Outcome {
  const m = p.access;
  const offending = [
    ...(p.output.manifests.length > 0 && !['deny', 'approval', 'actions'].includes(m.kubernetes.writeAdmission) ? [`Kubernetes writes are not bounded by admission (write admission: ${m.kubernetes.writeAdmission})`] : []),
    ...(p.output.manifests.length > 0 && m.kubernetes.fence !== 'admission' ? [`pods running as the agent are not fenced (fence: ${m.kubernetes.fence})`] : []),
    ...(p.output.manifests.length > 0 && !m.egress.isolated ? ['egress is not isolated'] : []),
    ...m.reach.map((r) => `${r.grant}: ${r.reach}`),
    ...grantsOf(p).filter((g) => g.writes && / cluster-wide$/.test(g.text)).map(grantLine),
    ...Object.entries({ ...m.vault.paths, ...m.vault.approvalPaths }).flatMap(([path, caps]) => (caps.some((c) => VAULT_WRITES.has(c)) && wholeMount(path) ? [`vault writes under the whole mount of ${path}`] : [])),
    ...Object.values(m.aws.roles).flatMap((r) => [r.actions, r.approvalActions].flatMap((levels) => Object.entries(levels).flatMap(([level, actions]) =>
      level.split(', ').every((l) => IAM_READ_LEVELS.has(l)) ? [] : Object.entries(actions).flatMap(([action, resources]) => resources.filter(unbounded).map((res) => `iam ${action} on ${res}`))))),
  ];
  return absence(p, 'keeps every write bounded', 'has unbounded writes', offending.map((text) => ({ text, source: 'access model', writes: true, named: false, dangers: [] })));
}

/**
 * Whether the phase allows the request: `pass` true when allowed, false when denied, undefined
 * when the output cannot tell. The message names the objects that allow it or what stops it.
 * Throws TrustError for a malformed request.
 */
export function checkAllows(p: PhaseAccess, request: AccessRequest): Outcome {
  const parsed = parseRequest(request);
  const verdict = evaluateRequest(p, parsed);
  switch (verdict.answer) {
    case 'allowed':
      return { pass: true, message: `${label(p)} allows ${parsed.text} (${verdict.why})` };
    case 'denied':
      return { pass: false, message: `${label(p)} does not allow ${parsed.text}: ${verdict.why}` };
    case 'unknown':
      return { pass: undefined, message: `cannot tell whether ${label(p)} allows ${parsed.text}: ${verdict.why}` };
  }
}

/** checkAllows with the verdict turned around: passes when the request is denied. */
export function checkDenies(p: PhaseAccess, request: AccessRequest): Outcome {
  const allows = checkAllows(p, request);
  return { pass: allows.pass === undefined ? undefined : !allows.pass, message: allows.message };
}

/**
 * Passes when each phase grants everything the phase below it grants (the access diff from
 * phase N to N+1 loses nothing; settings such as TTLs are not compared). Fails naming what a
 * higher phase loses.
 */
export function checkMonotonic(phases: Phases): Outcome {
  const broken = PHASE_VALUES.flatMap((phase) => {
    const above = phaseAbove(phase);
    if (above === undefined) return [];
    const lost = diffAccess(phases[phase].access, phases[above].access).changes.filter((c) => c.kind === '-');
    return lost.length === 0 ? [] : [`phase ${phase} grants what phase ${above} does not${listed(lost.map((c) => c.text))}`];
  });
  if (broken.length === 0) return { pass: true, message: 'each phase grants everything the phase below it grants' };
  return { pass: false, message: `the phases are not monotonic:\n${broken.join('\n')}` };
}
