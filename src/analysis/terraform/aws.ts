/**
 * AWS access of an agent from cdktf output: the IAM roles its ServiceAccount can assume (IRSA
 * web identity for its `sub`, or EKS Pod Identity through an association), and the actions each
 * allows by IAM access level, intersected with the role's permissions boundary.
 *
 * Access is decided by the IAM evaluator (`../iam/evaluate`): an explicit Deny wins, an action
 * needs an Allow in an identity policy and, when the role has a boundary, in the boundary too.
 * Conditions are not evaluated: an Allow with a condition counts as allowing (the access may be
 * used) and a Deny with a condition as not denying, so the report never understates.
 */
import type { IamStatement, PolicyDocument } from '../../aws/policy';
import { codeChange, pinned } from '../../aws/risky';
import { awsDangers } from '../../definition/dangerous';
import { serviceAccountUsername } from '../../definition/types';
import { allowedActionResources, evaluateIam, oneOrMany, policyStatements, statementMatches, wildcardMatches, type IamPolicies } from '../iam/evaluate';
import { sortedRecord, sortedUnique, type AgentRef, type AwsAccessModel, type AwsRoleAccess, type DangerFlag, type ReachFlag } from '../model';
import { approvalCondition, protectsApprovalTag } from './approval-tag';
import type { TerraformResource } from '../read';
import { numberOrNull, parseReference, stringList, type TerraformIndex } from './resources';

/** An identity policy attached to a role, with the resource to point at. */
export interface AttachedPolicy {
  /** `inline graduated-trust`, `aws_iam_policy.x`, or the ARN when not in the output. */
  readonly name: string;
  readonly where: string;
  /** Undefined when the document is not in the output. */
  readonly statements?: readonly IamStatement[];
}

/** A role the agent can assume, with everything that decides its access. */
export interface AwsRoleGrant {
  readonly stack: string;
  readonly role: TerraformResource;
  readonly name: string;
  readonly assumableBy: readonly string[];
  /** Principals other than the agent the trust policy admits. */
  readonly admitsOthers: readonly string[];
  readonly policies: readonly AttachedPolicy[];
  /** Boundary statements; undefined when the role has no boundary, null when it is not in the output. */
  readonly boundary: readonly IamStatement[] | null | undefined;
  readonly boundaryName: string | null;
  readonly maxSessionDurationSeconds: number | null;
  /** Resources of other services that name the role (resource policies, grants): what they grant is not read. */
  readonly namedBy: readonly TerraformResource[];
}

/** The statements of a policy JSON string; undefined when it is not literal JSON. */
export function statementsOf(json: unknown): IamStatement[] | undefined {
  if (typeof json !== 'string') return undefined;
  try {
    return [...policyStatements(JSON.parse(json) as PolicyDocument)];
  } catch {
    return undefined;
  }
}

/** The identity policies (those in the output) and boundary of a role, for {@link evaluateIam}. */
export function grantPolicies(grant: AwsRoleGrant): IamPolicies {
  const identity = grant.policies.flatMap((p) => (p.statements ? [{ Statement: p.statements }] : []));
  return grant.boundary ? { identity, boundary: { Statement: grant.boundary } } : { identity };
}

/**
 * Whether the identity statements, within the boundary statements (when given), may allow
 * `action` on `resource`.
 * @deprecated use `evaluateIam(grantPolicies(grant), { action, resource }) === 'allow'`; kept
 * until src/testing moves to it.
 */
export function iamAllows(identity: readonly IamStatement[], boundary: readonly IamStatement[] | undefined, action: string, resource: string): boolean {
  return evaluateIam({ identity: [{ Statement: identity }], ...(boundary ? { boundary: { Statement: boundary } } : {}) }, { action, resource }) === 'allow';
}

