/**
 * The CEL of the writes policy in phases 3 and 4: which declared write a request is (matching
 * its resource, subresource, operation, namespace and name, and the action's check of `object`
 * against `oldObject`), and in phase 3 the approval key it must find.
 */
import { actionChanges, actionOperation, actionSubresource, actionText } from '../definition/actions';
import { kindKey } from '../definition/kinds';
import { all, celList, celString, equalExcept, hasLabels, reLiteral } from './cel';
import type { DeclaredWrite } from './writes';
import type { Phase } from '../phase/table';

/** Input of the writes policy, as its annotation holds it. */
export interface WritesPolicyInput {
  readonly agent: { readonly name: string; readonly namespace: string };
  readonly phase: Phase;
  /** The approval epoch of the phase entry (`approvalEpoch(since)`). */
  readonly epoch: string;
  readonly writes: readonly DeclaredWrite[];
}

/** Name a declared write goes by in approval keys: the action, or `write` for a raw rule. */
export function writeNameOf(w: DeclaredWrite): string {
  return w.write === 'action' ? w.action.action : 'write';
}

/** `restart apps/deployments "checkout" in shop`, or `patch, update apps/deployments … (any change)` for a raw rule. */
export function writeText(w: DeclaredWrite): string {
  if (w.write === 'action') return actionText(w.action, w.kind);
  const { rule } = w;
  const names = rule.resourceNames ? ` ${rule.resourceNames.map((n) => `"${n}"`).join(', ')}` : '';
  const kinds = rule.apiGroups.flatMap((g) => rule.resources.map((r) => kindKey(g, r))).join(', ');
  return `${rule.verbs.join(', ')} ${kinds}${names} in ${rule.namespaces.join(', ')} (any change)`;
}

/** Subresources whose requests are CONNECT (a get or create through them opens a stream). */
const CONNECT_SUBRESOURCES = new Set(['exec', 'attach', 'portforward', 'proxy']);

/** The admission operations a raw rule's verbs arrive as. */
function operationsOf(verbs: readonly string[], resources: readonly string[]): string[] {
  const ops = new Set<string>();
  for (const v of verbs) {
    if (v === 'create') ops.add('CREATE');
    if (v === 'update' || v === 'patch') ops.add('UPDATE');
    if (v === 'delete' || v === 'deletecollection') ops.add('DELETE');
  }
  if (resources.some((r) => CONNECT_SUBRESOURCES.has(r.split('/')[1] ?? ''))) ops.add('CONNECT');
  return [...ops].sort();
}

const SUBRESOURCE = "(has(request.subResource) ? request.subResource : '')";
const NAMESPACE = "(has(request.namespace) ? request.namespace : '')";
const NAME = "(has(request.name) ? request.name : '')";

/** The request names one of `resources` (`deployments`, `deployments/scale`) in one of `groups`. */
function resourceMatch(groups: readonly string[], resources: readonly string[]): string {
  const pairs = resources.map((r) => {
    const [resource, sub = ''] = r.split('/');
    return `(request.resource.resource == ${celString(resource!)} && ${SUBRESOURCE} == ${celString(sub)})`;
  });
  return all([`request.resource.group in ${celList(groups)}`, pairs.length === 1 ? pairs[0]! : pairs.join(' || ')]);
}

function targetMatch(namespaces: readonly string[], names: readonly string[] | undefined): string {
  return all([`${NAMESPACE} in ${celList(namespaces)}`, names ? `${NAME} in ${celList(names)}` : 'true']);
}

/** RE2 for an image of one of `repositories`, with an optional tag and an optional sha256 digest. */
function imagePattern(repositories: readonly string[]): string {
  return `^(${repositories.map(reLiteral).join('|')})(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(@sha256:[0-9a-f]{64})?$`;
}

/** What must hold of `object`/`oldObject` for the request to be this write. */
function check(w: DeclaredWrite): string {
  if (w.write === 'raw') return 'true';
  const { action, kind } = w;
  switch (action.action) {
    case 'scale': {
      const replicas = '(has(object.spec.replicas) ? object.spec.replicas : 0)';
      return all([
        `${replicas} >= ${action.minReplicas ?? 0}`,
        action.maxReplicas !== undefined ? `${replicas} <= ${action.maxReplicas}` : 'true',
      ]);
    }
    case 'delete-pod':
      return hasLabels('oldObject', action.podLabels ?? {});
    case 'set-image': {
      const template = kind.podTemplate ? `.${kind.podTemplate}` : '';
      const images = `object${template}.spec.containers.all(c, !(c.name in ${celList(action.containers)}) || c.image.matches(${celString(imagePattern(action.repositories))}))`;
      return all([equalExcept('object', 'oldObject', actionChanges(action, kind)!), images]);
    }
    case 'restart':
    case 'patch-fields':
      return equalExcept('object', 'oldObject', actionChanges(action, kind)!);
  }
}

