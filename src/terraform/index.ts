/**
 * graduated-trust/terraform: the agent's Vault and AWS IAM access by trust phase, as cdktf
 * constructs. Every cdktf import of the library lives in this folder (provider classes by
 * submodule path), so moving to a cdktf fork is a local change.
 */
export { TrustPhasedAgent } from './agent';
export type { TrustPhasedAgentProps, VaultAccessProps, AwsAccessProps, AwsTrust } from './props';
export type { VaultResources } from './vault';
export type { AwsResources } from './aws';
export type { PhaseSeconds } from './durations';
export type { VaultControlGroupOptions } from '../vault/rules';
export type { IrsaTrust, PodIdentityTrust } from '../aws/policy';
