import type { Suppression } from '../analysis/guard/types';
import type { PhaseSource } from '../state/phase-source';
import type { IrsaTrust, PodIdentityTrust } from '../aws/policy';
import type { AgentDefinition } from '../definition/types';
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
   * `audience` the ServiceAccount token must carry.
   * @default unset (Vault accepts any audience the auth method allows)
   */
  readonly audience?: string;
  /**
   * Vault Enterprise control group on writes in phases whose writes need an operator's approval
   * (phase 3): each write waits for the approvers.
   * @default no control group
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
   * @default a managed policy `<roleName>-boundary` holding every tier's AWS rules
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