function trustOf(index: TerraformIndex, stack: string, role: TerraformResource, agent: AgentRef): { assumableBy: string[]; agentAdmitted: boolean; others: string[] } {
  const username = serviceAccountUsername(agent);
  const assumableBy: string[] = [];
  const others: string[] = [];
  let agentAdmitted = false;
  const associations = index.ofType('aws_eks_pod_identity_association')
    .filter((a) => a.stack === stack && index.designates(stack, a.resource.config['role_arn'], role, 'arn'));
  for (const s of statementsOf(role.config['assume_role_policy']) ?? []) {
    if (s.Effect !== 'Allow') continue;
    const principal = (s.Principal ?? {}) as Record<string, unknown>;
    const conditions = Object.entries(s.Condition ?? {});
    const conditionValues = (suffix: string) => conditions.flatMap(([, byKey]) => Object.entries(byKey).filter(([k]) => k.endsWith(suffix)).flatMap(([, v]) => oneOrMany(v)));
    for (const provider of oneOrMany(principal['Federated'])) {
      const subs = conditionValues(':sub');
      if (subs.length === 0) {
        const text = `IRSA any ServiceAccount (${provider})`;
        assumableBy.push(text);
        others.push(text);
        agentAdmitted = true;
        continue;
      }
      for (const sub of subs) {
        const text = `IRSA ${sub} (${provider})`;
        assumableBy.push(text);
        if (wildcardMatches(sub, username)) agentAdmitted = true;
        if (sub !== username) others.push(text);
      }
    }
    for (const service of oneOrMany(principal['Service'])) {
      if (service !== 'pods.eks.amazonaws.com') {
        assumableBy.push(`service ${service}`);
        others.push(`service ${service}`);
        continue;
      }
      const ns = conditionValues('kubernetes-namespace');
      const sa = conditionValues('kubernetes-service-account');
      for (const a of associations) {
        const text = `EKS Pod Identity ${String(a.resource.config['namespace'])}/${String(a.resource.config['service_account'])}`;
        const matches = a.resource.config['namespace'] === agent.namespace && a.resource.config['service_account'] === agent.name;
        const tagged = (ns.length === 0 || ns.includes(agent.namespace)) && (sa.length === 0 || sa.includes(agent.name));
        assumableBy.push(text);
        if (matches && tagged) agentAdmitted = true;
        if (!matches) others.push(text);
      }
      if (ns.length === 0 || sa.length === 0) others.push('EKS Pod Identity without namespace/ServiceAccount session-tag conditions');
    }
    for (const arn of [...oneOrMany(principal['AWS']), ...(s.Principal === '*' ? ['*'] : [])]) {
      assumableBy.push(`AWS ${arn}`);
      others.push(`AWS ${arn}`);
    }
  }
  return { assumableBy: sortedUnique(assumableBy), agentAdmitted, others: sortedUnique(others) };
}

/**
 * Resource types of the AWS provider that attach identity policies to a role (or name which
 * inline policies it keeps): `aws_iam_role` itself (`inline_policy`, `managed_policy_arns`) and
 * the attachment types. test/guard/iam-attachments.test.ts lists the provider's resource types
 * and fails when one that attaches a policy to a role is in none of the lists here.
 */
export const IAM_ATTACHMENT_TYPES = [
  'aws_iam_role', 'aws_iam_role_policy', 'aws_iam_role_policy_attachment', 'aws_iam_policy_attachment',
  'aws_iam_role_policy_attachments_exclusive', 'aws_iam_role_policies_exclusive',
] as const;

/** Types read as the role's trust (who may assume it), not as attachments. */
export const IAM_TRUST_TYPES = ['aws_eks_pod_identity_association'] as const;

/**
 * Types whose policy scopes the session another AWS service opens with the role (AWS Transfer
 * users and accesses): a session policy only narrows what the role allows, and the agent never
 * holds that session.
 */
export const IAM_SESSION_POLICY_TYPES = ['aws_transfer_access', 'aws_transfer_user'] as const;

/** `aws_iam_*` types that may designate a role without attaching policies to it. */
export const IAM_NON_ATTACHING_TYPES = ['aws_iam_policy', 'aws_iam_instance_profile', 'aws_iam_service_linked_role'] as const;

/**
 * `aws_iam_*` types about users, groups, the account or identity providers: they never name a
 * role (a user's or group's policies do not reach the agent's role).
 */
