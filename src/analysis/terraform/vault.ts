/**
 * Vault access of an agent from cdktf output: the auth roles its ServiceAccount token can log in
 * with (Kubernetes auth roles binding its name and namespace, JWT/OIDC roles binding its `sub`
 * or its Kubernetes claims), their token TTLs and audience, and the capabilities of the policies
 * they attach: for every path pattern of those policies, what Vault's ACL (analysis/vault/acl.ts:
 * policies merged, `deny` wins, the most specific rule applies) reports for that path.
 *
 * Phase-3 writes live in a separate policy that only a token from the operator-only token role
 * `<agent>-approval` carries: those paths are reported as approval paths, unless the agent's own
 * tokens can create tokens of that role (then they are its own).
 *
 * What cannot be evaluated fails closed as `unresolved`: a policy not in the output, a policy
 * list that is an expression (`${concat(…)}`, `var.x`), and Vault's built-in `default` policy
 * (attached unless `token_no_default_policy`; each cluster can edit it).
 */
import { vaultApprovalRole } from '../../definition/approvals';
import { serviceAccountUsername } from '../../definition/types';
import { TrustError } from '../../errors';
import { vaultPathPattern } from '../../vault/match';
import { parseVaultPolicy, type VaultPathRule } from '../../vault/policy';
import { VaultAcl } from '../vault/acl';
import { sortedRecord, sortedUnique, type AgentRef, type VaultAccessModel, type VaultRoleAccess } from '../model';
import type { TerraformResource } from '../read';
import { numberOrNull, parseReference, stringList, type TerraformIndex } from './resources';

/** Vault's built-in policy every token gets unless `token_no_default_policy`; not part of the output. */
export const DEFAULT_POLICY = 'default';

/** A policy attached to a role, found in the output with its parsed rules. */
export interface AttachedVaultPolicy {
  readonly name: string;
  readonly resource: TerraformResource;
  readonly rules: readonly VaultPathRule[];
}

/** An auth role that admits the agent. */
export interface VaultRoleGrant {
  readonly stack: string;
  readonly role: TerraformResource;
  readonly name: string;
  readonly access: VaultRoleAccess;
  /** Attached policies found in the output, with their parsed rules. */
  readonly policies: readonly AttachedVaultPolicy[];
  /** Attached policies or values not in the output (access unknown). */
  readonly unresolved: readonly string[];
  /** Bound names, namespaces or claims that admit more than the agent (`*`, globs, other entries). */
  readonly admitsOthers: readonly string[];
}

/** The operator-only token role whose tokens carry the agent's approved writes. */
export interface VaultApprovalGrant {
  readonly stack: string;
  readonly role: TerraformResource;
  readonly name: string;
  readonly policies: readonly AttachedVaultPolicy[];
  readonly unresolved: readonly string[];
}

