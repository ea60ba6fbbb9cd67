import { TrustError } from '../errors';
import { PHASES, PHASE_VALUES, isPhase, phaseLabel, type Bounded, type Phase, type PhaseRules } from '../phase/table';

/**
 * Per-phase durations (Vault token TTLs, IAM session length): the phase table's defaults with
 * the user's overrides, checked in every phase at once so a definition never fails only after
 * a promotion.
 */

/** Duration settings of the phase table. */
export type DurationKey = 'vaultTokenTtlSeconds' | 'vaultTokenMaxTtlSeconds' | 'iamMaxSessionDurationSeconds';

/** Overrides in seconds, by phase. */
export type PhaseSeconds = Partial<Record<Phase, number>>;

/** AWS's range for a role's max_session_duration. */
export const IAM_SESSION_RANGE = { min: 3600, max: 43_200 } as const;

function ceilingError(message: string): TrustError {
  return new TrustError('GT_PHASE_CEILING', message);
}

/**
 * Seconds for every phase: `overrides[phase]` or the table's default. Throws GT_PHASE_CEILING
 * when a value is not a positive whole number, exceeds its phase's ceiling, or is smaller than
 * the value of a lower phase (trust never shortens a credential).
 * @param prop the prop name shown in errors, e.g. `vault.tokenTtlSeconds`
 */
export function phaseSeconds(key: DurationKey, overrides: PhaseSeconds | undefined, prop: string): Record<Phase, number> {
  for (const k of Object.keys(overrides ?? {})) {
    if (!isPhase(Number(k))) throw ceilingError(`${prop} has key "${k}"; keys are phases 1, 2, 3 and 4`);
  }
  const out = {} as Record<Phase, number>;
  let previous: { phase: Phase; value: number } | undefined;
  for (const phase of PHASE_VALUES) {
    const bounds: Bounded = (PHASES[phase] as PhaseRules)[key];
    const value = overrides?.[phase] ?? bounds.default;
    if (!Number.isInteger(value) || value <= 0) {
      throw ceilingError(`${prop}[${phase}] is ${value}; use a whole number of seconds above 0`);
    }
    if (value > bounds.ceiling) {
      throw ceilingError(`${prop}[${phase}] ${value}s exceeds the ${phaseLabel(phase)} ceiling of ${bounds.ceiling}s; lower ${prop}[${phase}] to at most ${bounds.ceiling}`);
    }
    if (previous && value < previous.value) {
      throw ceilingError(`${prop}[${phase}] ${value}s is shorter than ${previous.value}s in phase ${previous.phase}; credentials never shorten as trust grows, raise ${prop}[${phase}] to at least ${previous.value} or lower ${prop}[${previous.phase}]`);
    }
    out[phase] = value;
    previous = { phase, value };
  }
  return out;
}

/** Throws GT_PHASE_CEILING when a TTL exceeds its max TTL in any phase. */
export function assertTtlWithinMax(ttl: Record<Phase, number>, maxTtl: Record<Phase, number>, prop: string): void {
  for (const phase of PHASE_VALUES) {
    if (ttl[phase] > maxTtl[phase]) {
      throw ceilingError(`tokenTtlSeconds[${phase}] ${ttl[phase]}s exceeds tokenMaxTtlSeconds[${phase}] ${maxTtl[phase]}s; a token cannot outlive its max TTL, lower tokenTtlSeconds[${phase}] or raise tokenMaxTtlSeconds[${phase}]`);
    }
  }
}

/** Throws GT_PHASE_CEILING when a session duration is outside AWS's 3600–43200 seconds. */
export function assertIamSessionRange(seconds: Record<Phase, number>, prop: string): void {
  for (const phase of PHASE_VALUES) {
    const v = seconds[phase];
    if (v < IAM_SESSION_RANGE.min || v > IAM_SESSION_RANGE.max) {
      throw ceilingError(`${prop}[${phase}] ${v}s is outside AWS's ${IAM_SESSION_RANGE.min}–${IAM_SESSION_RANGE.max}s; use a value in that range`);
    }
  }
}
