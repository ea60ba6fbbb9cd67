/**
 * Stable error codes thrown by graduated-trust. Codes are public API: tooling may match on them.
 */
export type ErrorCode =
  | 'GT_DEFINITION_INVALID'
  | 'GT_DANGEROUS_ACCESS'
  | 'GT_PHASE_INVALID'
  | 'GT_PHASE_CEILING'
  | 'GT_STATE_INVALID'
  | 'GT_STATE_IO'
  | 'GT_EGRESS_UNSUPPORTED'
  | 'GT_IAM_ACTION'
  | 'GT_VAULT_PATH'
  | 'GT_EVIDENCE_INVALID'
  | 'GT_POLICY_INVALID'
  | 'GT_AUDIT_INVALID'
  | 'GT_GUARD'
  | 'GT_USAGE'
  | 'GT_INPUT'
  | 'GT_PHASE_CONFIG_INVALID';

/**
 * The one error type of this library: a stable `code`, the place it concerns (a construct path,
 * `FILE:LINE`, or a field path) and a message that says what was wrong, the value, what is
 * allowed and one fix.
 */
export class TrustError extends Error {
  override readonly name = 'TrustError';

  constructor(
    /** Stable machine-readable code. */
    readonly code: ErrorCode,
    message: string,
    /** Where: a construct path, `FILE:LINE`, or a field path such as `remediate.kubernetes[0]`. */
    readonly where?: string,
  ) {
    super(where ? `${where}: ${message}` : message);
  }
}

/** One validation finding; validators return lists of these instead of throwing on the first. */
export interface Problem {
  /** Field path, e.g. `observe.kubernetes[2].verbs`. */
  readonly field: string;
  /** What is wrong, the value, what is allowed and one fix. */
  readonly message: string;
  readonly code: ErrorCode;
}

/** Throws one TrustError listing every problem, or returns when there are none. */
export function throwIfProblems(problems: readonly Problem[], where?: string): void {
  if (problems.length === 0) return;
  const first = problems[0]!;
  const text =
    problems.length === 1
      ? `${first.field}: ${first.message}`
      : `${problems.length} problems:\n` + problems.map((p) => `  - ${p.field}: ${p.message}`).join('\n');
  throw new TrustError(first.code, text, where);
}
