/**
 * Which requests a policy's matchConstraints (or a binding's matchResources) select, as
 * staging/src/k8s.io/apiserver/pkg/admission/plugin/policy/matching/matching.go:74-194 decides it,
 * with the rule matcher of webhook/predicates/rules/rules.go:35-117 and the selectors of
 * predicates/namespace/matcher.go:68-136 and predicates/object/matcher.go:37-61.
 */

/** Group, version and plural resource of a request. */
export interface GroupVersionResource {
  readonly group: string;
  readonly version: string;
  readonly resource: string;
}

/** Group, version and kind of a request's object. */
export interface GroupVersionKind {
  readonly group: string;
  readonly version: string;
  readonly kind: string;
}

/** A Kubernetes label selector. */
export interface LabelSelector {
  readonly matchLabels?: Readonly<Record<string, string>>;
  readonly matchExpressions?: readonly { readonly key: string; readonly operator: string; readonly values?: readonly string[] }[];
}

/** A rule of resourceRules or excludeResourceRules. */
export interface NamedRule {
  readonly apiGroups?: readonly string[];
  readonly apiVersions?: readonly string[];
  readonly resources?: readonly string[];
  readonly operations?: readonly string[];
  readonly scope?: string;
  readonly resourceNames?: readonly string[];
}

/** matchConstraints or matchResources, after API defaulting. */
export interface MatchResources {
  readonly resourceRules?: readonly NamedRule[];
  readonly excludeResourceRules?: readonly NamedRule[];
  readonly namespaceSelector?: LabelSelector;
  readonly objectSelector?: LabelSelector;
  readonly matchPolicy?: 'Exact' | 'Equivalent';
}

/** The request attributes matching reads. */
export interface MatchAttributes {
  readonly operation: string;
  readonly resource: GroupVersionResource;
  readonly subResource: string;
  readonly kind: GroupVersionKind;
  readonly namespace: string;
  readonly name: string;
  readonly object: unknown;
  readonly oldObject: unknown;
  /** Other group/versions serving the same resource, for matchPolicy Equivalent. */
  readonly equivalents: readonly { readonly resource: GroupVersionResource; readonly kind: GroupVersionKind }[];
}

/** A label selector match that the API server could not evaluate, e.g. an unknown namespace. */
export class MatchError extends Error {}

/** The outcome of matching: the resource and kind the request matched as, when it matched. */
export type MatchOutcome =
  | { readonly matches: false }
  | { readonly matches: true; readonly resource: GroupVersionResource; readonly kind: GroupVersionKind };

const NAMESPACES: GroupVersionResource = { group: '', version: 'v1', resource: 'namespaces' };

const sameGvr = (a: GroupVersionResource, b: GroupVersionResource): boolean =>
  a.group === b.group && a.version === b.version && a.resource === b.resource;

const exactOrWildcard = (items: readonly string[] | undefined, requested: string): boolean =>
  (items ?? []).some((item) => item === '*' || item === requested);

function scopeMatches(scope: string | undefined, attr: MatchAttributes, resource: GroupVersionResource): boolean {
  if (scope === undefined || scope === '*') return true;
  if (scope === 'Namespaced') return !sameGvr(resource, NAMESPACES) && attr.namespace !== '';
  if (scope === 'Cluster') return sameGvr(resource, NAMESPACES) || attr.namespace === '';
  return false;
}

/** rules.go Matcher.Matches for one rule, against `resource` (the request's, or an equivalent). */
export function ruleMatches(rule: NamedRule, attr: MatchAttributes, resource: GroupVersionResource = attr.resource): boolean {
  const resourceMatches = (rule.resources ?? []).some((entry) => {
    const slash = entry.indexOf('/');
    const res = slash < 0 ? entry : entry.slice(0, slash);
    const sub = slash < 0 ? '' : entry.slice(slash + 1);
    return (res === '*' || res === resource.resource) && (sub === '*' || sub === attr.subResource);
  });
  return (
    scopeMatches(rule.scope, attr, resource) &&
    (rule.operations ?? []).some((op) => op === '*' || op === attr.operation) &&
    exactOrWildcard(rule.apiGroups, resource.group) &&
    exactOrWildcard(rule.apiVersions, resource.version) &&
    resourceMatches
  );
}

const nameMatches = (rule: NamedRule, attr: MatchAttributes): boolean =>
  (rule.resourceNames ?? []).length === 0 || (rule.resourceNames ?? []).includes(attr.name);

