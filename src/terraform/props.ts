import type { Suppression } from '../analysis/guard/types';
import type { PhaseSource } from '../state/phase-source';
import type { IrsaTrust, PodIdentityTrust } from '../aws/policy';
import type { AgentDefinition } from '../definition/types';
import type { VaultApprovalSettings } from '../vault/approval';
import type { VaultControlGroupOptions } from '../vault/rules';
import type { PhaseSeconds } from './durations';

/** Vault access for the agent: a policy and a Kubernetes auth role bound to its ServiceAccount. */
export interface VaultAccessProps {
  /** Mount path of the Kubernetes auth method, e.g. `kubernetes`. */
  readonly authBackendPath: string;
  /**
   * `token_ttl` per phase, in seconds, up to the phase table's ceiling and never shorter than a lower phase's.
   * @default the phase table's defaults (900, 1800, 1800, 3600)
   */
  readonly tokenTtlSeconds?: PhaseSeconds;
  /**
   * `token_max_ttl` per phase, in seconds, bounded like `tokenTtlSeconds`.
   * @default the phase table's defaults (3600, 7200, 7200, 14400)
   */
  readonly tokenMaxTtlSeconds?: PhaseSeconds;
  /**
   * Name of the `vault_policy`; the same in every phase.
   * @default the agent's name
   */
  readonly policyName?: string;
  /**
   * Name of the Kubernetes auth role; the same in every phase.
   * @default the agent's name
   */
  readonly roleName?: string;
  /**
   * `audience` the ServiceAccount token must carry to log in, so the agent's API-server token
   * (audience: the API server) never doubles as a Vault login. Mount a projected
   * serviceAccountToken with this audience in the agent's pod (`wireAgentPod` does).
   * @default 'vault'
   */
  readonly audience?: string;
  /**
   * How phase-3 writes are approved: `token-role` (every edition: an operator mints one
   * single-use, wrapped token per write from the token role `<agent>-approval`) or
   * `control-group` (Vault Enterprise only: Vault CE ignores control groups and released
   * OpenBao rejects them).
   * @default 'token-role'
   */
  readonly approvals?: 'token-role' | 'control-group';
  /**
   * Identity groups whose members approve the agent's writes: the approver policy
   * (`<agent>-approver`) is attached to each (`vault_identity_group_policies`, not exclusive).
   * Required with `approvals: 'token-role'` when the definition declares remediate-tier Vault writes.
   * @default none
   */
  readonly approvers?: { readonly identityGroups: readonly string[] };
  /**
   * Approval tokens: requests each may make, its max TTL, and the longest wrapping TTL.
   * @default { tokenNumUses: 1, tokenExplicitMaxTtlSeconds: 900, maxWrappingTtlSeconds: 300 }
   */
  readonly approvalTokens?: Partial<VaultApprovalSettings>;
  /**
   * Vault Enterprise control group on phase-3 writes, with `approvals: 'control-group'`.
   * @default none
   */
  readonly controlGroup?: VaultControlGroupOptions;
}

/** How the agent's pods get the IAM role: IRSA or EKS Pod Identity. */
export type AwsTrust = { readonly irsa: IrsaTrust } | { readonly podIdentity: PodIdentityTrust };

/** AWS access for the agent: one IAM role assumable only by its ServiceAccount. */
export interface AwsAccessProps {
  readonly trust: AwsTrust;
  /**
   * Name of the IAM role; the same in every phase.
   * @default the agent's name
   */
  readonly roleName?: string;
  /**
   * ARN of a permissions boundary to use instead of the generated one.
   * @default a managed policy `<roleName>-boundary` holding the AWS rules of the phase's active tiers (and the approval-tag denies)
   */
  readonly permissionsBoundaryArn?: string;
  /**
   * `max_session_duration` per phase, in seconds (AWS allows 3600–43200), up to the phase table's ceiling.
   * @default the phase table's defaults (3600, 3600, 3600, 7200)
   */
  readonly maxSessionDurationSeconds?: PhaseSeconds;
}

/** Props of {@link TrustPhasedAgent}: give exactly one of `phase` and `stateFile`. */
export interface TrustPhasedAgentProps extends PhaseSource {
  /** The agent, all phases. Validated when the construct is created. */
  readonly definition: AgentDefinition;
  /**
   * Guard suppressions: warnings (never errors) silenced with a written reason of at least 10
   * characters, recorded as the IAM role tag and Vault policy comment `graduated-trust.dev/guard-suppressions`.
   * @default none
   */
  readonly suppressions?: readonly Suppression[];
  /**
   * Vault policy and Kubernetes auth role.
   * @default no Vault resources
   */
  readonly vault?: VaultAccessProps;
  /**
   * IAM role, permission policy and boundary.
   * @default no AWS resources
   */
  readonly aws?: AwsAccessProps;
}
