/**
 * A Vault approval: the operator mints one token of the operator-only token role
 * `<agent>-approval` (src/vault/approval.ts), response-wrapped, and hands the wrapping token to the
 * agent. The role's tokens carry only the agent's approval policy (allowed_policies, no default
 * policy), are orphans, not renewable, good for `token_num_uses` requests (1 by default) and at
 * most `token_explicit_max_ttl` (900 s by default). The approver policy lets approvers `update`
 * `auth/token/create/<agent>-approval` only wrapped, for at most its `max_wrapping_ttl` (300 s by
 * default); the agent's own policies never reach `auth/`, so it cannot mint one.
 */
import { vaultApprovalRole } from '../definition/approvals';
import { TrustError } from '../errors';
import { VAULT_APPROVAL_DEFAULTS } from '../vault/approval';

/** One Vault approval's command. */
export interface VaultApproval {
  readonly role: string;
  readonly wrapTtlSeconds: number;
  readonly argv: readonly string[];
}

const UNITS: Readonly<Record<string, number>> = { '': 1, s: 1, m: 60, h: 3600 };

/** Parses `--ttl` (`300`, `300s`, `5m`) to seconds; @default the approver policy's default max_wrapping_ttl. */
export function wrapTtlSeconds(text: string | undefined): number {
  if (text === undefined) return VAULT_APPROVAL_DEFAULTS.maxWrappingTtlSeconds;
  const m = /^([0-9]{1,6})([smh]?)$/.exec(text);
  const seconds = m ? Number(m[1]) * UNITS[m[2]!]! : 0;
  if (seconds < 1) throw new TrustError('GT_INPUT', `--ttl "${text}" is not a wrapping TTL; use seconds or a Vault duration such as 120s or 5m, at most the approver policy's max_wrapping_ttl (${VAULT_APPROVAL_DEFAULTS.maxWrappingTtlSeconds}s by default)`);
  return seconds;
}

/**
 * `vault write -wrap-ttl=… auth/token/create/<agent>-approval display_name=approved-by-<by>`:
 * the token gets the role's allowed policies (none are named, so Vault takes the role's), and the
 * display name puts the approver into the audit log of every request the token makes.
 */
export function vaultApproval(agent: string, by: string, ttlSeconds: number): VaultApproval {
  const role = vaultApprovalRole(agent);
  return { role, wrapTtlSeconds: ttlSeconds, argv: ['vault', 'write', `-wrap-ttl=${ttlSeconds}s`, `auth/token/create/${role}`, `display_name=approved-by-${by}`] };
}
