/**
 * Transitive reach of Kubernetes grants: a write that changes what pods run is reported as the
 * access of every ServiceAccount those pods may use, unless admission bounds it (phases 1–2 deny
 * every write; phases 3–4 admit only declared actions, whose checks keep the pod spec equal).
 */
import { actionChanges, actionRule, actionScope, dotted, segmentName, type ChangeTree } from '../../definition/actions';
import { kindKey, podKind, type KindInfo } from '../../definition/kinds';
import type { DeclaredWrite } from '../../k8s/writes';
import { writeText } from '../../k8s/admission-writes';
import { ANY, type KubernetesWriteAccess, type ReachFlag } from '../model';
import type { WriteAdmissionOf } from './admission';
import type { KubernetesRow } from './access';

/** Verbs whose requests admission sees (a write, or a CONNECT through a subresource). */
const ADMITTED_VERBS = new Set(['create', 'update', 'patch', 'delete', 'deletecollection', '*']);
const CONNECT_SUBRESOURCES = new Set(['exec', 'attach', 'portforward', 'proxy']);

function admissionSees(row: KubernetesRow): boolean {
  return ADMITTED_VERBS.has(row.verb) || CONNECT_SUBRESOURCES.has(row.resource.split('/')[1] ?? '');
}

/** Whether a raw declared write admits the row (anything in the object may then change). */
function rawAdmits(w: DeclaredWrite, row: KubernetesRow): boolean {
  if (w.write !== 'raw') return false;
  const { rule } = w;
  const names = rule.resourceNames;
  return rule.apiGroups.includes(row.apiGroup) && rule.resources.includes(row.resource)
    && (row.scope === ANY || rule.namespaces.includes(row.scope))
    && (row.verb === '*' || rule.verbs.includes(row.verb) || CONNECT_SUBRESOURCES.has(row.resource.split('/')[1] ?? ''))
    && (names === undefined || (row.name !== ANY && names.includes(row.name)));
}

/**
 * Whether admission bounds what the row lets the agent do: every write denied, or only declared
 * actions admitted for it (a raw declared write, or no rendered writes policy, leaves it open).
 */
export function boundedByAdmission(row: KubernetesRow, admission: WriteAdmissionOf): boolean {
  if (!admissionSees(row)) return false;
  if (admission.mode === 'deny') return true;
  if (admission.mode !== 'approval' && admission.mode !== 'actions') return false;
  return !(admission.writes?.writes ?? []).some((w) => rawAdmits(w, row));
}

/**
 * Whether a declared action's RBAC grants the row: admission then admits the row's writes only as
 * that action (in phase 3 with an approval naming the object).
 */
export function coveredByAction(row: KubernetesRow, admission: WriteAdmissionOf): boolean {
  return (admission.writes?.writes ?? []).some((w) => {
    if (w.write !== 'action') return false;
    const rule = actionRule(w.action, w.kind);
    return rule.apiGroups.includes(row.apiGroup) && rule.resources.includes(row.resource) && rule.verbs.includes(row.verb)
      && (row.scope === ANY ? false : rule.namespaces.includes(row.scope))
      && (rule.resourceNames === undefined || (row.name !== ANY && rule.resourceNames.includes(row.name)));
  });
}

function scopeText(scope: string): string {
  return scope === ANY ? 'every namespace' : scope;
}

/** What a danger reaches, by danger ID, for a row in a scope. */
const REACH: Readonly<Record<string, (scope: string) => string>> = {
  'pod-template-write': (s) => `may run code as any ServiceAccount of ${scopeText(s)} and read its Secrets`,
  'workload-create': (s) => `may run code as any ServiceAccount of ${scopeText(s)} and read its Secrets`,
  'pods-exec': (s) => `may run commands in any pod of ${scopeText(s)}, as its ServiceAccount`,
  'pods-attach': (s) => `may run commands in any pod of ${scopeText(s)}, as its ServiceAccount`,
  'pods-ephemeral': (s) => `may run commands in any pod of ${scopeText(s)}, as its ServiceAccount`,
  'serviceaccount-token': (s) => `may act as any ServiceAccount of ${scopeText(s)}`,
  'impersonate': () => 'may act as the users, groups and ServiceAccounts it may impersonate',
  'rbac-bind': (s) => `may grant itself any permission in ${scopeText(s)}`,
  'rbac-escalate': (s) => `may grant itself any permission in ${scopeText(s)}`,
  'nodes-proxy': () => 'may run commands in any pod of the nodes it reaches',
  'secrets': (s) => `may read every Secret of ${scopeText(s)}: the credentials of its workloads`,
  'wildcard': (s) => `may do anything the wildcard matches in ${scopeText(s)}, including running code as its ServiceAccounts`,
};

