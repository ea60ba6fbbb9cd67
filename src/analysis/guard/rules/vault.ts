/** Guard rules for Vault: roles the agent logs in with, their policies and token TTLs. */
import { phaseLabel } from '../../../phase/table';
import { vaultRulesForPhase } from '../../../vault/rules';
import { vaultRoleGrants } from '../../terraform/vault';
import { VaultAcl } from '../../vault/acl';
import type { GuardContext } from '../context';
import type { GuardRule, RuleHit } from '../types';
import { listed } from './kubernetes';

function aboveCeiling(ctx: GuardContext): RuleHit[] {
  const grants = vaultRoleGrants(ctx.terraform, ctx.agent);
  if (grants.length === 0) return [];
  const ceiling = new VaultAcl([vaultRulesForPhase(ctx.definition, ctx.phase)]);
  return grants.flatMap((g) =>
    g.policies.flatMap((p) => {
      const extra = p.rules.flatMap((r) => r.capabilities.filter((cap) => cap !== 'deny' && !ceiling.allows(r.path, cap)).map((cap) => `${r.path}: ${cap}`));
      if (extra.length === 0) return [];
      return [{ what: `Vault policy "${p.name}", attached to role "${g.name}" that the agent logs in with, grants ${listed([...new Set(extra)])}, above the ${phaseLabel(ctx.phase)} ceiling`, where: p.resource.where }];
    }),
  );
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
    checks: 'No Vault policy attached to a Kubernetes auth role the agent can log in with grants a capability its phase does not allow on that path.',
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
    checks: 'Every policy attached to a role the agent can log in with is a vault_policy with literal text in the output.',
    why: 'A policy defined elsewhere cannot be checked against the ceiling; Vault would still grant it.',
    fix: 'Define the policy in the app with literal HCL, or detach it (Vault\'s built-in "default" policy is exempt).',
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
];
