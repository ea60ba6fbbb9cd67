/**
 * Kubernetes RBAC evaluation, written from the upstream semantics of
 * kubernetes/kubernetes `pkg/apis/rbac/v1/evaluation_helpers.go`,
 * `plugin/pkg/auth/authorizer/rbac/rbac.go` and `pkg/apis/rbac/validation/policy_comparator.go`
 * (no code copied). Verbs, groups and resources compare case-sensitively, as upstream does.
 */

/** An RBAC PolicyRule as it appears in a Role or ClusterRole. */
export interface PolicyRule {
  readonly verbs: readonly string[];
  readonly apiGroups?: readonly string[];
  readonly resources?: readonly string[];
  readonly resourceNames?: readonly string[];
  readonly nonResourceURLs?: readonly string[];
}

/** A resource request as the authorizer sees it. */
export interface ResourceRequest {
  readonly verb: string;
  /** `''` for the core group. */
  readonly apiGroup: string;
  readonly resource: string;
  readonly subresource?: string;
  readonly name?: string;
  /** Namespace of the object; `''` or undefined for cluster-scoped requests. */
  readonly namespace?: string;
}

/** A request for a non-resource URL such as `/healthz`. */
export interface NonResourceRequest {
  readonly verb: string;
  readonly path: string;
}

/** The authenticated user a request comes from. */
export interface UserInfo {
  readonly username: string;
  readonly groups: readonly string[];
}

/** A binding subject. */
export interface Subject {
  readonly kind: string;
  readonly name: string;
  readonly namespace?: string;
  readonly apiGroup?: string;
}

/** `verbs` contains the verb or `*`. */
export function verbMatches(rule: PolicyRule, verb: string): boolean {
  return rule.verbs.some((v) => v === '*' || v === verb);
}

/** `apiGroups` contains the group or `*`. */
export function apiGroupMatches(rule: PolicyRule, group: string): boolean {
  return (rule.apiGroups ?? []).some((g) => g === '*' || g === group);
}

/**
 * `resources` matches `resource[/subresource]`: `*` matches everything including subresources,
 * `*\/sub` matches that subresource of any resource; `pods/*` is not a wildcard.
 */
export function resourceMatches(rule: PolicyRule, resource: string, subresource = ''): boolean {
  const combined = subresource ? `${resource}/${subresource}` : resource;
  return (rule.resources ?? []).some((r) => {
    if (r === '*' || r === combined) return true;
    if (!subresource) return false;
    return r.length === subresource.length + 2 && r.startsWith('*/') && r.endsWith(subresource);
  });
}

/** No resourceNames matches every name; otherwise the requested name must be listed. */
export function resourceNameMatches(rule: PolicyRule, name = ''): boolean {
  const names = rule.resourceNames ?? [];
  if (names.length === 0) return true;
  return names.includes(name);
}

/** `nonResourceURLs` contains `*`, the path, or a `prefix*` the path starts with. */
export function nonResourceURLMatches(rule: PolicyRule, path: string): boolean {
  return (rule.nonResourceURLs ?? []).some(
    (u) => u === '*' || u === path || (u.endsWith('*') && path.startsWith(u.replace(/\*+$/, ''))),
  );
}

/** Whether one rule allows a resource request. */
export function ruleAllows(rule: PolicyRule, req: ResourceRequest): boolean {
  return (
    verbMatches(rule, req.verb) &&
    apiGroupMatches(rule, req.apiGroup) &&
    resourceMatches(rule, req.resource, req.subresource) &&
    resourceNameMatches(rule, req.name)
  );
}

/** Whether one rule allows a non-resource request. */
export function ruleAllowsNonResource(rule: PolicyRule, req: NonResourceRequest): boolean {
  return verbMatches(rule, req.verb) && nonResourceURLMatches(rule, req.path);
}

/** `system:serviceaccount:NS:NAME`. */
export function serviceAccountUser(namespace: string, name: string): UserInfo {
  return {
    username: `system:serviceaccount:${namespace}:${name}`,
    groups: ['system:serviceaccounts', `system:serviceaccounts:${namespace}`, 'system:authenticated'],
  };
}