export const IAM_NOT_ROLE_TYPES = [
  'aws_iam_access_key', 'aws_iam_account_alias', 'aws_iam_account_password_policy', 'aws_iam_group', 'aws_iam_group_membership',
  'aws_iam_group_policies_exclusive', 'aws_iam_group_policy', 'aws_iam_group_policy_attachment', 'aws_iam_group_policy_attachments_exclusive',
  'aws_iam_openid_connect_provider', 'aws_iam_organizations_features', 'aws_iam_saml_provider', 'aws_iam_security_token_service_preferences',
  'aws_iam_server_certificate', 'aws_iam_service_specific_credential', 'aws_iam_signing_certificate', 'aws_iam_user', 'aws_iam_user_group_membership',
  'aws_iam_user_login_profile', 'aws_iam_user_policies_exclusive', 'aws_iam_user_policy', 'aws_iam_user_policy_attachment',
  'aws_iam_user_policy_attachments_exclusive', 'aws_iam_user_ssh_key', 'aws_iam_virtual_mfa_device',
] as const;

/**
 * Whether a resource's config names the role anywhere: a cdktf reference to it
 * (`${aws_iam_role.x.arn}`, inside a policy JSON too) or, for a literal role name, its ARN.
 */
function namesRole(value: unknown, role: TerraformResource, arn: RegExp | undefined): boolean {
  if (typeof value === 'string') return value.includes(`aws_iam_role.${role.name}.`) || (arn !== undefined && arn.test(value));
  if (Array.isArray(value)) return value.some((v) => namesRole(v, role, arn));
  if (value !== null && typeof value === 'object') return Object.entries(value).some(([k, v]) => k !== '//' && namesRole(v, role, arn));
  return false;
}

function roleArnPattern(role: TerraformResource): RegExp | undefined {
  const name = role.config['name'];
  if (typeof name !== 'string' || name.includes('${')) return undefined;
  return new RegExp(`:role/(?:[^"\\s]*/)?${name.replace(/[.+?^${}()|[\]\\]/g, '\\$&')}(?![A-Za-z0-9+=,.@_-])`);
}

const READ_TYPES = new Set<string>([...IAM_ATTACHMENT_TYPES, ...IAM_TRUST_TYPES, ...IAM_SESSION_POLICY_TYPES, ...IAM_NON_ATTACHING_TYPES, ...IAM_NOT_ROLE_TYPES]);

/**
 * Resources of the role's stack that name it but that the analysis does not read: an unknown
 * `aws_iam_*` type (it may attach policies: an unknown attachment), or another service's
 * resource (a resource policy, a KMS grant, a Lake Formation permission: it may grant the role
 * access the identity policies do not show).
 */
function unreadReferences(index: TerraformIndex, stack: string, role: TerraformResource): { iam: TerraformResource[]; other: TerraformResource[] } {
  const arn = roleArnPattern(role);
  const found = index.stacks.filter((s) => s.stack === stack).flatMap((s) => s.resources)
    .filter((r) => r !== role && !READ_TYPES.has(r.type) && namesRole(r.config, role, arn));
  return { iam: found.filter((r) => r.type.startsWith('aws_iam_')), other: found.filter((r) => !r.type.startsWith('aws_iam_')) };
}

function attachedPolicies(index: TerraformIndex, stack: string, role: TerraformResource): AttachedPolicy[] {
  const out: AttachedPolicy[] = [];
  for (const inline of (Array.isArray(role.config['inline_policy']) ? role.config['inline_policy'] : []) as Array<Record<string, unknown>>) {
    const statements = statementsOf(inline['policy']);
    out.push({ name: `inline ${String(inline['name'] ?? '')}`, where: role.where, ...(statements ? { statements } : {}) });
  }
  const samestack = (type: string) => index.ofType(type).filter((r) => r.stack === stack).map((r) => r.resource);
  for (const p of samestack('aws_iam_role_policy').filter((p) => index.designates(stack, p.config['role'], role, 'name'))) {
    const statements = statementsOf(p.config['policy']);
    out.push({ name: `inline ${String(p.config['name'] ?? p.name)}`, where: p.where, ...(statements ? { statements } : {}) });
  }
  const designates = (value: unknown) => index.designates(stack, value, role, 'name');
  const arns = [
    ...listOrExpression(role.config['managed_policy_arns'], role.where),
    ...samestack('aws_iam_role_policy_attachment').filter((a) => designates(a.config['role'])).map((a) => ({ arn: a.config['policy_arn'], where: a.where })),
    ...samestack('aws_iam_policy_attachment').filter((a) => stringList(a.config['roles']).some(designates)).map((a) => ({ arn: a.config['policy_arn'], where: a.where })),
    ...samestack('aws_iam_role_policy_attachments_exclusive').filter((a) => designates(a.config['role_name'])).flatMap((a) => listOrExpression(a.config['policy_arns'], a.where)),
  ];
  for (const { arn, where } of arns) out.push(managedPolicy(index, stack, arn, where));
  // An exclusive list of inline policy names keeps inline policies that may not be in the output.
  const inlineNames = new Set(out.filter((p) => p.name.startsWith('inline ')).map((p) => p.name.slice('inline '.length)));
  for (const e of samestack('aws_iam_role_policies_exclusive').filter((a) => designates(a.config['role_name']))) {
    const names = e.config['policy_names'];
    for (const n of Array.isArray(names) ? names : [names]) {
      if (typeof n !== 'string' || !inlineNames.has(n)) out.push({ name: `inline ${String(n)} (kept by ${e.address})`, where: e.where });
    }
  }
  for (const resource of unreadReferences(index, stack, role).iam) out.push({ name: `${resource.address} (an ${resource.type} this analysis does not know)`, where: resource.where });
  return out;
}

