import { LABELS } from '../definition/names';
import type { Suppression } from '../analysis/guard/types';
import { DataVaultIdentityGroup } from '@cdktf/provider-vault/lib/data-vault-identity-group';
import { IdentityGroupPolicies } from '@cdktf/provider-vault/lib/identity-group-policies';
import { KubernetesAuthBackendRole } from '@cdktf/provider-vault/lib/kubernetes-auth-backend-role';
import { Policy } from '@cdktf/provider-vault/lib/policy';
import { TokenAuthBackendRole } from '@cdktf/provider-vault/lib/token-auth-backend-role';
import { Construct } from 'constructs';
import { assertTerraformLiteral } from '../aws/policy';
import type { ResolvedDefinition } from '../definition/types';
import { TrustError } from '../errors';
import { PHASES, phaseLabel, type Phase } from '../phase/table';
import { approvalNames, approvalPolicyText, approvalRoleConfig, approvalSettings, approverPolicyText, positiveInteger, vaultApprovals } from '../vault/approval';
import { renderVaultPolicy } from '../vault/render';
import { declaresRemediateVaultWrites, declaresVault, vaultRulesByPhase } from '../vault/rules';
import { assertTtlWithinMax, phaseSeconds } from './durations';
import type { VaultAccessProps } from './props';

/** The Vault resources of an agent. */
export interface VaultResources {
  readonly policy: Policy;
  readonly role: KubernetesAuthBackendRole;
  /** The rendered policy HCL (also the `policy` attribute). */
  readonly policyText: string;
  /** The approval policy, token role and approver policy, when the definition declares remediate-tier Vault writes and approvals use the token role. */
  readonly approval?: { readonly policy: Policy; readonly role: TokenAuthBackendRole; readonly approverPolicy: Policy };
}

/** The audience a login token must carry when the props name none. */
export const DEFAULT_VAULT_AUDIENCE = 'vault';

const VAULT_NAME = /^[a-z0-9]([a-z0-9_.-]{0,126}[a-z0-9])?$/;
const GROUP_NAME = /^[A-Za-z0-9_.-]+$/;
const MOUNT_PATH = /^[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+)*$/;

function usage(message: string): TrustError {
  return new TrustError('GT_USAGE', message);
}