/** `patch apps/deployments in shop` for a reach line (names left out: the reach is the namespace's). */
function grantText(row: KubernetesRow): string {
  const name = row.name === ANY ? '' : ` "${row.name}"`;
  return `${row.verb} ${kindKey(row.apiGroup, row.resource)}${name} ${row.scope === ANY ? 'cluster-wide' : `in ${row.scope}`}`;
}

/** Whether a change tree lets anything inside `path` change. */
function opens(tree: ChangeTree, path: readonly string[]): boolean {
  if ('any' in tree) return true;
  if (path.length === 0) return !('keys' in tree && Object.keys(tree.keys).length === 0);
  if ('byName' in tree) return true;
  const children = 'keys' in tree ? tree.keys : tree.only;
  const next = children[path[0]!];
  return next !== undefined && opens(next, path.slice(1));
}

/** Reach of the declared actions themselves: a patch-fields action that opens a pod spec. */
function actionReach(w: DeclaredWrite): ReachFlag[] {
  if (w.write !== 'action' || typeof w.kind.podTemplate !== 'string') return [];
  const tree = actionChanges(w.action, w.kind);
  const podSpec = [...dotted(w.kind.podTemplate), { field: 'spec' }].map(segmentName);
  if (!tree || w.action.action !== 'patch-fields' || !opens(tree, podSpec)) return [];
  return w.action.namespaces.map((ns) => ({ backend: 'kubernetes' as const, grant: writeText(w), reach: REACH['pod-template-write']!(ns), id: 'pod-template-write' }));
}

/** Custom kinds the declared actions name (they count as kinds that run pods). */
function customKinds(admission: WriteAdmissionOf): KindInfo[] {
  return (admission.writes?.writes ?? []).flatMap((w) => (w.write === 'action' && w.kind.podTemplate !== undefined ? [w.kind] : []));
}

/**
 * The reach of a set of rows with their danger flags: every flag whose danger reaches other
 * identities, on rows admission does not bound, plus the actions that open a pod spec.
 */
export function kubernetesReach(
  rows: readonly KubernetesRow[],
  dangers: (row: KubernetesRow) => ReadonlyArray<{ readonly id: string }>,
  admission: WriteAdmissionOf,
): ReachFlag[] {
  const out = new Map<string, ReachFlag>();
  const kinds = customKinds(admission);
  for (const row of rows) {
    const ids = new Set(dangers(row).map((d) => d.id));
    if (row.verb !== 'get' && row.verb !== 'list' && row.verb !== 'watch' && podKind(row.apiGroup, row.resource, kinds) && ['create', 'update', 'patch', '*'].includes(row.verb)) {
      ids.add(row.verb === 'create' ? 'workload-create' : 'pod-template-write');
    }
    if (boundedByAdmission(row, admission)) continue;
    for (const id of ids) {
      const reach = REACH[id];
      if (!reach) continue;
      const flag: ReachFlag = { backend: 'kubernetes', grant: grantText(row), reach: reach(row.scope), id };
      out.set(`${flag.grant}\u0000${flag.reach}`, flag);
    }
  }
  for (const w of admission.writes?.writes ?? []) for (const flag of actionReach(w)) out.set(`${flag.grant}\u0000${flag.reach}`, flag);
  return [...out.values()];
}

/** The writes admission admits, as the model lists them. */
export function admittedWrites(admission: WriteAdmissionOf): KubernetesWriteAccess[] {
  const approval = admission.mode === 'approval' ? 'operator ConfigMap entry' : null;
  return (admission.writes?.writes ?? []).map((w) => ({
    write: writeText(w),
    changes: w.write === 'action' ? actionScope(w.action, w.kind) : 'any change',
    approval,
  }));
}
