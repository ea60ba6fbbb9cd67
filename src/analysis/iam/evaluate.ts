/**
 * A pure IAM evaluator for identity policies and a permissions boundary, from the AWS policy
 * evaluation logic: an explicit Deny anywhere wins; otherwise an identity Allow is needed and,
 * when a boundary is set, a boundary Allow too. Supports Action/NotAction, Resource/NotResource,
 * `*` and `?` wildcards, case-insensitive actions and case-sensitive resources. Conditions and
 * policy variables are not evaluated: a statement with a Condition is refused.
 */
import { iamAction, iamActionsMatching } from '../../aws/catalog';
import type { IamStatement, OneOrMany, PolicyDocument } from '../../aws/policy';
import { TrustError } from '../../errors';
import type { IamAccessLevel } from '../../phase/table';

/** The policies of a principal. */
export interface IamPolicies {
  readonly identity: readonly PolicyDocument[];
  readonly boundary?: PolicyDocument;
}

/** One request. */
export interface IamRequest {
  /** `service:Action`. */
  readonly action: string;
  /** The resource ARN, or `*` for actions without a resource. */
  readonly resource: string;
}

/** The outcome of an evaluation. */
export type IamDecision = 'allow' | 'implicit-deny' | 'explicit-deny';

function list(value: OneOrMany<string> | undefined): readonly string[] {
  if (value === undefined) return [];
  return typeof value === 'string' ? [value] : value;
}

function statements(doc: PolicyDocument): readonly IamStatement[] {
  const s = doc.Statement;
  return Array.isArray(s) ? s : [s as IamStatement];
}

/** True when `value` matches an IAM wildcard pattern (`*` any run, `?` one character). */
export function wildcardMatches(pattern: string, value: string, caseInsensitive = false): boolean {
  const p = caseInsensitive ? pattern.toLowerCase() : pattern;
  const v = caseInsensitive ? value.toLowerCase() : value;
  const re = new RegExp('^' + p.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.') + '$', 's');
  return re.test(v);
}

function checkStatement(s: IamStatement): void {
  if (s.Effect !== 'Allow' && s.Effect !== 'Deny') throw new TrustError('GT_POLICY_INVALID', `statement ${s.Sid ?? ''} has Effect ${JSON.stringify(s.Effect)}; use Allow or Deny`);
  if ((s.Action === undefined) === (s.NotAction === undefined)) throw new TrustError('GT_POLICY_INVALID', `statement ${s.Sid ?? ''} needs exactly one of Action and NotAction`);
  if ((s.Resource === undefined) === (s.NotResource === undefined)) throw new TrustError('GT_POLICY_INVALID', `statement ${s.Sid ?? ''} needs exactly one of Resource and NotResource`);
  if (s.Condition !== undefined) throw new TrustError('GT_POLICY_INVALID', `statement ${s.Sid ?? ''} has a Condition; this evaluator does not evaluate conditions`);
}

/** True when a statement applies to the request (ignoring its effect). */
export function statementMatches(s: IamStatement, req: IamRequest): boolean {
  checkStatement(s);
  const actionHit = (patterns: readonly string[]) => patterns.some((p) => wildcardMatches(p, req.action, true));
  const resourceHit = (patterns: readonly string[]) => patterns.some((p) => wildcardMatches(p, req.resource));
  const action = s.Action !== undefined ? actionHit(list(s.Action)) : !actionHit(list(s.NotAction));
  const resource = s.Resource !== undefined ? resourceHit(list(s.Resource)) : !resourceHit(list(s.NotResource));
  return action && resource;
}

function decide(docs: readonly PolicyDocument[], req: IamRequest): { deny: boolean; allow: boolean } {
  let deny = false;
  let allow = false;
  for (const doc of docs) {
    for (const s of statements(doc)) {
      if (!statementMatches(s, req)) continue;
      if (s.Effect === 'Deny') deny = true;
      else allow = true;
    }
  }
  return { deny, allow };
}

/**
 * Evaluates one request: `explicit-deny` when a Deny in the identity policies or the boundary
 * matches, `allow` when an identity Allow matches and (with a boundary) a boundary Allow
 * matches, otherwise `implicit-deny`.
 */
export function evaluateIam(policies: IamPolicies, req: IamRequest): IamDecision {
  const identity = decide(policies.identity, req);
  const boundary = policies.boundary ? decide([policies.boundary], req) : { deny: false, allow: true };
  if (identity.deny || boundary.deny) return 'explicit-deny';
  return identity.allow && boundary.allow ? 'allow' : 'implicit-deny';
}

/** Actions allowed, by IAM access level; an action with two levels appears under both. */
export type ActionsByAccessLevel = Record<IamAccessLevel, string[]>;

function candidateActions(docs: readonly PolicyDocument[]): string[] {
  const found = new Map<string, string>();
  for (const doc of docs) {
    for (const s of statements(doc)) {
      if (s.Effect !== 'Allow') continue;
      if (s.NotAction !== undefined) throw new TrustError('GT_POLICY_INVALID', `statement ${s.Sid ?? ''} allows NotAction; its actions cannot be enumerated from the policy`);
      for (const pattern of list(s.Action)) {
        const infos = /[*?]/.test(pattern) ? iamActionsMatching(pattern) : [iamAction(pattern)].filter((i) => i !== undefined);
        for (const info of infos) found.set(info.action.toLowerCase(), info.action);
      }
    }
  }
  return [...found.values()].sort();
}

function candidateResources(docs: readonly PolicyDocument[]): string[] {
  const found = new Set<string>();
  for (const doc of docs) for (const s of statements(doc)) if (s.Effect === 'Allow') for (const r of list(s.Resource)) found.add(r);
  return [...found].sort();
}

/**
 * Every action the policies allow on at least one resource, grouped by the access level the
 * AWS Service Authorization Reference gives it (via the bundled IAM data). Candidates are the
 * actions the identity Allow statements name (wildcards expanded) and the resources they name
 * (a resource pattern stands for the resources it matches). Unknown actions are skipped.
 * @param resource check only this resource instead
 */
export function allowedActionsByAccessLevel(policies: IamPolicies, resource?: string): ActionsByAccessLevel {
  const out: ActionsByAccessLevel = { Read: [], List: [], Write: [], 'Permissions management': [], Tagging: [] };
  const resources = resource !== undefined ? [resource] : candidateResources(policies.identity);
  for (const action of candidateActions(policies.identity)) {
    if (!resources.some((r) => evaluateIam(policies, { action, resource: r }) === 'allow')) continue;
    for (const level of iamAction(action)?.accessLevels ?? []) out[level].push(action);
  }
  return out;
}
