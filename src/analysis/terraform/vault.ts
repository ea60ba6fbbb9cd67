/**
 * Vault access of an agent from cdktf output: the Kubernetes auth roles its ServiceAccount can
 * log in with, their token TTLs, and the capabilities of the policies they attach: for every path
 * pattern of those policies, what Vault's ACL (analysis/vault/acl.ts: policies merged, `deny`
 * wins, the most specific rule applies) reports for that path.
 */
import { TrustError } from '../../errors';
import { vaultPathPattern } from '../../vault/match';
import { parseVaultPolicy, type VaultPathRule } from '../../vault/policy';
import { VaultAcl } from '../vault/acl';
import { sortedRecord, sortedUnique, type AgentRef, type VaultAccessModel, type VaultRoleAccess } from '../model';
import type { TerraformResource } from '../read';
import { numberOrNull, stringList, type TerraformIndex } from './resources';

/** Vault's built-in policy every token gets unless `token_no_default_policy`; not part of the output. */
const DEFAULT_POLICY = 'default';

/** A Kubernetes auth role that admits the agent. */
export interface VaultRoleGrant {
  readonly stack: string;
  readonly role: TerraformResource;
  readonly name: string;
  readonly access: VaultRoleAccess;
  /** Attached policies found in the output, with their parsed rules. */
  readonly policies: ReadonlyArray<{ readonly name: string; readonly resource: TerraformResource; readonly rules: readonly VaultPathRule[] }>;
  /** Attached policies not in the output. */
  readonly unresolved: readonly string[];
  /** Bound names or namespaces that admit more than the agent (`*`, globs, other entries). */
  readonly admitsOthers: readonly string[];
}

/** Vault's glob for bound names: `*` matches any run of characters. */
function globMatches(pattern: string, value: string): boolean {
  const re = new RegExp('^' + pattern.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*') + '$');
  return re.test(value);
}

function policyRules(resource: TerraformResource): readonly VaultPathRule[] | undefined {
  const text = resource.config['policy'];
  if (typeof text !== 'string' || text.includes('${')) return undefined;
  try {
    return parseVaultPolicy(text);
  } catch (e) {
    if (e instanceof TrustError) throw new TrustError('GT_INPUT', `vault_policy ${resource.address}: ${e.message}`, resource.where);
    throw e;
  }
}

/** Every `vault_kubernetes_auth_backend_role` whose bound names and namespaces admit the agent. */
export function vaultRoleGrants(index: TerraformIndex, agent: AgentRef): VaultRoleGrant[] {
  const out: VaultRoleGrant[] = [];
  for (const { stack, resource } of index.ofType('vault_kubernetes_auth_backend_role')) {
    const c = resource.config;
    const names = stringList(c['bound_service_account_names']);
    const namespaces = stringList(c['bound_service_account_namespaces']);
    if (!names.some((n) => globMatches(n, agent.name)) || !namespaces.some((n) => globMatches(n, agent.namespace))) continue;
    const attached = [...stringList(c['token_policies']), ...stringList(c['policies'])];
    const policies: Array<VaultRoleGrant['policies'][number]> = [];
    const unresolved: string[] = [];
    for (const ref of attached) {
      const found = index.ofType('vault_policy').find((p) => p.stack === stack && index.designates(stack, ref, p.resource, 'name'));
      const name = String(index.literal(stack, ref));
      const rules = found && policyRules(found.resource);
      if (found && rules) policies.push({ name, resource: found.resource, rules });
      else if (name !== DEFAULT_POLICY) unresolved.push(name);
    }
    const name = String(index.literal(stack, c['role_name']) ?? resource.name);
    out.push({
      stack,
      role: resource,
      name,
      access: {
        backend: String(index.literal(stack, c['backend'] ?? 'kubernetes')),
        policies: sortedUnique(policies.map((p) => p.name)),
        tokenTtlSeconds: numberOrNull(c['token_ttl']),
        tokenMaxTtlSeconds: numberOrNull(c['token_max_ttl']),
      },
      policies,
      unresolved: sortedUnique(unresolved),
      admitsOthers: [
        ...names.filter((n) => n !== agent.name).map((n) => `ServiceAccount name "${n}"`),
        ...namespaces.filter((n) => n !== agent.namespace).map((n) => `namespace "${n}"`),
      ],
    });
  }
  return out;
}

/** The Vault part of the access model. */
export function vaultAccess(index: TerraformIndex, agent: AgentRef): VaultAccessModel {
  const grants = vaultRoleGrants(index, agent);
  const rules = grants.flatMap((g) => g.policies.map((p) => p.rules));
  const acl = new VaultAcl(rules);
  const paths = sortedUnique(rules.flat().map((r) => vaultPathPattern(r.path).path));
  return {
    roles: sortedRecord(grants.map((g) => [g.name, g.access] as const)),
    paths: sortedRecord(paths.map((path) => [path, sortedUnique(acl.capabilities(path))] as const)),
    unresolved: sortedUnique(grants.flatMap((g) => g.unresolved)),
  };
}
