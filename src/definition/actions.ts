/**
 * What each Kubernetes action of the catalogue means, as data: the kind it writes, the narrowest
 * RBAC that lets it happen, the admission operation and subresource, and the tree of fields it
 * may change (everything outside the tree must stay equal to the previous version). The k8s
 * renderer turns this into RBAC and CEL; validation, the ceiling and the analysis read the same.
 */
import { kindKey, resolveKind, type KindInfo } from './kinds';
import type { AgentDefinition, KubernetesAction } from './types';

/** One step of a field path: a field name, or a key of a map such as labels or a ConfigMap's data. */
export type FieldSegment = { readonly field: string } | { readonly key: string };

/** A parsed field path, e.g. `metadata.labels["tier"]` → `[{field: 'metadata'}, {field: 'labels'}, {key: 'tier'}]`. */
export type FieldPath = readonly FieldSegment[];

const FIELD = /^[A-Za-z_][A-Za-z0-9_]*/;
const KEY = /^\["([^"\\]+)"\]/;

/** Parses a field path; undefined when it is not one. */
export function parseFieldPath(text: string): FieldPath | undefined {
  const out: FieldSegment[] = [];
  let rest = text;
  let first = true;
  while (rest.length > 0) {
    if (!first && rest.startsWith('.')) rest = rest.slice(1);
    else if (!first && !rest.startsWith('[')) return undefined;
    const key = KEY.exec(rest);
    if (key && !first) {
      out.push({ key: key[1]! });
      rest = rest.slice(key[0].length);
    } else {
      const field = FIELD.exec(rest);
      if (!field) return undefined;
      out.push({ field: field[0] });
      rest = rest.slice(field[0].length);
    }
    first = false;
  }
  return out.length > 0 ? out : undefined;
}

/** A field path as written: `metadata.labels["tier"]`. */
export function formatFieldPath(path: FieldPath): string {
  return path.map((s, i) => ('field' in s ? `${i === 0 ? '' : '.'}${s.field}` : `["${s.key}"]`)).join('');
}

/** The segment's name, whether a field or a map key (CEL reads both as map keys). */
export function segmentName(s: FieldSegment): string {
  return 'field' in s ? s.field : s.key;
}

/** A dotted path (`spec.template`) as segments; `''` is the empty path. */
export function dotted(path: string): FieldPath {
  return path === '' ? [] : path.split('.').map((field) => ({ field }));
}

/**
 * What an update may change, as a tree over the object:
 * - `any`: the whole subtree may change;
 * - `keys`: the listed keys change as their nodes say, every other key stays equal (and no key
 *   appears or disappears);
 * - `only`: only the listed keys are compared (as their nodes say), the others are ignored (the
 *   server-managed parts of `metadata`);
 * - `byName`: a list of objects keyed by `name` (containers): the same names in the same order,
 *   the listed names compared by `element`, the others equal.
 */
export type ChangeTree =
  | { readonly any: true }
  | { readonly keys: Readonly<Record<string, ChangeTree>> }
  | { readonly only: Readonly<Record<string, ChangeTree>> }
  | { readonly byName: { readonly names: readonly string[]; readonly element: ChangeTree } };

const ANY: ChangeTree = { any: true };
const EQUAL: ChangeTree = { keys: {} };

/**
 * The parts of `metadata` a write by the agent must leave alone; the rest (resourceVersion,
 * generation, managedFields, …) is written by the API server.
 */
const METADATA_COMPARED = ['labels', 'annotations', 'finalizers', 'ownerReferences'] as const;

/** Adds `path` (allowed to change wholly at its end) to a tree of `keys` nodes. */
function allow(tree: ChangeTree, path: FieldPath): ChangeTree {
  if (path.length === 0 || 'any' in tree) return ANY;
  const [head, ...rest] = path;
  const name = segmentName(head!);
  if ('byName' in tree) return tree; // lists are only reached through byName trees built below
  const children = 'keys' in tree ? tree.keys : tree.only;
  const next = allow(children[name] ?? EQUAL, rest);
  return 'keys' in tree ? { keys: { ...children, [name]: next } } : { only: { ...children, [name]: next } };
}

/** The tree of a whole object: top-level metadata compared only where the agent could change it, status ignored. */
function objectTree(paths: readonly FieldPath[]): ChangeTree {
  const metadata: ChangeTree = { only: Object.fromEntries(METADATA_COMPARED.map((k) => [k, EQUAL])) };
  let tree: ChangeTree = { keys: { metadata, status: ANY } };
  for (const p of paths) tree = allow(tree, p);
  return tree;
}

/** Inserts a subtree at `path` (creating `keys` nodes on the way). */
function place(tree: ChangeTree, path: FieldPath, subtree: ChangeTree): ChangeTree {
  if (path.length === 0) return subtree;
  if (!('keys' in tree)) return tree;
  const [head, ...rest] = path;
  const name = segmentName(head!);
  return { keys: { ...tree.keys, [name]: place(tree.keys[name] ?? EQUAL, rest, subtree) } };
}

