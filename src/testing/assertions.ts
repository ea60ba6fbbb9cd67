/**
 * Runner-independent assertions: each throws an AccessAssertionError whose message names the
 * grant that breaks the promise, and returns nothing when the promise holds.
 */
import { TrustError } from '../errors';
import { PHASE_VALUES } from '../phase/table';
import {
  checkAllows,
  checkBounded,
  checkRequiresApproval,
  checkDenies,
  checkMonotonic,
  checkNamedWrites,
  checkNoDangerousAccess,
  checkReadOnly,
  type DangerOptions,
  type Outcome,
} from './checks';
import type { AccessRequest } from './request';
import type { PhaseAccess, Phases } from './synthesize';

/** A broken promise about an agent's access; the message names the grant. Bad input throws TrustError instead. */
export class AccessAssertionError extends Error {
  override readonly name = 'AccessAssertionError';
}

/** Assertions about one phase; see expectAccess. */
export interface AccessAssertions {
  /** The request is allowed (by the real semantics of its control). */
  toAllow(request: AccessRequest): void;
  /** The request is denied; fails too when the output cannot tell (a bound role or policy is missing). */
  toDeny(request: AccessRequest): void;
  /** Only reads: Kubernetes get/list/watch, Vault read/list, IAM Read/List actions (phases 1 and 2). */
  toBeReadOnly(): void;
  /** Every write names its objects, exact Vault paths and ARNs without wildcards (phase 3). */
  toWriteOnlyNamedResources(): void;
  /** Nothing in the dangerous set, wildcards included, but for acknowledged danger IDs. */
  toHaveNoDangerousAccess(options?: DangerOptions): void;
  /** Every write, in every backend, needs a single-use operator approval (phase 3). */
  toRequireApproval(): void;
  /** Every write is a declared action within a bounded scope and nothing reaches other identities (phase 4 too). */
  toBeBounded(): void;
}

/** Assertions about all four phases; see expectPhases. */
export interface PhasesAssertions {
  /** Each phase grants everything the phase below it grants. */
  toBeMonotonic(): void;
}

/** Throws unless the outcome passes. */
function assertOutcome(outcome: Outcome): void {
  if (outcome.pass !== true) throw new AccessAssertionError(outcome.message);
}

/** Throws TrustError unless `value` is one phase from synthesizePhases or phaseAccess. */
export function requirePhase(value: unknown, what: string): PhaseAccess {
  const v = value as Partial<PhaseAccess> | null;
  if (typeof v !== 'object' || v === null || !v.access || !v.output || !v.agent || v.phase === undefined) {
    throw new TrustError('GT_USAGE', `${what} takes one phase from synthesizePhases (e.g. phases[3]) or phaseAccess, got ${describe(value)}`);
  }
  return v as PhaseAccess;
}

/** Throws TrustError unless `value` is the result of synthesizePhases. */
export function requirePhases(value: unknown, what: string): Phases {
  const v = value as Record<number, unknown> | null;
  if (typeof v !== 'object' || v === null || PHASE_VALUES.some((phase) => typeof v[phase] !== 'object')) {
    throw new TrustError('GT_USAGE', `${what} takes the four phases synthesizePhases returns, got ${describe(value)}`);
  }
  for (const phase of PHASE_VALUES) requirePhase(v[phase], what);
  return v as Phases;
}

function describe(value: unknown): string {
  if (value === null || typeof value !== 'object') return String(value);
  return `an object with keys ${Object.keys(value).join(', ') || '(none)'}`;
}

/**
 * Assertions about what one phase of an agent can do, evaluated over its synthesized objects.
 *
 * @example
 * const phases = synthesizePhases(incidentResponder);
 * expectAccess(phases[1]).toBeReadOnly();
 * expectAccess(phases[3]).toAllow({ k8s: 'patch apps/deployments checkout in shop' });
 * expectAccess(phases[3]).toDeny({ vault: 'update secret/data/shop/x' });
 * expectAccess(phases[4]).toDeny({ iam: 'ec2:TerminateInstances' });
 */
export function expectAccess(phase: PhaseAccess): AccessAssertions {
  const p = requirePhase(phase, 'expectAccess');
  return {
    toAllow: (request) => assertOutcome(checkAllows(p, request)),
    toDeny: (request) => assertOutcome(checkDenies(p, request)),
    toBeReadOnly: () => assertOutcome(checkReadOnly(p)),
    toWriteOnlyNamedResources: () => assertOutcome(checkNamedWrites(p)),
    toHaveNoDangerousAccess: (options) => assertOutcome(checkNoDangerousAccess(p, options)),
    toRequireApproval: () => assertOutcome(checkRequiresApproval(p)),
    toBeBounded: () => assertOutcome(checkBounded(p)),
  };
}

/**
 * Assertions about the four phases of an agent together.
 *
 * @example
 * expectPhases(synthesizePhases(incidentResponder)).toBeMonotonic();
 */
export function expectPhases(phases: Phases): PhasesAssertions {
  const all = requirePhases(phases, 'expectPhases');
  return { toBeMonotonic: () => assertOutcome(checkMonotonic(all)) };
}