/** ARNs of a list attribute; an expression instead of a list is one unknown policy. */
function listOrExpression(value: unknown, where: string): Array<{ arn: unknown; where: string }> {
  if (value === undefined) return [];
  return Array.isArray(value) ? value.map((arn) => ({ arn, where })) : [{ arn: value, where }];
}

function managedPolicy(index: TerraformIndex, stack: string, arn: unknown, where: string): AttachedPolicy {
  const ref = parseReference(arn);
  const target = ref && index.target(stack, ref);
  if (target && target.type === 'aws_iam_policy') {
    const statements = statementsOf(target.config['policy']);
    return { name: `${String(target.config['name'] ?? target.address)}`, where, ...(statements ? { statements } : {}) };
  }
  return { name: String(arn), where };
}

/** Every IAM role in the output whose trust policy admits the agent's ServiceAccount. */
export function awsRoleGrants(index: TerraformIndex, agent: AgentRef): AwsRoleGrant[] {
  const out: AwsRoleGrant[] = [];
  for (const { stack, resource: role } of index.ofType('aws_iam_role')) {
    const trust = trustOf(index, stack, role, agent);
    if (!trust.agentAdmitted) continue;
    const boundaryValue = role.config['permissions_boundary'];
    const ref = parseReference(boundaryValue);
    const boundaryTarget = ref && index.target(stack, ref);
    const boundary = boundaryValue === undefined ? undefined : boundaryTarget ? statementsOf(boundaryTarget.config['policy']) ?? null : null;
    out.push({
      stack,
      role,
      name: String(index.literal(stack, role.config['name']) ?? role.name),
      assumableBy: trust.assumableBy,
      admitsOthers: trust.others,
      policies: attachedPolicies(index, stack, role),
      boundary,
      boundaryName: boundaryValue === undefined ? null : boundaryTarget ? String(boundaryTarget.config['name'] ?? boundaryTarget.address) : String(boundaryValue),
      maxSessionDurationSeconds: numberOrNull(role.config['max_session_duration']),
      namedBy: unreadReferences(index, stack, role).other,
    });
  }
  return out;
}

/**
 * Allowed (action, resource) pairs of a role, from {@link allowedActionResources} over its
 * identity policies within its boundary; `level` joins the access levels (`Unknown` when the
 * IAM reference does not know the action).
 */
export function allowedActions(grant: AwsRoleGrant): Array<{ action: string; level: string; resource: string }> {
  return allowedActionResources(grantPolicies(grant)).map((a) => ({ action: a.action, level: a.accessLevels.join(', ') || 'Unknown', resource: a.resource }));
}

type Levels = Map<string, Map<string, Set<string>>>;

function add(levels: Levels, level: string, action: string, resource: string): void {
  const actions = levels.get(level) ?? new Map<string, Set<string>>();
  levels.set(level, actions);
  actions.set(action, (actions.get(action) ?? new Set()).add(resource));
}

function levelsRecord(levels: Levels): AwsRoleAccess['actions'] {
  return sortedRecord([...levels].map(([level, actions]) => [level, sortedRecord([...actions].map(([a, r]) => [a, sortedUnique(r)] as const))] as const));
}

