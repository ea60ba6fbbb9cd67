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
