/** Guard rules for Vault: roles the agent logs in with, their policies and token TTLs, and its approval role. */
import { phaseLabel } from '../../../phase/table';
import { approvalNames, approvalRoleConfig, approvalSettings, approverPolicyText } from '../../../vault/approval';
import { jsonEqual } from '../../k8s/admission';
import { selfApproves, vaultApprovalGrants, vaultRoleGrants } from '../../terraform/vault';
import { VaultAcl } from '../../vault/acl';
import type { GuardContext } from '../context';
import type { GuardRule, RuleHit } from '../types';
import { listed } from './kubernetes';

function aboveCeiling(ctx: GuardContext): RuleHit[] {
  const grants = vaultRoleGrants(ctx.terraform, ctx.agent);
  const approvals = vaultApprovalGrants(ctx.terraform, ctx.agent);
  if (grants.length === 0 && approvals.length === 0) return [];
  const own = new VaultAcl([ctx.ceiling.vault.agent]);
  const approval = new VaultAcl([ctx.ceiling.vault.approval]);
  const above = (acl: VaultAcl, rules: ReadonlyArray<{ path: string; capabilities: readonly string[] }>) =>
    [...new Set(rules.flatMap((r) => r.capabilities.filter((cap) => cap !== 'deny' && !acl.allows(r.path, cap)).map((cap) => `${r.path}: ${cap}`)))];
  const hits: RuleHit[] = [];
  for (const g of grants) {
    for (const p of g.policies) {
      const extra = above(own, p.rules);
      const needsApproval = extra.filter((e) => { const [path, cap] = e.split(': '); return approval.allows(path!, cap!); });
      if (extra.length === 0) continue;
      const why = needsApproval.length > 0 ? ` (${listed(needsApproval)} only with an operator approval token in this phase)` : '';
      hits.push({ what: `Vault policy "${p.name}", attached to role "${g.name}" that the agent logs in with, grants ${listed(extra)}, above the ${phaseLabel(ctx.phase)} ceiling${why}`, where: p.resource.where });
    }
  }
  const ownAcl = new VaultAcl(grants.flatMap((g) => g.policies.map((p) => p.rules)));
  for (const a of approvals) {
    if (selfApproves(ownAcl, a.name)) hits.push({ what: `the agent's own Vault policies let it create tokens of its approval role "${a.name}", so it can approve its own writes`, where: a.role.where });
    for (const p of a.policies) {
      const extra = above(approval, p.rules);
      if (extra.length > 0) hits.push({ what: `Vault policy "${p.name}", carried by tokens of the approval role "${a.name}", grants ${listed(extra)}, beyond the writes that need approval in ${phaseLabel(ctx.phase)}`, where: p.resource.where });
    }
  }
  return hits;
}

/** The approval role and approver policy must be exactly what TrustPhasedAgent renders; login roles need an audience. */
function approvalMechanism(ctx: GuardContext): RuleHit[] {
  const hits: RuleHit[] = vaultRoleGrants(ctx.terraform, ctx.agent)
    .filter((g) => g.access.auth === 'kubernetes' && g.access.audience === null)
    .map((g) => ({ what: `Vault role "${g.name}" accepts ServiceAccount tokens of any audience, so the agent's API-server token doubles as a Vault login`, where: g.role.where }));
  const vault = ctx.input.vault ?? { authBackendPath: 'kubernetes' };
  const settings = approvalSettings(vault);
  const names = approvalNames(ctx.definition);
  for (const a of vaultApprovalGrants(ctx.terraform, ctx.agent)) {
    const expected = approvalRoleConfig(ctx.definition.name, names.policy, settings);
    const actual = Object.fromEntries(Object.keys(expected).map((k) => [k, k === 'allowed_policies' ? a.policies.map((p) => p.name) : a.role.config[k]]));
    const differing = Object.keys(expected).filter((k) => !jsonEqual(actual[k], expected[k]));
    const extra = ['allowed_policies_glob', 'allowed_entity_aliases', 'token_bound_cidrs'].filter((k) => Array.isArray(a.role.config[k]) ? (a.role.config[k] as unknown[]).length > 0 : a.role.config[k] !== undefined);
    if (differing.length + extra.length > 0) hits.push({ what: `Vault token role "${a.name}" differs from the single-use, operator-only approval role TrustPhasedAgent renders at ${listed([...differing, ...extra])}`, where: a.role.where });
  }
  for (const { stack, resource } of ctx.terraform.ofType('vault_policy')) {
    if (ctx.terraform.literal(stack, resource.config['name']) !== names.approver) continue;
    if (resource.config['policy'] !== approverPolicyText(ctx.definition.name, settings)) hits.push({ what: `Vault policy "${names.approver}" differs from the approver policy TrustPhasedAgent renders (create wrapped tokens of the approval role, nothing else)`, where: resource.where });
  }
  return hits;
}