/** The annotation `kubectl rollout restart` sets on the pod template. */
export const RESTARTED_AT = 'kubectl.kubernetes.io/restartedAt';

/** The kind an action writes (pods for delete-pod); undefined when its reference is unknown. */
export function actionKind(action: KubernetesAction, def: Pick<AgentDefinition, 'workloadKinds'>): KindInfo | undefined {
  return action.action === 'delete-pod' ? resolveKind('pods') : resolveKind(action.kind, def.workloadKinds ?? []);
}

/** The admission operation an action's writes arrive as. */
export function actionOperation(action: KubernetesAction): 'UPDATE' | 'DELETE' {
  return action.action === 'delete-pod' ? 'DELETE' : 'UPDATE';
}

/** The subresource an action writes (`scale`), or `''` for the object itself. */
export function actionSubresource(action: KubernetesAction): string {
  return action.action === 'scale' ? 'scale' : '';
}

/**
 * What an update by the action may change; undefined for delete-pod (a delete changes nothing,
 * admission checks the pod's labels instead) and for scale (the Scale object holds only the
 * replica count, which admission bounds).
 */
export function actionChanges(action: KubernetesAction, kind: KindInfo): ChangeTree | undefined {
  const template = kind.podTemplate ? dotted(kind.podTemplate) : [];
  switch (action.action) {
    case 'scale':
    case 'delete-pod':
      return undefined;
    case 'restart':
      return objectTree([[...template, { field: 'metadata' }, { field: 'annotations' }, { key: RESTARTED_AT }]]);
    case 'set-image': {
      const containers: ChangeTree = { byName: { names: [...action.containers], element: { keys: { image: ANY } } } };
      return place(objectTree([]), [...template, { field: 'spec' }, { field: 'containers' }], containers);
    }
    case 'patch-fields':
      return objectTree(action.fields.map((f) => parseFieldPath(f) ?? []));
  }
}

/** Verbs the action needs on its resource. */
const VERBS: Readonly<Record<KubernetesAction['action'], readonly string[]>> = {
  scale: ['get', 'update', 'patch'],
  restart: ['get', 'patch'],
  'delete-pod': ['get', 'delete'],
  'set-image': ['get', 'patch'],
  'patch-fields': ['get', 'update', 'patch'],
};

/** The narrowest RBAC rule of an action, in the shape of a definition rule. */
export interface ActionRule {
  readonly apiGroups: readonly string[];
  readonly resources: readonly string[];
  readonly verbs: readonly string[];
  readonly resourceNames?: readonly string[];
  readonly namespaces: readonly string[];
}

/** The RBAC rule an action renders (the subresource for scale, the object's kind otherwise). */
export function actionRule(action: KubernetesAction, kind: KindInfo): ActionRule {
  const sub = actionSubresource(action);
  return {
    apiGroups: [kind.apiGroup],
    resources: [sub ? `${kind.resource}/${sub}` : kind.resource],
    verbs: VERBS[action.action],
    ...(action.names ? { resourceNames: [...action.names] } : {}),
    namespaces: [...action.namespaces],
  };
}

/** `restart apps/deployments "checkout", "cart" in shop` — one line for reports and diffs. */
export function actionText(action: KubernetesAction, kind: KindInfo): string {
  const names = action.names ? ` ${action.names.map((n) => `"${n}"`).join(', ')}` : '';
  const labels = action.action === 'delete-pod' && action.podLabels
    ? ` labelled ${Object.entries(action.podLabels).map(([k, v]) => `${k}=${v}`).join(',')}`
    : '';
  return `${action.action} ${kindKey(kind.apiGroup, kind.resource)}${names}${labels} in ${action.namespaces.join(', ')}`;
}

/** What an action may change, in words, for reports: `only spec.template.metadata.annotations["kubectl.kubernetes.io/restartedAt"]`. */
export function actionScope(action: KubernetesAction, kind: KindInfo): string {
  const template = kind.podTemplate ?? '';
  const under = (p: string) => (template ? `${template}.${p}` : p);
  switch (action.action) {
    case 'scale': {
      const lo = action.minReplicas ?? 0;
      return action.maxReplicas !== undefined ? `replicas ${lo}–${action.maxReplicas}` : `replicas ≥ ${lo}`;
    }
    case 'restart':
      return `only ${under(`metadata.annotations["${RESTARTED_AT}"]`)}`;
    case 'delete-pod':
      return action.podLabels ? 'pods carrying the labels' : 'any pod named';
    case 'set-image':
      return `only the image of ${action.containers.join(', ')}, from ${action.repositories.join(', ')}`;
    case 'patch-fields':
      return `only ${action.fields.join(', ')}`;
  }
}