function checkProps(def: ResolvedDefinition, props: VaultAccessProps, policyName: string, roleName: string): void {
  if (!MOUNT_PATH.test(props.authBackendPath ?? '')) throw usage(`vault.authBackendPath ${JSON.stringify(props.authBackendPath)} is not a mount path; write it without leading or trailing '/', e.g. "kubernetes"`);
  for (const [prop, name] of [['vault.policyName', policyName], ['vault.roleName', roleName]] as const) {
    if (!VAULT_NAME.test(name)) throw usage(`${prop} ${JSON.stringify(name)} is not a Vault name; use lowercase letters, digits, '-', '_' and '.'`);
  }
  assertTerraformLiteral(props.audience ?? DEFAULT_VAULT_AUDIENCE, 'vault.audience');
  if ((props.audience ?? DEFAULT_VAULT_AUDIENCE) === '') throw usage('vault.audience is empty; name the audience the agent\'s projected token carries, e.g. "vault"');
  const approvals = vaultApprovals(props);
  const groups = props.approvers?.identityGroups ?? [];
  for (const name of groups) if (!GROUP_NAME.test(name)) throw usage(`vault.approvers group ${JSON.stringify(name)} is not allowed; use only letters, digits, '-', '_' and '.'`);
  if (approvals.mode === 'token-role' && declaresRemediateVaultWrites(def) && groups.length === 0) {
    throw usage(`the definition declares remediate-tier Vault writes, which in phase 3 each need an operator approval, but vault.approvers is not set; pass approvers: { identityGroups: ['…'] } naming the Vault identity groups whose members approve`);
  }
  const cg = props.controlGroup;
  if (!cg) return;
  if (cg.approverGroupNames.length === 0) throw usage('vault.controlGroup.approverGroupNames is empty; name the identity groups whose members approve writes');
  for (const name of [...cg.approverGroupNames, ...(cg.factorName !== undefined ? [cg.factorName] : [])]) {
    if (!GROUP_NAME.test(name)) throw usage(`vault.controlGroup name ${JSON.stringify(name)} is not allowed; use only letters, digits, '-', '_' and '.'`);
  }
  if (cg.approvals !== undefined) positiveInteger(cg.approvals, 'vault.controlGroup.approvals');
  if (cg.ttlSeconds !== undefined) positiveInteger(cg.ttlSeconds, 'vault.controlGroup.ttlSeconds');
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
 * Adds `VaultPolicy` (the agent's own policy, literal HCL) and `VaultRole` (a Kubernetes auth
 * role bound to exactly the agent's ServiceAccount and namespace and an audience, with the
 * phase's token TTLs); and, when the definition declares remediate-tier Vault writes and
 * approvals use the token role, `VaultApprovalPolicy`, `VaultApprovalRole` (the operator-only
 * token role), `VaultApproverPolicy` and `VaultApprovers/<group>` (its attachment to each
 * approver group) in every phase, so promotion only changes what they hold.
 */
export function addVaultAccess(scope: Construct, def: ResolvedDefinition, phase: Phase, props: VaultAccessProps, suppressions: readonly Suppression[] = []): VaultResources {
  const policyName = props.policyName ?? def.name;
  const roleName = props.roleName ?? def.name;
  checkProps(def, props, policyName, roleName);
  if (!declaresVault(def)) throw usage('vault is set but the definition declares no vault access in any tier; add vault rules or remove the vault prop');
  const ttl = phaseSeconds('vaultTokenTtlSeconds', props.tokenTtlSeconds, 'vault.tokenTtlSeconds');
  const maxTtl = phaseSeconds('vaultTokenMaxTtlSeconds', props.tokenMaxTtlSeconds, 'vault.tokenMaxTtlSeconds');
  assertTtlWithinMax(ttl, maxTtl, 'vault.tokenTtlSeconds');
  const approvals = vaultApprovals(props);
  const rules = vaultRulesByPhase(def, approvals)[phase].agent;
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
    audience: props.audience ?? DEFAULT_VAULT_AUDIENCE,
  });
  if (approvals.mode !== 'token-role' || !declaresRemediateVaultWrites(def)) return { policy, role, policyText };
  const settings = approvalSettings(props);
  const names = approvalNames(def);
  const approvalPolicy = new Policy(scope, 'VaultApprovalPolicy', { name: names.policy, policy: approvalPolicyText(def, phase, approvals) });
  const config = approvalRoleConfig(def.name, names.policy, settings);
  const approvalRole = new TokenAuthBackendRole(scope, 'VaultApprovalRole', {
    roleName: config['role_name'] as string,
    allowedPolicies: [approvalPolicy.name],
    orphan: true,
    renewable: false,
    tokenType: 'service',
    tokenNoDefaultPolicy: true,
    tokenNumUses: settings.tokenNumUses,
    tokenExplicitMaxTtl: settings.tokenExplicitMaxTtlSeconds,
    tokenPeriod: 0,
  });
  const approverPolicy = new Policy(scope, 'VaultApproverPolicy', { name: names.approver, policy: approverPolicyText(def.name, settings) });
  const approvers = new Construct(scope, 'VaultApprovers');
  for (const group of props.approvers?.identityGroups ?? []) {
    const lookup = new DataVaultIdentityGroup(approvers, `${group}Group`, { groupName: group });
    new IdentityGroupPolicies(approvers, group, { groupId: lookup.groupId, policies: [approverPolicy.name], exclusive: false });
  }
  return { policy, role, policyText, approval: { policy: approvalPolicy, role: approvalRole, approverPolicy } };
}
