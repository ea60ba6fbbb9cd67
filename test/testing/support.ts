/**
 * Shared helpers of the testing-helpers tests: the example's synthesis options, and ways to add
 * objects to a synthesized phase that validation would refuse in a definition.
 */
import { readFileSync } from 'node:fs';
import { APPROVERS, STATE_FILE } from '../../examples/k8s-app';
import { TERRAFORM_PROPS } from '../../examples/tf-app';
import { parseManifests, terraformResources } from '../../src/analysis/read';
import type { AgentDefinition } from '../../src/definition/types';
import { TIER_VALUES } from '../../src/phase/table';
import { AccessAssertionError, phaseAccess, type PhaseAccess, type SynthesizePhasesOptions } from '../../src/testing';

export const ISSUER = 'oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE';
export const OIDC_ARN = `arn:aws:iam::111122223333:oidc-provider/${ISSUER}`;

/** The props the example apps give their constructs, and the phase entry of the committed state file. */
export const EXAMPLE_OPTIONS: SynthesizePhasesOptions = {
  kubernetes: { approvers: APPROVERS },
  ...TERRAFORM_PROPS,
  since: (JSON.parse(readFileSync(STATE_FILE, 'utf8')) as { since: string }).since,
};

/** Vault and AWS props only for what the definition declares (the Terraform construct refuses the rest). */
export function optionsFor(def: AgentDefinition, networkPolicy: 'kubernetes' | 'cilium'): SynthesizePhasesOptions {
  const declares = (key: 'vault' | 'aws') => TIER_VALUES.some((t) => (def[t]?.[key]?.length ?? 0) > 0);
  return {
    kubernetes: { networkPolicy },
    ...(declares('vault') ? { vault: { authBackendPath: 'kubernetes' } } : {}),
    ...(declares('aws') ? { aws: EXAMPLE_OPTIONS.aws } : {}),
  };
}

/** The phase with Kubernetes objects added (multi-document YAML). */
export function withManifests(p: PhaseAccess, yaml: string): PhaseAccess {
  const extra = parseManifests(yaml, 'extra.yaml');
  return phaseAccess({ ...p.output, manifests: [...p.output.manifests, ...extra] }, p.agent, p.phase);
}

/** The phase with Terraform resources added to its (only) stack: `{ type: { name: config } }`. */
export function withResources(p: PhaseAccess, resource: Record<string, Record<string, Record<string, unknown>>>): PhaseAccess {
  const [stack, ...others] = p.output.stacks;
  if (!stack || others.length > 0) throw new Error(`expected one stack, found ${p.output.stacks.length}`);
  const resources = [...stack.resources, ...terraformResources({ resource }, 'extra')];
  return phaseAccess({ ...p.output, stacks: [{ ...stack, resources }] }, p.agent, p.phase);
}

/** The Terraform address of the only resource of `type` in the phase, for `${type.name.attr}` references. */
export function addressOf(p: PhaseAccess, type: string): string {
  const found = p.output.stacks.flatMap((s) => s.resources).filter((r) => r.type === type);
  if (found.length !== 1) throw new Error(`expected one ${type}, found ${found.length}`);
  return found[0]!.address;
}

/** A Role in `namespace` with `rules`, bound to the agent's ServiceAccount. */
export function boundRole(agent: { namespace: string; name: string }, namespace: string, name: string, rules: string): string {
  return [
    `apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata: {name: ${name}, namespace: ${namespace}}\nrules: ${rules}`,
    `apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata: {name: ${name}, namespace: ${namespace}}\nroleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: ${name}}\nsubjects: [{kind: ServiceAccount, name: ${agent.name}, namespace: ${agent.namespace}}]`,
  ].join('\n---\n');
}

/** The message of the AccessAssertionError `f` throws, or `(no failure)` when it passes. */
export function failure(f: () => void): string {
  try {
    f();
  } catch (e) {
    if (e instanceof AccessAssertionError) return e.message;
    throw e;
  }
  return '(no failure)';
}
