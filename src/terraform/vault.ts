import { LABELS } from '../definition/names';
import type { Suppression } from '../analysis/guard/types';
import { KubernetesAuthBackendRole } from '@cdktf/provider-vault/lib/kubernetes-auth-backend-role';
import { Policy } from '@cdktf/provider-vault/lib/policy';
import type { Construct } from 'constructs';
import { assertTerraformLiteral } from '../aws/policy';
import type { ResolvedDefinition } from '../definition/types';
import { TrustError } from '../errors';
import { PHASES, phaseLabel, type Phase } from '../phase/table';
import { renderVaultPolicy } from '../vault/render';
import { declaresVault, vaultRulesByPhase } from '../vault/rules';
import { assertTtlWithinMax, phaseSeconds } from './durations';
import type { VaultAccessProps } from './props';

/** The Vault resources of an agent. */
export interface VaultResources {
  readonly policy: Policy;
  readonly role: KubernetesAuthBackendRole;
  /** The rendered policy HCL (also the `policy` attribute). */
  readonly policyText: string;
}

const VAULT_NAME = /^[a-z0-9]([a-z0-9_.-]{0,126}[a-z0-9])?$/;
const GROUP_NAME = /^[A-Za-z0-9_.-]+$/;
const MOUNT_PATH = /^[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+)*$/;

function usage(message: string): TrustError {
  return new TrustError('GT_USAGE', message);
}

function checkProps(props: VaultAccessProps, policyName: string, roleName: string): void {
  if (!MOUNT_PATH.test(props.authBackendPath)) throw usage(`vault.authBackendPath ${JSON.stringify(props.authBackendPath)} is not a mount path; write it without leading or trailing '/', e.g. "kubernetes"`);
  for (const [prop, name] of [['vault.policyName', policyName], ['vault.roleName', roleName]] as const) {
    if (!VAULT_NAME.test(name)) throw usage(`${prop} ${JSON.stringify(name)} is not a Vault name; use lowercase letters, digits, '-', '_' and '.'`);
  }
  if (props.audience !== undefined) assertTerraformLiteral(props.audience, 'vault.audience');
  const cg = props.controlGroup;
  if (!cg) return;
  if (cg.approverGroupNames.length === 0) throw usage('vault.controlGroup.approverGroupNames is empty; name the identity groups whose members approve writes');
  for (const name of [...cg.approverGroupNames, ...(cg.factorName !== undefined ? [cg.factorName] : [])]) {
    if (!GROUP_NAME.test(name)) throw usage(`vault.controlGroup name ${JSON.stringify(name)} is not allowed; use only letters, digits, '-', '_' and '.'`);
  }
  if (cg.approvals !== undefined && !(Number.isInteger(cg.approvals) && cg.approvals >= 1)) throw usage(`vault.controlGroup.approvals ${cg.approvals} is not a whole number of at least 1`);
  if (cg.ttlSeconds !== undefined && !(Number.isInteger(cg.ttlSeconds) && cg.ttlSeconds >= 1)) throw usage(`vault.controlGroup.ttlSeconds ${cg.ttlSeconds} is not a whole number of seconds above 0`);
}

/** The comment at the top of the policy: the only place in Vault that names the phase. */
function header(def: ResolvedDefinition, phase: Phase, suppressions: readonly Suppression[]): string[] {
  return [
    `graduated-trust: agent ${def.name} (${def.namespace}), ${phaseLabel(phase)}`,
    `tiers: ${PHASES[phase].tiers.join(', ')}`,
    'generated from the agent definition; edit the definition, not this policy',
    ...suppressions.map((s, i) => {
      assertTerraformLiteral(`${s.ruleId}: ${s.reason}`, `suppressions[${i}]`);
      return `${LABELS.guardSuppressions} ${s.ruleId}: ${s.reason}`;
    }),
  ];
}

/**
 * Adds `VaultPolicy` (literal HCL rendered from the phase's tiers) and `VaultRole` (a
 * Kubernetes auth role bound to exactly the agent's ServiceAccount and namespace, with the
 * phase's token TTLs) under `scope`.
 */
export function addVaultAccess(scope: Construct, def: ResolvedDefinition, phase: Phase, props: VaultAccessProps, suppressions: readonly Suppression[] = []): VaultResources {
  const policyName = props.policyName ?? def.name;
  const roleName = props.roleName ?? def.name;
  checkProps(props, policyName, roleName);
  if (!declaresVault(def)) throw usage('vault is set but the definition declares no vault access in any tier; add vault rules or remove the vault prop');
  const ttl = phaseSeconds('vaultTokenTtlSeconds', props.tokenTtlSeconds, 'vault.tokenTtlSeconds');
  const maxTtl = phaseSeconds('vaultTokenMaxTtlSeconds', props.tokenMaxTtlSeconds, 'vault.tokenMaxTtlSeconds');
  assertTtlWithinMax(ttl, maxTtl, 'vault.tokenTtlSeconds');
  const rules = vaultRulesByPhase(def, props.controlGroup)[phase];
  const policyText = renderVaultPolicy({ header: header(def, phase, suppressions), rules });
  const policy = new Policy(scope, 'VaultPolicy', { name: policyName, policy: policyText });
  const role = new KubernetesAuthBackendRole(scope, 'VaultRole', {
    backend: props.authBackendPath,
    roleName,
    boundServiceAccountNames: [def.name],
    boundServiceAccountNamespaces: [def.namespace],
    tokenPolicies: [policy.name],
    // Vault's built-in default policy would add writes under sys/ and auth/ that no phase allows.
    tokenNoDefaultPolicy: true,
    tokenTtl: ttl[phase],
    tokenMaxTtl: maxTtl[phase],
    ...(props.audience !== undefined ? { audience: props.audience } : {}),
  });
  return { policy, role, policyText };
}
