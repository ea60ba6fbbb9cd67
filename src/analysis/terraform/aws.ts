/**
 * AWS access of an agent from cdktf output: the IAM roles its ServiceAccount can assume (IRSA
 * web identity for its `sub`, or EKS Pod Identity through an association), and the actions each
 * allows by IAM access level, intersected with the role's permissions boundary.
 *
 * Evaluation follows IAM's rules for one principal in one account: an explicit Deny wins, an
 * action needs an Allow in an identity policy and, when the role has a boundary, in the boundary
 * too. Conditions are not evaluated: an Allow with a condition counts as allowing (the access
 * may be used) and a Deny with a condition as not denying, so the report never understates.
 */
import { iamAction, iamActionsMatching } from '../../aws/catalog';
import { awsDangers } from '../../definition/dangerous';
import { serviceAccountUsername } from '../../definition/types';
import { sortedRecord, sortedUnique, type AgentRef, type AwsAccessModel, type AwsRoleAccess, type DangerFlag } from '../model';
import type { TerraformResource } from '../read';
import { numberOrNull, parseReference, stringList, type TerraformIndex } from './resources';

/** A policy statement as read from JSON (values may be one string or a list). */
export interface Statement {
  readonly Effect?: string;
  readonly Principal?: unknown;
  readonly Action?: unknown;
  readonly NotAction?: unknown;
  readonly Resource?: unknown;
  readonly NotResource?: unknown;
  readonly Condition?: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
}

/** An identity policy attached to a role, with the resource to point at. */
export interface AttachedPolicy {
  /** `inline graduated-trust`, `aws_iam_policy.x`, or the ARN when not in the output. */
  readonly name: string;
  readonly where: string;
  /** Undefined when the document is not in the output. */
  readonly statements?: readonly Statement[];
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
  readonly boundary: readonly Statement[] | null | undefined;
  readonly boundaryName: string | null;
  readonly maxSessionDurationSeconds: number | null;
}

function list(value: unknown): string[] {
  return typeof value === 'string' ? [value] : stringList(value);
}

/**
 * IAM wildcard match: `*` any run of characters, `?` one character. Actions compare without
 * case (IAM does), resources with case.
 */
export function iamPatternMatches(pattern: string, value: string, ignoreCase = false): boolean {
  const body = pattern.split('').map((ch) => (ch === '*' ? '.*' : ch === '?' ? '.' : ch.replace(/[.+^${}()|[\]\\]/g, '\\$&'))).join('');
  return new RegExp(`^${body}$`, ignoreCase ? 'i' : '').test(value);
}

/** The statements of a policy JSON string; undefined when it is not literal JSON. */
export function statementsOf(json: unknown): Statement[] | undefined {
  if (typeof json !== 'string') return undefined;
  try {
    const doc = JSON.parse(json) as { Statement?: Statement | Statement[] };
    const s = doc.Statement;
    return s === undefined ? [] : Array.isArray(s) ? s : [s];
  } catch {
    return undefined;
  }
}

function statementMatches(s: Statement, action: string, resource: string): boolean {
  const actionOk = s.Action !== undefined
    ? list(s.Action).some((a) => iamPatternMatches(a, action, true))
    : s.NotAction !== undefined && !list(s.NotAction).some((a) => iamPatternMatches(a, action, true));
  const resourceOk = s.Resource !== undefined
    ? list(s.Resource).some((r) => iamPatternMatches(r, resource))
    : s.NotResource !== undefined && !list(s.NotResource).some((r) => iamPatternMatches(r, resource));
  return actionOk && resourceOk;
}

function allows(statements: readonly Statement[], action: string, resource: string): boolean {
  const applies = statements.filter((s) => statementMatches(s, action, resource));
  return applies.some((s) => s.Effect === 'Allow') && !applies.some((s) => s.Effect === 'Deny' && s.Condition === undefined);
}

/**
 * Whether the identity policies, within the boundary (when there is one), allow `action` on
 * `resource` (a resource pattern is read literally, so `arn:…:service/shop/*` asks about that
 * pattern as a whole).
 */
