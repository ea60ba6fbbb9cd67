/**
 * Phase-3 approvals in Vault, on every edition (Vault CE, Enterprise, OpenBao): the agent's
 * writes live in an approval policy that only tokens of the token role `<agent>-approval` carry.
 * Operators, through the approver policy on their identity group, mint one such token per write,
 * response-wrapped; the agent unwraps it (sending the wrapping token itself, so it needs no policy
 * for that) and makes its one write. The agent's own policies never reach `auth/`, so it can
 * never mint one.
 *
 * The role's settings follow Vault's token store (vault/token_store.go): `orphan` (the token
 * neither inherits the operator's entity and groups nor dies with the operator's token),
 * `token_type = "service"` (a batch token would drop `token_num_uses` and the explicit max TTL),
 * not renewable, no period, no default policy, no entity aliases.
 */
import { vaultApprovalRole } from '../definition/approvals';
import type { ResolvedDefinition } from '../definition/types';
import { TrustError } from '../errors';
import { phaseLabel, type Phase } from '../phase/table';
import type { VaultAccessProps } from '../terraform/props';
import { renderVaultPolicy } from './render';
import { vaultRulesByPhase, type VaultApprovals } from './rules';

function usage(message: string): TrustError {
  return new TrustError('GT_USAGE', message);
}

/** Throws GT_USAGE unless `value` is a whole number of at least 1. */
export function positiveInteger(value: number, prop: string): void {
  if (!(Number.isInteger(value) && value >= 1)) throw usage(`${prop} ${value} is not a whole number of at least 1`);
}


/** How approval tokens are minted. */
export interface VaultApprovalSettings {
  /** Requests one approval token may make (Vault revokes it after the last). */
  readonly tokenNumUses: number;
  /** The token's explicit max TTL in seconds. */
  readonly tokenExplicitMaxTtlSeconds: number;
  /** Longest response-wrapping TTL the approver may use, in seconds; creating a token unwrapped is refused. */
  readonly maxWrappingTtlSeconds: number;
}

/** The defaults: one request, fifteen minutes, handed over within five. */
export const VAULT_APPROVAL_DEFAULTS: VaultApprovalSettings = { tokenNumUses: 1, tokenExplicitMaxTtlSeconds: 900, maxWrappingTtlSeconds: 300 };

/** The token role's attributes, as Terraform names them (`vault_token_auth_backend_role`). */
export function approvalRoleConfig(agent: string, approvalPolicy: string, settings: VaultApprovalSettings): Record<string, unknown> {
  return {
    role_name: vaultApprovalRole(agent),
    allowed_policies: [approvalPolicy],
    orphan: true,
    renewable: false,
    token_type: 'service',
    token_no_default_policy: true,
    token_num_uses: settings.tokenNumUses,
    token_explicit_max_ttl: settings.tokenExplicitMaxTtlSeconds,
    token_period: 0,
  };
}

/**
 * The approver policy: create tokens of the approval role (`update` on its create path; a role
 * with `orphan` needs no `sudo`), only response-wrapped.
 */
export function approverPolicyText(agent: string, settings: VaultApprovalSettings): string {
  return renderVaultPolicy({
    header: [`graduated-trust: approvers of agent ${agent} mint one wrapped, single-use token per approved write`],
    rules: [{ path: `auth/token/create/${vaultApprovalRole(agent)}`, capabilities: ['update'] }],
    maxWrappingTtl: `${settings.maxWrappingTtlSeconds}s`,
    allowAuth: true,
  });
}

/** The approval mechanism from the props. */
export function vaultApprovals(props: VaultAccessProps): VaultApprovals {
  if ((props.approvals ?? 'token-role') === 'token-role') {
    if (props.controlGroup) throw usage(`vault.controlGroup is set but approvals is 'token-role'; set approvals: 'control-group' (Vault Enterprise only) or remove controlGroup`);
    return { mode: 'token-role' };
  }
  if (!props.controlGroup) throw usage(`vault.approvals is 'control-group' but vault.controlGroup is missing; name the approver groups, or use approvals: 'token-role', which works on every Vault edition`);
  return { mode: 'control-group', controlGroup: props.controlGroup };
}

/** The approval token settings from the props. */
export function approvalSettings(props: VaultAccessProps): VaultApprovalSettings {
  const settings = { ...VAULT_APPROVAL_DEFAULTS, ...(props.approvalTokens ?? {}) };
  positiveInteger(settings.tokenNumUses, 'vault.approvalTokens.tokenNumUses');
  positiveInteger(settings.tokenExplicitMaxTtlSeconds, 'vault.approvalTokens.tokenExplicitMaxTtlSeconds');
  positiveInteger(settings.maxWrappingTtlSeconds, 'vault.approvalTokens.maxWrappingTtlSeconds');
  if (settings.tokenExplicitMaxTtlSeconds > 3600) throw usage(`vault.approvalTokens.tokenExplicitMaxTtlSeconds ${settings.tokenExplicitMaxTtlSeconds}s is over an hour; an approval admits one write now, lower it`);
  return settings;
}


/** Names of the approval objects of an agent. */
export function approvalNames(def: Pick<ResolvedDefinition, 'name'>): { readonly policy: string; readonly approver: string } {
  return { policy: `${def.name}-approved`, approver: `${def.name}-approver` };
}

/** The approval policy text of `phase`: the writes that need approval, or only comments (Vault accepts a policy of comments; it grants nothing). */
export function approvalPolicyText(def: ResolvedDefinition, phase: Phase, approvals: VaultApprovals): string {
  const rules = vaultRulesByPhase(def, approvals)[phase].approval;
  return renderVaultPolicy({
    header: [
      `graduated-trust: writes of agent ${def.name} that each need an operator approval, ${phaseLabel(phase)}`,
      ...(rules.length === 0 ? ['no write needs an approval in this phase: tokens of the approval role grant nothing'] : []),
    ],
    rules,
  });
}