/** Whether the request is this declared write. */
export function writePredicate(w: DeclaredWrite): string {
  if (w.write === 'raw') {
    const { rule } = w;
    const ops = operationsOf(rule.verbs, rule.resources);
    return all([`request.operation in ${celList(ops)}`, resourceMatch(rule.apiGroups, rule.resources), targetMatch(rule.namespaces, rule.resourceNames)]);
  }
  const { action, kind } = w;
  const sub = actionSubresource(action);
  return all([
    `request.operation == ${celString(actionOperation(action))}`,
    resourceMatch([kind.apiGroup], [sub ? `${kind.resource}/${sub}` : kind.resource]),
    targetMatch(action.namespaces, action.names),
    check(w),
  ]);
}

/** `variables.action`: the name of the first declared write the request is, or `''`. */
export function writeName(writes: readonly DeclaredWrite[]): string {
  let expr = "''";
  for (const w of [...writes].reverse()) expr = `(${writePredicate(w)}) ? ${celString(writeNameOf(w))} : ${expr}`;
  return expr;
}

/**
 * `variables.approvalKey`: `<epoch>_<action>_<group|core>_<resource>[.<sub>]_<namespace>_<name>_<resourceVersion>`,
 * as `kubernetesApprovalKey` builds it. The resourceVersion is the object's before the write
 * (`oldObject`), `-` when there is none (a create or CONNECT, which no approval names).
 */
export function approvalKeyExpression(epoch: string): string {
  return [
    celString(`${epoch}_`),
    'variables.action',
    "'_'",
    "(request.resource.group == '' ? 'core' : request.resource.group)",
    "'_'",
    'request.resource.resource',
    "(has(request.subResource) ? '.' + request.subResource : '')",
    "'_'",
    NAMESPACE,
    "'_'",
    NAME,
    "'_'",
    "(oldObject != null && has(oldObject.metadata.resourceVersion) ? oldObject.metadata.resourceVersion : '-')",
  ].join(' + ');
}

/** A resource rule of admission's match constraints. */
export interface NamedRule {
  readonly apiGroups: string[];
  readonly apiVersions: string[];
  readonly resources: string[];
  readonly operations: string[];
  readonly scope: string;
  readonly resourceNames?: string[];
}

/**
 * The requests the writes of `writes` can be: their groups, resources (with subresource),
 * operations and names. The approval policy matches only these, so its parameter (the approvals
 * ConfigMap, resolved before match conditions) can hold up nothing else in the cluster.
 */
export function writeRules(writes: readonly DeclaredWrite[]): NamedRule[] {
  return writes.map((w): NamedRule => {
    if (w.write === 'raw') {
      const { rule } = w;
      return { apiGroups: [...rule.apiGroups], apiVersions: ['*'], resources: [...rule.resources], operations: operationsOf(rule.verbs, rule.resources), scope: 'Namespaced', ...(rule.resourceNames ? { resourceNames: [...rule.resourceNames] } : {}) };
    }
    const sub = actionSubresource(w.action);
    return {
      apiGroups: [w.kind.apiGroup], apiVersions: ['*'], resources: [sub ? `${w.kind.resource}/${sub}` : w.kind.resource], operations: [actionOperation(w.action)], scope: 'Namespaced',
      ...(w.action.names ? { resourceNames: [...w.action.names] } : {}),
    };
  });
}

/** The namespaces the writes apply in, sorted. */
export function writeNamespaces(writes: readonly DeclaredWrite[]): string[] {
  return [...new Set(writes.flatMap((w) => (w.write === 'raw' ? w.rule.namespaces : w.action.namespaces)))].sort();
}

/** The approvals ConfigMap (`params`) holds the request's key. */
export function approvalPredicate(): string {
  return 'params != null && has(params.data) && variables.approvalKey in params.data';
}
