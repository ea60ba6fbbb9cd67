/**
 * The one IAM evaluator of the library, for identity policies and a permissions boundary, from
 * the AWS policy evaluation logic: an explicit Deny anywhere wins; otherwise an identity Allow is
 * needed and, when a boundary is set, a boundary Allow too. Supports Action/NotAction,
 * Resource/NotResource, `*` and `?` wildcards, case-insensitive actions and case-sensitive
 * resources. The access report, the guard and the testing helpers all decide IAM access here.
 *
 * Conditions are not evaluated, and policy variables (`${aws:username}`) are matched literally.
 * Conditions are read conservatively instead: an Allow with a Condition counts as allowing (the
 * condition may hold) and a Deny with a Condition does not count as denying (it may not hold).
 * So the result never understates what may be allowed: `allow` means "may be allowed", exact
 * for statements without conditions; `explicit-deny` means an unconditional Deny applies.
 */
import { compare } from '../../order';
import { wildcardMatches } from '../../aws/wildcard';
import { iamActionsFor } from '../../aws/catalog';
import type { IamStatement, OneOrMany, PolicyDocument } from '../../aws/policy';
import { TrustError } from '../../errors';
import type { IamAccessLevel } from '../../phase/table';

/** The policies of a principal. */
export interface IamPolicies {
  readonly identity: readonly PolicyDocument[];
  /** @default no boundary (the identity policies alone decide) */
  readonly boundary?: PolicyDocument;
}

/** One request. */
export interface IamRequest {
  /** `service:Action`. */
  readonly action: string;
  /**
   * The resource ARN, or `*` for actions without a resource. A pattern is read literally, so
   * `arn:…:service/shop/*` asks about that pattern as a whole.
   */
  readonly resource: string;
}

/**
 * The outcome of an evaluation: `allow` when the request may be allowed (an Allow applies,
 * possibly under a condition, and no unconditional Deny does), `explicit-deny` when an
 * unconditional Deny applies, otherwise `implicit-deny`.
 */
export type IamDecision = 'allow' | 'implicit-deny' | 'explicit-deny';

/**
 * The strings of a policy field that takes one string or a list of them (`Action`, `Resource`, a
 * principal, a condition value); values of other types (from hand-written JSON) are ignored.
 */
