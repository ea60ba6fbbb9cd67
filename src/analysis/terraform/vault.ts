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
  // The role's policy list then names the expression, so no report reads it as "no policies".
  if (!Array.isArray(values)) return { policies, unresolved: [`${label} ${JSON.stringify(values)} (an expression, not a list)`], names: [unknownPolicies(label, values)] };
  for (const ref of values) {
    const found = index.ofType('vault_policy').find((p) => p.stack === stack && index.designates(stack, ref, p.resource, 'name'));
    const name = String(index.literal(stack, ref));
    const rules = found && policyRules(found.resource);
    if (found && rules) {
      policies.push({ name, resource: found.resource, rules });
      names.push(name);
    } else if (typeof ref === 'string' && ref.includes('${') && !parseReference(ref)) {
      unresolved.push(`${label} element ${JSON.stringify(ref)} (an expression)`);
      names.push(unknownPolicies(label, ref));
    } else {
      unresolved.push(name);
      names.push(name);
    }
  }
  return { policies, unresolved, names };
}

/** The entry of a role's policy list for policies an expression yields: `unknown (token_policies ${var.x})`. */
function unknownPolicies(label: string, value: unknown): string {
  return `unknown (${label} ${typeof value === 'string' ? value : JSON.stringify(value)})`;
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

/**
 * A bound-value list as the role has it: literal entries (references to literals resolved) and
 * whether an expression is among them (its values are unknown, so it may name the agent).
 */
function boundList(index: TerraformIndex, stack: string, value: unknown): { values: string[]; expression: string | undefined } {
  if (value === undefined) return { values: [], expression: undefined };
  const items = Array.isArray(value) ? value : typeof value === 'string' && !value.includes('${') ? value.split(',') : [value];
  const values: string[] = [];
  let expression: string | undefined;
  for (const item of items) {
    const v = index.literal(stack, item);
    if (typeof v === 'string' && !v.includes('${')) values.push(v.trim());
    else expression ??= typeof item === 'string' ? item : JSON.stringify(item);
  }
  return { values, expression };
}

/**
 * Kubernetes auth roles whose bound names and namespaces admit the agent. A bound list given by
 * an expression may name the agent: the role counts as admitting it (fail closed), reported as
 * admitting others.
 */
function kubernetesRoles(index: TerraformIndex, agent: AgentRef): VaultRoleGrant[] {
  return index.ofType('vault_kubernetes_auth_backend_role').flatMap(({ stack, resource }) => {
    const names = boundList(index, stack, resource.config['bound_service_account_names']);
    const namespaces = boundList(index, stack, resource.config['bound_service_account_namespaces']);
    const admits = (l: { values: string[]; expression: string | undefined }, value: string) => l.expression !== undefined || l.values.some((n) => globMatches(n, value));
    if (!admits(names, agent.name) || !admits(namespaces, agent.namespace)) return [];
    return [grant(index, stack, resource, 'kubernetes', [
      ...names.values.filter((n) => n !== agent.name).map((n) => `ServiceAccount name "${n}"`),
      ...namespaces.values.filter((n) => n !== agent.namespace).map((n) => `namespace "${n}"`),
      ...(names.expression ? [`ServiceAccount names from ${names.expression}`] : []),
      ...(namespaces.expression ? [`namespaces from ${namespaces.expression}`] : []),
    ])];
  });
}

/**
 * Claims of a ServiceAccount token whose value is not known here (they name the pod, the node or
 * the token): a role binding one of them may still match the agent's token.
 */
const UNKNOWN_CLAIMS = new Set([
  'iss', '/iss', 'aud', '/aud', 'jti', '/jti', '/kubernetes.io/serviceaccount/uid',
  '/kubernetes.io/pod/name', '/kubernetes.io/pod/uid', '/kubernetes.io/node/name', '/kubernetes.io/node/uid',
]);

/**
 * JWT/OIDC auth roles a ServiceAccount token of the agent may match: `bound_subject`, and
 * `bound_claims` on `sub`, the Kubernetes claims (`/kubernetes.io/namespace`,
 * `/kubernetes.io/serviceaccount/name`) exactly or by glob, or claims whose value is unknown here
 * (the pod, the node). A role that binds no subject and no claim admits every token of its
 * issuer, the agent's included unless its backend trusts another issuer, which the analysis does
 * not read: it counts (fail closed). A role bound by a claim a ServiceAccount token never carries
 * (`repository`, `email`, …), or by another subject, is not counted (see docs/analysis.md).
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
    const subjectValue = index.literal(stack, c['bound_subject']);
    const subject = typeof subjectValue === 'string' && subjectValue !== '' ? subjectValue : undefined;
    const subjectUnknown = subject !== undefined && subject.includes('${');
    const rawClaims = c['bound_claims'];
    const claimsUnknown = rawClaims !== undefined && (typeof rawClaims !== 'object' || rawClaims === null);
    const bound = (claimsUnknown ? {} : rawClaims ?? {}) as Record<string, unknown>;
    // A claim no ServiceAccount token carries never matches it.
    if (Object.keys(bound).some((k) => claims[k] === undefined && !UNKNOWN_CLAIMS.has(k))) return [];
    const values = (k: string) => boundList(index, stack, bound[k]);
    const admits = (subject === undefined || subjectUnknown || subject === username)
      && Object.keys(bound).every((k) => { const l = values(k); return claims[k] === undefined || l.expression !== undefined || l.values.some((v) => match(v, claims[k]!)); });
    if (!admits) return [];
    const known = Object.keys(bound).filter((k) => claims[k] !== undefined);
    const others = [
      ...known.flatMap((k) => values(k).values.filter((v) => v !== claims[k]).map((v) => `claim ${k} "${v}"`)),
      ...Object.keys(bound).filter((k) => UNKNOWN_CLAIMS.has(k)).map((k) => `claim ${k} (its value in the agent's token is unknown here)`),
      ...(subjectUnknown ? [`bound_subject from ${subject}`] : []),
      ...(claimsUnknown ? [`bound_claims from ${JSON.stringify(rawClaims)}`] : []),
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