/**
 * Whether a subject names the user. A ServiceAccount subject without a namespace takes the
 * namespace of the RoleBinding it appears in (`bindingNamespace`); in a ClusterRoleBinding it
 * matches nothing.
 */
export function subjectMatches(subject: Subject, user: UserInfo, bindingNamespace = ''): boolean {
  switch (subject.kind) {
    case 'User':
      return subject.name === user.username;
    case 'Group':
      return user.groups.includes(subject.name);
    case 'ServiceAccount': {
      const ns = subject.namespace || bindingNamespace;
      if (!ns) return false;
      return user.username === `system:serviceaccount:${ns}:${subject.name}`;
    }
    default:
      return false;
  }
}

/**
 * Splits a rule into simple rules of one verb and one apiGroup/resource/name (or one verb and one
 * non-resource URL), so coverage can be checked piece by piece. Unlike upstream's breakdown, names
 * are split too: a rule on names `a` and `b` is covered by one rule naming `a` and another naming `b`.
 */
export function breakdownRule(rule: PolicyRule): PolicyRule[] {
  const out: PolicyRule[] = [];
  const names = rule.resourceNames ?? [];
  for (const group of rule.apiGroups ?? []) {
    for (const resource of rule.resources ?? []) {
      for (const verb of rule.verbs) {
        if (names.length === 0) out.push({ verbs: [verb], apiGroups: [group], resources: [resource] });
        for (const name of names) out.push({ verbs: [verb], apiGroups: [group], resources: [resource], resourceNames: [name] });
      }
    }
  }
  for (const url of rule.nonResourceURLs ?? []) {
    for (const verb of rule.verbs) out.push({ verbs: [verb], nonResourceURLs: [url] });
  }
  return out;
}

function hasAll(owner: readonly string[] | undefined, wanted: readonly string[] | undefined): boolean {
  return (wanted ?? []).every((w) => (owner ?? []).includes(w));
}

function resourcesCovered(owner: readonly string[] | undefined, wanted: readonly string[] | undefined): boolean {
  const own = owner ?? [];
  if (own.includes('*')) return true;
  return (wanted ?? []).every((w) => {
    if (own.includes(w)) return true;
    const slash = w.indexOf('/');
    return slash !== -1 && own.includes(`*/${w.slice(slash + 1)}`);
  });
}

function urlsCovered(owner: readonly string[] | undefined, wanted: readonly string[] | undefined): boolean {
  return (wanted ?? []).every((w) => nonResourceURLMatches({ verbs: [], nonResourceURLs: owner ?? [] }, w));
}

/**
 * Whether `owner` covers the simple rule `sub` (one produced by breakdownRule): a `*` in the
 * owner covers any value, an enumeration never covers a `*`, an owner without resourceNames
 * covers any names, and `*\/sub` covers that subresource of every resource.
 */
export function ruleCovers(owner: PolicyRule, sub: PolicyRule): boolean {
  const verbs = owner.verbs.includes('*') || hasAll(owner.verbs, sub.verbs);
  const groups = (owner.apiGroups ?? []).includes('*') || hasAll(owner.apiGroups, sub.apiGroups);
  const names = (owner.resourceNames ?? []).length === 0 || ((sub.resourceNames ?? []).length > 0 && hasAll(owner.resourceNames, sub.resourceNames));
  return verbs && groups && names && resourcesCovered(owner.resources, sub.resources) && urlsCovered(owner.nonResourceURLs, sub.nonResourceURLs);
}

/**
 * Whether the `owner` rules together cover every permission of the `servant` rules, and the
 * simple rules they miss (the check the API server makes against privilege escalation).
 */
export function covers(owner: readonly PolicyRule[], servant: readonly PolicyRule[]): { covered: boolean; uncovered: PolicyRule[] } {
  const uncovered = servant.flatMap(breakdownRule).filter((sub) => !owner.some((o) => ruleCovers(o, sub)));
  return { covered: uncovered.length === 0, uncovered };
}