/** matching.go matchesResourceRules: exact rules first, then equivalent resources unless Exact. */
function matchesRules(rules: readonly NamedRule[], matchPolicy: string | undefined, attr: MatchAttributes): MatchOutcome {
  for (const rule of rules) {
    if (ruleMatches(rule, attr) && nameMatches(rule, attr)) return { matches: true, resource: attr.resource, kind: attr.kind };
  }
  if (matchPolicy === undefined || matchPolicy === 'Exact') return { matches: false };
  for (const rule of rules) {
    for (const eq of attr.equivalents) {
      if (sameGvr(eq.resource, attr.resource)) continue;
      if (ruleMatches(rule, attr, eq.resource) && nameMatches(rule, attr)) return { matches: true, resource: eq.resource, kind: eq.kind };
    }
  }
  return { matches: false };
}

/** metav1.LabelSelectorAsSelector(...).Matches(labels); a missing selector selects nothing. */
export function selectorMatches(selector: LabelSelector | undefined, labels: Readonly<Record<string, string>>): boolean {
  if (selector === undefined) return false;
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) {
    if (labels[key] !== value) return false;
  }
  for (const req of selector.matchExpressions ?? []) {
    const values = req.values ?? [];
    const has = Object.prototype.hasOwnProperty.call(labels, req.key);
    switch (req.operator) {
      case 'In':
        if (!has || !values.includes(labels[req.key]!)) return false;
        break;
      case 'NotIn':
        if (has && values.includes(labels[req.key]!)) return false;
        break;
      case 'Exists':
        if (!has) return false;
        break;
      case 'DoesNotExist':
        if (has) return false;
        break;
      default:
        throw new MatchError(`"${req.operator}" is not a valid label selector operator`);
    }
  }
  return true;
}

const isEmpty = (selector: LabelSelector | undefined): boolean =>
  selector !== undefined && Object.keys(selector.matchLabels ?? {}).length === 0 && (selector.matchExpressions ?? []).length === 0;

function labelsOf(object: unknown): Readonly<Record<string, string>> | undefined {
  if (typeof object !== 'object' || object === null) return undefined;
  const metadata = (object as { metadata?: unknown }).metadata;
  if (typeof metadata !== 'object' || metadata === null) return undefined;
  return ((metadata as { labels?: Record<string, string> }).labels ?? {}) as Readonly<Record<string, string>>;
}

/** The labels of the request's namespace (namespace/matcher.go GetNamespaceLabels). */
export type NamespaceLabels = (name: string) => Readonly<Record<string, string>> | undefined;

function namespaceSelectorMatches(
  selector: LabelSelector | undefined,
  attr: MatchAttributes,
  namespaceLabels: NamespaceLabels,
): boolean {
  if (attr.namespace === '' && attr.resource.resource !== 'namespaces') return true;
  if (isEmpty(selector)) return true;
  let labels: Readonly<Record<string, string>> | undefined;
  if (attr.resource.resource === 'namespaces' && attr.subResource === '' && (attr.operation === 'CREATE' || attr.operation === 'UPDATE')) {
    labels = labelsOf(attr.object) ?? {};
  } else {
    labels = namespaceLabels(attr.namespace);
    if (labels === undefined) throw new MatchError(`namespaces "${attr.namespace}" not found`);
  }
  return selectorMatches(selector, labels);
}

function objectSelectorMatches(selector: LabelSelector | undefined, attr: MatchAttributes): boolean {
  if (isEmpty(selector)) return true;
  const matchObject = (obj: unknown): boolean => {
    const labels = labelsOf(obj);
    return labels !== undefined && selectorMatches(selector, labels);
  };
  return matchObject(attr.object) || matchObject(attr.oldObject);
}

/**
 * matching.go Matches: namespace selector, object selector, excludeResourceRules, resourceRules
 * (none means every resource). A selector error counts only when the rules select the request.
 */
export function matches(criteria: MatchResources, attr: MatchAttributes, namespaceLabels: NamespaceLabels): MatchOutcome {
  let selectorError: MatchError | undefined;
  const attempt = (test: () => boolean): boolean => {
    try {
      return test();
    } catch (err) {
      if (!(err instanceof MatchError)) throw err;
      selectorError ??= err;
      return true;
    }
  };
  if (!attempt(() => namespaceSelectorMatches(criteria.namespaceSelector, attr, namespaceLabels))) return { matches: false };
  if (!attempt(() => objectSelectorMatches(criteria.objectSelector, attr))) return { matches: false };
  if (matchesRules(criteria.excludeResourceRules ?? [], criteria.matchPolicy, attr).matches) return { matches: false };
  const rules = criteria.resourceRules ?? [];
  const outcome = rules.length === 0 ? { matches: true as const, resource: attr.resource, kind: attr.kind } : matchesRules(rules, criteria.matchPolicy, attr);
  if (!outcome.matches) return outcome;
  if (selectorError) throw selectorError;
  return outcome;
}