/** Vault's glob for bound names: `*` matches any run of characters. */
export function globMatches(pattern: string, value: string): boolean {
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

/**
 * The policies a list attribute attaches. An expression instead of a list (or as an element)
 * is unresolved: the policies it yields are unknown until plan.
 */
function attach(index: TerraformIndex, stack: string, values: unknown, label: string): { policies: AttachedVaultPolicy[]; unresolved: string[]; names: string[] } {
  const policies: AttachedVaultPolicy[] = [];
  const unresolved: string[] = [];
  const names: string[] = [];
  if (values === undefined) return { policies, unresolved, names };
  if (!Array.isArray(values)) return { policies, unresolved: [`${label} ${JSON.stringify(values)} (an expression, not a list)`], names };
  for (const ref of values) {
    const found = index.ofType('vault_policy').find((p) => p.stack === stack && index.designates(stack, ref, p.resource, 'name'));
    const name = String(index.literal(stack, ref));
    const rules = found && policyRules(found.resource);
    if (found && rules) {
      policies.push({ name, resource: found.resource, rules });
      names.push(name);
    } else if (typeof ref === 'string' && ref.includes('${') && !parseReference(ref)) {
      unresolved.push(`${label} element ${JSON.stringify(ref)} (an expression)`);
    } else {
      unresolved.push(name);
      names.push(name);
    }
  }
  return { policies, unresolved, names };
}

/** Whether the role attaches Vault's default policy: unless token_no_default_policy is literally true. */
function attachesDefault(config: Readonly<Record<string, unknown>>): boolean {
  return config['token_no_default_policy'] !== true && config['token_no_default_policy'] !== 'true';
}

function roleAccess(auth: string, index: TerraformIndex, stack: string, config: Readonly<Record<string, unknown>>, names: readonly string[]): VaultRoleAccess {
  const audience = auth === 'jwt' ? stringList(config['bound_audiences']).join(', ') : index.literal(stack, config['audience']);
  return {
    auth,
    backend: String(index.literal(stack, config['backend'] ?? auth)),
    policies: sortedUnique([...names, ...(attachesDefault(config) ? [DEFAULT_POLICY] : [])]),
    tokenTtlSeconds: numberOrNull(config['token_ttl']),
    tokenMaxTtlSeconds: numberOrNull(config['token_max_ttl']),
    audience: typeof audience === 'string' && audience !== '' ? audience : null,
  };
}

function grant(index: TerraformIndex, stack: string, role: TerraformResource, auth: string, admitsOthers: string[]): VaultRoleGrant {
  const c = role.config;
  const attached = attach(index, stack, c['token_policies'], 'token_policies');
  const legacy = attach(index, stack, c['policies'], 'policies');
  const unresolved = [...attached.unresolved, ...legacy.unresolved];
  if (attachesDefault(c)) unresolved.push(`${DEFAULT_POLICY} (Vault's built-in policy, attached because token_no_default_policy is not true; each cluster can edit it)`);
  return {
    stack,
    role,
    name: String(index.literal(stack, c['role_name']) ?? role.name),
    access: roleAccess(auth, index, stack, c, [...attached.names, ...legacy.names]),
    policies: [...attached.policies, ...legacy.policies],
    unresolved: sortedUnique(unresolved),
    admitsOthers,
  };
}

/** Kubernetes auth roles whose bound names and namespaces admit the agent. */
function kubernetesRoles(index: TerraformIndex, agent: AgentRef): VaultRoleGrant[] {
  return index.ofType('vault_kubernetes_auth_backend_role').flatMap(({ stack, resource }) => {
    const names = stringList(resource.config['bound_service_account_names']);
    const namespaces = stringList(resource.config['bound_service_account_namespaces']);
    if (!names.some((n) => globMatches(n, agent.name)) || !namespaces.some((n) => globMatches(n, agent.namespace))) return [];
    return [grant(index, stack, resource, 'kubernetes', [
      ...names.filter((n) => n !== agent.name).map((n) => `ServiceAccount name "${n}"`),
      ...namespaces.filter((n) => n !== agent.namespace).map((n) => `namespace "${n}"`),
    ])];
  });
}

/**
 * JWT/OIDC auth roles a ServiceAccount token of the agent matches: `bound_subject`, or
 * `bound_claims` on `sub` or the Kubernetes claims (`/kubernetes.io/namespace`,
 * `/kubernetes.io/serviceaccount/name`), exactly or by glob. A role bound by other claims only
 * is not counted (see docs/analysis.md).
 */
function jwtRoles(index: TerraformIndex, agent: AgentRef): VaultRoleGrant[] {
  const username = serviceAccountUsername(agent);
  const claims: Readonly<Record<string, string>> = {
    sub: username,
    '/sub': username,
    '/kubernetes.io/namespace': agent.namespace,
    '/kubernetes.io/serviceaccount/name': agent.name,
  };
  return index.ofType('vault_jwt_auth_backend_role').flatMap(({ stack, resource }) => {
    const c = resource.config;
    const glob = c['bound_claims_type'] === 'glob';
    const match = (pattern: string, value: string) => (glob ? globMatches(pattern, value) : pattern === value);
    const subject = typeof c['bound_subject'] === 'string' && c['bound_subject'] !== '' ? c['bound_subject'] : undefined;
    const bound = (c['bound_claims'] ?? {}) as Record<string, unknown>;
    const known = Object.keys(bound).filter((k) => claims[k] !== undefined);
    if (subject === undefined && known.length === 0) return [];
    const values = (k: string) => String(bound[k] ?? '').split(',').map((v) => v.trim());
    const admits = (subject === undefined || subject === username)
      && Object.keys(bound).every((k) => claims[k] === undefined || values(k).some((v) => match(v, claims[k]!)));
    if (!admits) return [];
    const others = [
      ...known.flatMap((k) => values(k).filter((v) => v !== claims[k]).map((v) => `claim ${k} "${v}"`)),
      ...(subject === undefined && !known.some((k) => k === 'sub' || k === '/sub') ? ['any subject matching its other claims'] : []),
    ];
    return [grant(index, stack, resource, 'jwt', others)];
  });
}

/** Every Vault auth role whose bindings admit the agent's ServiceAccount token. */
export function vaultRoleGrants(index: TerraformIndex, agent: AgentRef): VaultRoleGrant[] {
  return [...kubernetesRoles(index, agent), ...jwtRoles(index, agent)];
}

/** The agent's approval token role (`<agent>-approval`), when the output holds it. */
export function vaultApprovalGrants(index: TerraformIndex, agent: AgentRef): VaultApprovalGrant[] {
  const name = vaultApprovalRole(agent.name);
  return index.ofType('vault_token_auth_backend_role').flatMap(({ stack, resource }) => {
    if (index.literal(stack, resource.config['role_name']) !== name) return [];
    const attached = attach(index, stack, resource.config['allowed_policies'], 'allowed_policies');
    return [{ stack, role: resource, name, policies: attached.policies, unresolved: attached.unresolved }];
  });
}

/** Whether the agent's own tokens may create tokens of a token role (then its approvals are its own). */
export function selfApproves(acl: VaultAcl, role: string): boolean {
  const path = `auth/token/create/${role}`;
  return acl.allows(path, 'update') || acl.allows(path, 'create') || acl.allows('auth/token/create', 'sudo');
}

/** Path pattern → capabilities of a token carrying `rules` (one list per policy). */
export function vaultPathsOf(rules: ReadonlyArray<readonly VaultPathRule[]>): Record<string, string[]> {
  const acl = new VaultAcl(rules);
  const paths = sortedUnique(rules.flat().map((r) => vaultPathPattern(r.path).path));
  return sortedRecord(paths.map((path) => [path, sortedUnique(acl.capabilities(path))] as const));
}

/** `operator token from role x-approval (1 use, at most 900s)`. */
function approvalText(grant: VaultApprovalGrant): string {
  const uses = numberOrNull(grant.role.config['token_num_uses']);
  const ttl = numberOrNull(grant.role.config['token_explicit_max_ttl']);
  const parts = [uses ? `${uses} use${uses === 1 ? '' : 's'}` : 'unlimited uses', ttl ? `at most ${ttl}s` : 'no explicit max TTL'];
  return `operator token from role ${grant.name} (${parts.join(', ')})`;
}

/** The Vault part of the access model. */
export function vaultAccess(index: TerraformIndex, agent: AgentRef): VaultAccessModel {
  const grants = vaultRoleGrants(index, agent);
  const own = grants.flatMap((g) => g.policies.map((p) => p.rules));
  const acl = new VaultAcl(own);
  const approvals = vaultApprovalGrants(index, agent);
  const selfApproved = approvals.filter((a) => selfApproves(acl, a.name));
  const gated = approvals.filter((a) => !selfApproved.includes(a));
  return {
    roles: sortedRecord(grants.map((g) => [g.name, g.access] as const)),
    paths: vaultPathsOf([...own, ...selfApproved.flatMap((a) => a.policies.map((p) => p.rules))]),
    approvalPaths: vaultPathsOf(gated.flatMap((a) => a.policies.map((p) => p.rules))),
    approval: gated.length > 0 ? gated.map(approvalText).join('; ') : null,
    unresolved: sortedUnique([...grants.flatMap((g) => g.unresolved), ...approvals.flatMap((a) => a.unresolved)]),
  };
}