export function oneOrMany(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

/** The statements of a policy document (one, a list, or none). */
export function policyStatements(doc: PolicyDocument): readonly IamStatement[] {
  const s = doc.Statement as OneOrMany<IamStatement> | undefined;
  if (s === undefined) return [];
  return Array.isArray(s) ? s : [s as IamStatement];
}

export { wildcardMatches };

function checkStatement(s: IamStatement): void {
  if (s.Effect !== 'Allow' && s.Effect !== 'Deny') throw new TrustError('GT_POLICY_INVALID', `statement ${s.Sid ?? ''} has Effect ${JSON.stringify(s.Effect)}; use Allow or Deny`);
  if ((s.Action === undefined) === (s.NotAction === undefined)) throw new TrustError('GT_POLICY_INVALID', `statement ${s.Sid ?? ''} needs exactly one of Action and NotAction`);
  if ((s.Resource === undefined) === (s.NotResource === undefined)) throw new TrustError('GT_POLICY_INVALID', `statement ${s.Sid ?? ''} needs exactly one of Resource and NotResource`);
}

/** True when the statement has a Condition block with at least one operator (an empty block is no condition). */
function hasCondition(s: IamStatement): boolean {
  return s.Condition !== undefined && Object.keys(s.Condition).length > 0;
}

/**
 * True when a statement applies to the request by its action and resource, ignoring its effect
 * and its Condition. Throws `GT_POLICY_INVALID` on a statement IAM would reject.
 */
export function statementMatches(s: IamStatement, req: IamRequest): boolean {
  checkStatement(s);
  const actionHit = (patterns: readonly string[]) => patterns.some((p) => wildcardMatches(p, req.action, true));
  const resourceHit = (patterns: readonly string[]) => patterns.some((p) => wildcardMatches(p, req.resource));
  const action = s.Action !== undefined ? actionHit(oneOrMany(s.Action)) : !actionHit(oneOrMany(s.NotAction));
  const resource = s.Resource !== undefined ? resourceHit(oneOrMany(s.Resource)) : !resourceHit(oneOrMany(s.NotResource));
  return action && resource;
}

function decide(docs: readonly PolicyDocument[], req: IamRequest): { deny: boolean; allow: boolean } {
  let deny = false;
  let allow = false;
  for (const doc of docs) {
    for (const s of policyStatements(doc)) {
      if (!statementMatches(s, req)) continue;
      if (s.Effect === 'Allow') allow = true;
      else if (!hasCondition(s)) deny = true;
    }
  }
  return { deny, allow };
}

/**
 * Evaluates one request: `explicit-deny` when an unconditional Deny in the identity policies or
 * the boundary matches, `allow` (may be allowed) when an identity Allow matches and (with a
 * boundary) a boundary Allow matches, conditions or not, otherwise `implicit-deny`.
 * @example
 * evaluateIam({ identity: [policy], boundary }, { action: 'ecs:UpdateService', resource: serviceArn });
 */
export function evaluateIam(policies: IamPolicies, req: IamRequest): IamDecision {
  const identity = decide(policies.identity, req);
  const boundary = policies.boundary ? decide([policies.boundary], req) : { deny: false, allow: true };
  if (identity.deny || boundary.deny) return 'explicit-deny';
  return identity.allow && boundary.allow ? 'allow' : 'implicit-deny';
}

/** An action an action pattern stands for. */
export interface ExpandedAction {
  /** `service:Action` with the IAM reference's casing, or the pattern itself when the reference does not know it. */
  readonly action: string;
  /** Access levels from the IAM reference; empty when it does not know the action. */
  readonly accessLevels: readonly IamAccessLevel[];
}

/**
 * The actions an action pattern stands for, from the AWS Service Authorization Reference (via
 * the bundled IAM data): every action a wildcard matches, or the one action named. A pattern the
 * reference knows nothing about stands for itself, with no access level.
 */
export function expandActionPattern(pattern: string): ExpandedAction[] {
  const known = iamActionsFor(pattern);
  return known.length > 0 ? known : [{ action: pattern, accessLevels: [] }];
}

/** An action the policies may allow, on a resource (a pattern standing for what it matches). */
export interface AllowedAction extends ExpandedAction {
  readonly resource: string;
}

/** Every Resource and NotResource pattern the policies name, and `*`. */
function candidateResources(policies: IamPolicies): string[] {
  const docs = [...policies.identity, ...(policies.boundary ? [policies.boundary] : [])];
  const named = docs.flatMap((doc) => policyStatements(doc).flatMap((s) => [...oneOrMany(s.Resource), ...oneOrMany(s.NotResource)]));
  return [...new Set(['*', ...named])].sort();
}

/**
 * Every (action, resource) pair the policies may allow. Actions are those the identity Allow
 * statements name in Action, wildcards expanded (Allow statements with NotAction name none, so
 * they add nothing here: check them on their own). Resources are `*` and every pattern the
 * policies name, each read literally; a pair is kept when it may be allowed and no other kept
 * resource of the action already covers it.
 * @param resource check only this resource instead
 */
export function allowedActionResources(policies: IamPolicies, resource?: string): AllowedAction[] {
  const actions = new Map<string, ExpandedAction>();
  for (const doc of policies.identity) {
    for (const s of policyStatements(doc)) {
      if (s.Effect !== 'Allow') continue;
      for (const a of oneOrMany(s.Action).flatMap(expandActionPattern)) if (!actions.has(a.action.toLowerCase())) actions.set(a.action.toLowerCase(), a);
    }
  }
  const candidates = resource !== undefined ? [resource] : candidateResources(policies);
  return [...actions.values()].flatMap((a) => {
    const ok = candidates.filter((r) => evaluateIam(policies, { action: a.action, resource: r }) === 'allow');
    // Of two patterns that match each other (`*`, `**`), the first one covers the other.
    const covered = (r: string) => ok.some((o) => o !== r && wildcardMatches(o, r) && (!wildcardMatches(r, o) || o < r));
    return ok.filter((r) => !covered(r)).map((r) => ({ ...a, resource: r }));
  });
}

/** Actions allowed, by IAM access level; an action with two levels appears under both. */
export type ActionsByAccessLevel = Record<IamAccessLevel, string[]>;

/**
 * Every action the policies may allow on at least one resource, grouped by the access level the
 * AWS Service Authorization Reference gives it (via the bundled IAM data); candidates are those
 * of {@link allowedActionResources}. Actions the reference does not know are skipped. Fails with
 * `GT_POLICY_INVALID` on an identity Allow with NotAction, whose actions cannot be enumerated.
 * @param resource check only this resource instead
 */
export function allowedActionsByAccessLevel(policies: IamPolicies, resource?: string): ActionsByAccessLevel {
  for (const doc of policies.identity) {
    for (const s of policyStatements(doc)) {
      if (s.Effect === 'Allow' && s.NotAction !== undefined) throw new TrustError('GT_POLICY_INVALID', `statement ${s.Sid ?? ''} allows NotAction; its actions cannot be enumerated from the policy`);
    }
  }
  const out: ActionsByAccessLevel = { Read: [], List: [], Write: [], 'Permissions management': [], Tagging: [] };
  const actions = new Map(allowedActionResources(policies, resource).map((a) => [a.action, a.accessLevels] as const));
  for (const [action, levels] of [...actions].sort(([a], [b]) => compare(a, b))) {
    for (const level of levels) out[level].push(action);
  }
  return out;
}
