/** Helpers for tests: synthesize a TrustPhasedAgent and read its resources back from cdk.tf.json. */
import { TerraformStack, Testing } from 'cdktf';
import type { IamPolicies } from '../../src/analysis/iam/evaluate';
import { VaultAcl } from '../../src/analysis/vault/acl';
import type { PolicyDocument } from '../../src/aws/policy';
import type { AgentDefinition } from '../../src/definition/types';
import type { Phase } from '../../src/phase/table';
import { TrustPhasedAgent, type TrustPhasedAgentProps } from '../../src/terraform';
import { parseVaultPolicy } from '../../src/vault/policy';

/** A synthesized cdk.tf.json, parsed. */
export type TfJson = { resource: Record<string, Record<string, Record<string, unknown>>> } & Record<string, unknown>;

export const ISSUER = 'oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE';
export const OIDC_ARN = `arn:aws:iam::111122223333:oidc-provider/${ISSUER}`;

/** Props with Vault and IRSA, for `definition` in `phase`. */
export function defaultProps(definition: AgentDefinition, phase: Phase): TrustPhasedAgentProps {
  return {
    definition,
    phase,
    vault: { authBackendPath: 'kubernetes', approvers: { identityGroups: ['sre-oncall'] } },
    aws: { trust: { irsa: { oidcProviderArn: OIDC_ARN, issuerHostPath: ISSUER } } },
  };
}

/** Synthesizes one agent in its own stack and parses the output. */
export function synth(props: TrustPhasedAgentProps): TfJson {
  const app = Testing.app();
  const stack = new TerraformStack(app, 'test');
  new TrustPhasedAgent(stack, 'Agent', props);
  return JSON.parse(Testing.synth(stack)) as TfJson;
}

/** The single resource of `type` (throws when there is not exactly one). */
export function only(json: TfJson, type: string): Record<string, unknown> {
  const all = Object.values(json.resource[type] ?? {});
  if (all.length !== 1) throw new Error(`expected one ${type}, found ${all.length}`);
  return all[0]!;
}

/** Resources of `type` (possibly none). */
export function all(json: TfJson, type: string): Array<Record<string, unknown>> {
  return Object.values(json.resource[type] ?? {});
}

/** The vault_policy named `name` (the agent's own policy by default). */
export function vaultPolicy(json: TfJson, name = 'incident-responder'): Record<string, unknown> {
  const found = all(json, 'vault_policy').filter((p) => p.name === name);
  if (found.length !== 1) throw new Error(`expected one vault_policy named ${name}, found ${found.length}`);
  return found[0]!;
}

/** The Vault ACL of the synthesized policy named `name` (the agent's own by default), read back with the parser. */
export function vaultAcl(json: TfJson, name?: string): VaultAcl {
  const policies = all(json, 'vault_policy');
  const own = name ?? (policies.length === 1 ? policies[0]!.name as string : 'incident-responder');
  return new VaultAcl([parseVaultPolicy(vaultPolicy(json, own).policy as string)]);
}

/** The IAM role's inline policies and its generated boundary, parsed from the literal JSON. */
export function iamPolicies(json: TfJson): IamPolicies {
  const identity = all(json, 'aws_iam_role_policy').map((p) => JSON.parse(p.policy as string) as PolicyDocument);
  const boundaries = all(json, 'aws_iam_policy').filter((p) => String(p.name).endsWith('-boundary'));
  return boundaries.length === 1 ? { identity, boundary: JSON.parse(boundaries[0]!.policy as string) as PolicyDocument } : { identity };
}