/** The identity Allow statements that allow `action` on `resource`. */
function allowingStatements(grant: AwsRoleGrant, action: string, resource: string): IamStatement[] {
  return grant.policies.flatMap((p) => (p.statements ?? []).filter((s) => s.Effect === 'Allow' && statementMatches(s, { action, resource })));
}

/**
 * The approval epoch value a pair needs, when every identity statement allowing it requires the
 * operator's approval tag and the boundary keeps the agent from setting that tag; undefined otherwise.
 */
function approvalOf(grant: AwsRoleGrant, action: string, resource: string): string | undefined {
  if (!grant.boundary || !protectsApprovalTag(grant.boundary)) return undefined;
  const values = allowingStatements(grant, action, resource).map(approvalCondition);
  return values.length > 0 && values.every((v) => v !== undefined) && new Set(values).size === 1 ? values[0] : undefined;
}

/** Reach of a role's allowed pairs: code-changing writes whose allowing statements do not all pin what runs. */
export function awsReach(grant: AwsRoleGrant): ReachFlag[] {
  const out: ReachFlag[] = [];
  for (const { action, resource } of allowedActions(grant)) {
    const change = codeChange(action);
    if (!change) continue;
    const statements = allowingStatements(grant, action, resource);
    if (change.pins && statements.length > 0 && statements.every((s) => pinned(s.Condition, change.pins!))) continue;
    out.push({ backend: 'aws', grant: `iam ${action} on ${resource}`, reach: change.reach, id: 'aws-runs-code' });
  }
  return out;
}

function roleAccess(grant: AwsRoleGrant): AwsRoleAccess {
  const allowed = allowedActions(grant);
  const byLevel: Levels = new Map();
  const gated: Levels = new Map();
  const approvals = new Set<string>();
  for (const a of allowed) {
    const approval = approvalOf(grant, a.action, a.resource);
    if (approval !== undefined) approvals.add(approval);
    add(approval !== undefined ? gated : byLevel, a.level, a.action, a.resource);
  }
  const dangerous: DangerFlag[] = [];
  for (const action of sortedUnique(allowed.map((a) => a.action))) {
    for (const d of awsDangers([action])) dangerous.push({ grant: action, id: d.id, why: d.why });
  }
  const unresolved = grant.policies.filter((p) => !p.statements).map((p) => p.name);
  if (grant.boundary === null) unresolved.push(`boundary ${grant.boundaryName}`);
  for (const r of grant.namedBy) unresolved.push(`what ${r.address} (a ${r.type} naming the role) grants it`);
  return {
    assumableBy: grant.assumableBy,
    permissionsBoundary: grant.boundaryName,
    maxSessionDurationSeconds: grant.maxSessionDurationSeconds,
    actions: levelsRecord(byLevel),
    approvalActions: levelsRecord(gated),
    approval: approvals.size > 0 ? [...approvals].sort().map((v) => `operator tag ${v}`).join('; ') : null,
    dangerous,
    unresolved: sortedUnique(unresolved),
  };
}

/** The access of a role with these identity policies and boundary (the guard's ceiling uses it on rendered documents). */
export function roleAccessOf(policies: readonly AttachedPolicy[], boundary: readonly IamStatement[] | undefined, name: string): AwsRoleAccess {
  return roleAccess(pseudoGrant(policies, boundary, name));
}

/** A role grant for documents that are not in an output. */
export function pseudoGrant(policies: readonly AttachedPolicy[], boundary: readonly IamStatement[] | undefined, name: string): AwsRoleGrant {
  return {
    stack: '', role: { type: 'aws_iam_role', name, address: `aws_iam_role.${name}`, where: 'ceiling', config: {} }, name,
    assumableBy: [], admitsOthers: [], policies, boundary, boundaryName: boundary ? 'boundary' : null, maxSessionDurationSeconds: null, namedBy: [],
  };
}

/** The AWS part of the access model. */
export function awsAccess(index: TerraformIndex, agent: AgentRef): AwsAccessModel {
  return { roles: sortedRecord(awsRoleGrants(index, agent).map((g) => [g.name, roleAccess(g)] as const)) };
}