function ttl(ctx: GuardContext): RuleHit[] {
  return vaultRoleGrants(ctx.terraform, ctx.agent).flatMap((g) => {
    const problems: string[] = [];
    const check = (label: string, value: number | null, ceiling: number) => {
      if (value === null || value === 0) problems.push(`${label} is unset, so Vault's system default (32 days unless tuned) applies; the ceiling is ${ceiling}s`);
      else if (value > ceiling) problems.push(`${label} ${value}s exceeds the ceiling of ${ceiling}s`);
    };
    check('token_ttl', g.access.tokenTtlSeconds, ctx.ceiling.vaultTokenTtlSeconds);
    check('token_max_ttl', g.access.tokenMaxTtlSeconds, ctx.ceiling.vaultTokenMaxTtlSeconds);
    return problems.map((p) => ({ what: `Vault role "${g.name}": ${p} in ${phaseLabel(ctx.phase)}`, where: g.role.where }));
  });
}

function unresolved(ctx: GuardContext): RuleHit[] {
  return vaultRoleGrants(ctx.terraform, ctx.agent).flatMap((g) =>
    g.unresolved.map((name) => ({ what: `Vault role "${g.name}" attaches policy "${name}", whose text is not in the output, so its access cannot be checked`, where: g.role.where })),
  );
}

function admitsOthers(ctx: GuardContext): RuleHit[] {
  return vaultRoleGrants(ctx.terraform, ctx.agent)
    .filter((g) => g.admitsOthers.length > 0)
    .map((g) => ({ what: `Vault role "${g.name}" also admits ${listed(g.admitsOthers)}, so other workloads can get the agent's Vault access`, where: g.role.where }));
}

/** The Vault rules. */
export const VAULT_RULES: readonly GuardRule[] = [
  {
    id: 'GT-VAULT-001',
    level: 'error',
    checks: 'No Vault policy attached to an auth role the agent can log in with (Kubernetes or JWT/OIDC) grants a capability its phase does not allow it directly on that path, no approval role token grants more than the phase\'s approved writes, and the agent cannot mint approval tokens.',
    why: 'A token carries every policy of its role; another policy attached to the agent\'s role, or another role bound to its ServiceAccount, widens its secrets access.',
    fix: 'Detach the policy or unbind the role, or declare the path in the agent definition so it follows the phase.',
    check: aboveCeiling,
  },
  {
    id: 'GT-VAULT-002',
    level: 'error',
    checks: 'token_ttl and token_max_ttl of every role the agent can log in with are set and within the phase table\'s ceilings.',
    why: 'Credential lifetime is part of the blast radius: a shadow agent gets short-lived tokens whatever cluster it runs in.',
    fix: 'Set token_ttl/token_max_ttl within the phase ceiling (TrustPhasedAgent does by default) or move the agent to a phase that allows longer tokens.',
    check: ttl,
  },
  {
    id: 'GT-VAULT-003',
    level: 'error',
    checks: 'Every policy attached to a role the agent can log in with is a vault_policy with literal text in the output: a policy list given by an expression, and Vault\'s built-in "default" policy (attached unless token_no_default_policy is true), fail closed.',
    why: 'A policy defined elsewhere cannot be checked against the ceiling; Vault would still grant it.',
    fix: 'Define the policy in the app with literal HCL, or detach it; give token_policies as a literal list (not an expression); for Vault\'s built-in "default" policy set token_no_default_policy = true, as TrustPhasedAgent does.',
    check: unresolved,
  },
  {
    id: 'GT-VAULT-004',
    level: 'warning',
    checks: 'Roles the agent logs in with admit only the agent\'s ServiceAccount name and namespace.',
    why: 'A wildcard or extra name lets other workloads obtain tokens with the agent\'s policies.',
    fix: 'Bind the role to exactly the agent\'s ServiceAccount and namespace, or suppress with the reason.',
    check: admitsOthers,
  },
  {
    id: 'GT-VAULT-005',
    level: 'error',
    checks: 'Kubernetes auth roles the agent logs in with require an audience, and its approval token role and approver policy are exactly what TrustPhasedAgent renders.',
    why: 'Without an audience any ServiceAccount token of the agent, the one for the API server included, logs in. A looser approval role (batch tokens, more uses, renewable, inheriting the operator\'s identity) turns one approval into standing access.',
    fix: 'Set audience on the role (TrustPhasedAgent does, default "vault"); keep the approval role and approver policy as rendered, and change their settings through vault.approvalTokens.',
    check: approvalMechanism,
  },
];