export function iamAllows(identity: readonly Statement[], boundary: readonly Statement[] | undefined, action: string, resource: string): boolean {
  return allows(identity, action, resource) && (boundary === undefined || allows(boundary, action, resource));
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
    const conditionValues = (suffix: string) => conditions.flatMap(([, byKey]) => Object.entries(byKey).filter(([k]) => k.endsWith(suffix)).flatMap(([, v]) => list(v)));
    for (const provider of list(principal['Federated'])) {
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
        if (iamPatternMatches(sub, username)) agentAdmitted = true;
        if (sub !== username) others.push(text);
      }
    }
    for (const service of list(principal['Service'])) {
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
    for (const arn of [...list(principal['AWS']), ...(s.Principal === '*' ? ['*'] : [])]) {
      assumableBy.push(`AWS ${arn}`);
      others.push(`AWS ${arn}`);
    }
  }
  return { assumableBy: sortedUnique(assumableBy), agentAdmitted, others: sortedUnique(others) };
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
  const arns = [
    ...stringList(role.config['managed_policy_arns']).map((arn) => ({ arn, where: role.where })),
    ...samestack('aws_iam_role_policy_attachment').filter((a) => index.designates(stack, a.config['role'], role, 'name')).map((a) => ({ arn: a.config['policy_arn'], where: a.where })),
    ...samestack('aws_iam_policy_attachment').filter((a) => stringList(a.config['roles']).some((r) => index.designates(stack, r, role, 'name'))).map((a) => ({ arn: a.config['policy_arn'], where: a.where })),
  ];
  for (const { arn, where } of arns) out.push(managedPolicy(index, stack, arn, where));
  return out;
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
    });
  }
  return out;
}

/** The actions an action pattern stands for, with their access levels (`Unknown` when not in the reference). */
export function expandAction(pattern: string): Array<{ action: string; level: string }> {
  if (/[*?]/.test(pattern)) {
    const found = iamActionsMatching(pattern);
    return found.length > 0 ? found.map((i) => ({ action: i.action, level: i.accessLevels.join(', ') })) : [{ action: pattern, level: 'Unknown' }];
  }
  const info = iamAction(pattern);
  return [{ action: info?.action ?? pattern, level: info ? info.accessLevels.join(', ') : 'Unknown' }];
}

/**
 * Allowed (action, resource) pairs of a role: every action its identity policies name, on every
 * resource the identity or boundary statements name for it, kept when the pair is allowed and
 * not already covered by a wider allowed resource.
 */
export function allowedActions(grant: AwsRoleGrant): Array<{ action: string; level: string; resource: string }> {
  const identity = grant.policies.flatMap((p) => p.statements ?? []);
  const boundary = grant.boundary ?? undefined;
  const out: Array<{ action: string; level: string; resource: string }> = [];
  const seen = new Set<string>();
  for (const s of identity.filter((st) => st.Effect === 'Allow')) {
    for (const { action, level } of list(s.Action).flatMap(expandAction)) {
      if (seen.has(action)) continue;
      seen.add(action);
      const related = [...identity, ...(boundary ?? [])].filter((st) => list(st.Action).some((a) => iamPatternMatches(a, action, true)));
      const candidates = sortedUnique(related.flatMap((st) => list(st.Resource)));
      const ok = candidates.filter((r) => iamAllows(identity, boundary, action, r));
      for (const r of ok.filter((r) => !ok.some((o) => o !== r && iamPatternMatches(o, r)))) out.push({ action, level, resource: r });
    }
  }
  return out;
}

function roleAccess(grant: AwsRoleGrant): AwsRoleAccess {
  const allowed = allowedActions(grant);
  const byLevel = new Map<string, Map<string, Set<string>>>();
  for (const a of allowed) {
    const actions = byLevel.get(a.level) ?? new Map<string, Set<string>>();
    byLevel.set(a.level, actions);
    actions.set(a.action, (actions.get(a.action) ?? new Set()).add(a.resource));
  }
  const dangerous: DangerFlag[] = [];
  for (const action of sortedUnique(allowed.map((a) => a.action))) {
    for (const d of awsDangers([action])) dangerous.push({ grant: action, id: d.id, why: d.why });
  }
  const unresolved = grant.policies.filter((p) => !p.statements).map((p) => p.name);
  if (grant.boundary === null) unresolved.push(`boundary ${grant.boundaryName}`);
  return {
    assumableBy: grant.assumableBy,
    permissionsBoundary: grant.boundaryName,
    maxSessionDurationSeconds: grant.maxSessionDurationSeconds,
    actions: sortedRecord([...byLevel].map(([level, actions]) => [level, sortedRecord([...actions].map(([a, r]) => [a, sortedUnique(r)] as const))] as const)),
    dangerous,
    unresolved: sortedUnique(unresolved),
  };
}

/** The AWS part of the access model. */
export function awsAccess(index: TerraformIndex, agent: AgentRef): AwsAccessModel {
  return { roles: sortedRecord(awsRoleGrants(index, agent).map((g) => [g.name, roleAccess(g)] as const)) };
}
