/**
 * Kubernetes API access of one ServiceAccount, read from manifests with the RBAC authorizer's
 * semantics: every RoleBinding and ClusterRoleBinding that names the account directly or
 * through `system:serviceaccounts`, `system:serviceaccounts:NS` or `system:authenticated`.
 */
import { kubernetesDangers } from '../../definition/dangerous';
import { compare } from '../../order';
import { READ_VERBS } from '../../phase/table';
import { ANY, sortedRecord, sortedUnique, type AgentRef, type DangerFlag, type KubernetesAccessModel, type KubernetesBindingRef, type KubernetesResourceAccess, type ReachFlag } from '../model';
import type { OutputIndex } from '../output-index';
import { BINDING_KIND, POLICY_KIND, writeAdmissionOf, type WriteAdmissionOf } from './admission';
import { admittedWrites, boundedByAdmission, kubernetesReach } from './reach';
import { RbacAuthorizer, type EffectiveBinding, type Manifest } from './authorizer';
import { serviceAccountUser, type Subject } from './rbac';

/**
 * Built-in cluster-scoped resources. A RoleBinding grants nothing on them (requests for them carry
 * no namespace), so such grants are dropped from the effective access. `namespaces` is absent on
 * purpose: a request for the namespace object itself carries its own name as namespace.
 */
const CLUSTER_SCOPED = new Set([
  '/nodes', '/persistentvolumes', '/componentstatuses',
  'rbac.authorization.k8s.io/clusterroles', 'rbac.authorization.k8s.io/clusterrolebindings',
  'storage.k8s.io/storageclasses', 'storage.k8s.io/csidrivers', 'storage.k8s.io/csinodes', 'storage.k8s.io/volumeattachments',
  'apiextensions.k8s.io/customresourcedefinitions', 'apiregistration.k8s.io/apiservices',
  'admissionregistration.k8s.io/validatingwebhookconfigurations', 'admissionregistration.k8s.io/mutatingwebhookconfigurations',
  'admissionregistration.k8s.io/validatingadmissionpolicies', 'admissionregistration.k8s.io/validatingadmissionpolicybindings',
  'scheduling.k8s.io/priorityclasses', 'certificates.k8s.io/certificatesigningrequests', 'networking.k8s.io/ingressclasses',
  'node.k8s.io/runtimeclasses', 'flowcontrol.apiserver.k8s.io/flowschemas', 'flowcontrol.apiserver.k8s.io/prioritylevelconfigurations',
]);

/** Verbs a `*` stands for when looking for dangerous grants. */
const STAR_VERBS = [...READ_VERBS, 'create', 'update', 'patch', 'delete', 'deletecollection', 'escalate', 'bind', 'impersonate'];

/** One atomic Kubernetes permission: a verb on a resource (and name) in a scope. */
export interface KubernetesRow {
  /** Namespace, or `*` for every namespace and cluster-scoped objects. */
  readonly scope: string;
  readonly apiGroup: string;
  readonly resource: string;
  readonly verb: string;
  /** Object name, or `*` for every object. */
  readonly name: string;
}

/** A binding reaching the agent, with the rows it grants and the object to point at. */
export interface KubernetesBindingGrant {
  readonly ref: KubernetesBindingRef;
  readonly rows: readonly KubernetesRow[];
  readonly nonResource: ReadonlyArray<{ readonly url: string; readonly verb: string }>;
  readonly source: Manifest;
  /** Whether the binding reaches the agent only through a group. */
  readonly viaGroup: boolean;
}

/** `apps/deployments`, or `pods` for the core group. */
export function resourceKey(apiGroup: string, resource: string): string {
  return apiGroup ? `${apiGroup}/${resource}` : resource;
}

function subjectText(s: Subject, bindingNamespace: string): string {
  return s.kind === 'ServiceAccount' ? `ServiceAccount ${s.namespace || bindingNamespace}/${s.name}` : `${s.kind} ${s.name}`;
}

function bindingRef(b: EffectiveBinding): KubernetesBindingRef {
  const ns = b.binding.namespace ? `${b.binding.namespace}/` : '';
  const roleNs = b.role.kind === 'Role' ? `${b.binding.namespace}/` : '';
  return {
    binding: `${b.binding.kind} ${ns}${b.binding.name}`,
    role: `${b.role.kind} ${roleNs}${b.role.name}${b.role.aggregated ? ' (aggregated)' : ''}`,
    subject: subjectText(b.subject, b.binding.namespace),
    // An aggregated ClusterRole also holds the rules of labelled ClusterRoles outside the output.
    resolved: b.role.found && !b.role.aggregated,
  };
}

/** The rows and non-resource URLs of a binding: breakdownRule's simple rules, without building them. */
function grantOf(b: EffectiveBinding): KubernetesBindingGrant {
  const scope = b.namespace || ANY;
  const rows: KubernetesRow[] = [];
  const nonResource: Array<{ url: string; verb: string }> = [];
  for (const rule of b.rules) {
    const names = rule.resourceNames && rule.resourceNames.length > 0 ? rule.resourceNames : [ANY];
    for (const apiGroup of rule.apiGroups ?? []) {
      for (const resource of rule.resources ?? []) {
        if (scope !== ANY && CLUSTER_SCOPED.has(`${apiGroup}/${resource.split('/')[0]}`)) continue;
        for (const verb of rule.verbs) {
          for (const name of names) rows.push({ scope, apiGroup, resource, verb, name });
        }
      }
    }
    if (scope === ANY) for (const url of rule.nonResourceURLs ?? []) for (const verb of rule.verbs) nonResource.push({ url, verb });
  }
  return { ref: bindingRef(b), rows, nonResource, source: b.source, viaGroup: b.subject.kind === 'Group' };
}

/**
 * Every binding in `manifests` (or already read by an authorizer) that reaches the agent's
 * ServiceAccount, with what each grants.
 */
export function kubernetesBindingGrants(manifests: Iterable<Manifest> | RbacAuthorizer, agent: AgentRef): KubernetesBindingGrant[] {
  const user = serviceAccountUser(agent.namespace, agent.name);
  const authorizer = manifests instanceof RbacAuthorizer ? manifests : new RbacAuthorizer(manifests);
  return authorizer.bindingsFor(user).map(grantOf);
}

/** Danger flags by verb, group and resource (all they depend on); the same few repeat across agents. */
const dangersSeen = new Map<string, ReadonlyArray<{ id: string; why: string }>>();
const DANGERS_SEEN_MAX = 10_000;

/** The danger flags of one row: the dangerous set, plus any `*` (which matches it). */
export function rowDangers(row: KubernetesRow): ReadonlyArray<{ readonly id: string; readonly why: string }> {
  const key = `${row.verb}\u0000${row.apiGroup}\u0000${row.resource}`;
  const seen = dangersSeen.get(key);
  if (seen) return seen;
  const verbs = row.verb === '*' ? STAR_VERBS : [row.verb];
  const found: Array<{ id: string; why: string }> = kubernetesDangers({ apiGroups: [row.apiGroup], resources: [row.resource], verbs });
  if (row.verb === '*' || row.apiGroup === '*' || row.resource === '*' || row.resource.startsWith('*/')) {
    found.push({ id: 'wildcard', why: 'a wildcard matches the dangerous set and every kind added later' });
  }
  if (dangersSeen.size >= DANGERS_SEEN_MAX) dangersSeen.clear();
  dangersSeen.set(key, found);
  return found;
}

/** `patch apps/deployments "checkout" in shop` (`cluster-wide` for scope `*`). */
export function rowText(row: KubernetesRow): string {
  const name = row.name === ANY ? '' : ` "${row.name}"`;
  const where = row.scope === ANY ? 'cluster-wide' : `in ${row.scope}`;
  return `${row.verb} ${resourceKey(row.apiGroup, row.resource)}${name} ${where}`;
}

/** Groups rows as scope → resource → verb → names; a grant on every object absorbs named ones. */
export function groupRows(rows: readonly KubernetesRow[]): KubernetesAccessModel['scopes'] {
  const tree = new Map<string, Map<string, { apiGroup: string; resource: string; verbs: Map<string, Set<string>> }>>();
  for (const r of rows) {
    const byResource = tree.get(r.scope) ?? new Map();
    tree.set(r.scope, byResource);
    const key = resourceKey(r.apiGroup, r.resource);
    const entry = byResource.get(key) ?? { apiGroup: r.apiGroup, resource: r.resource, verbs: new Map<string, Set<string>>() };
    byResource.set(key, entry);
    const names = entry.verbs.get(r.verb) ?? new Set<string>();
    entry.verbs.set(r.verb, names);
    names.add(r.name);
  }
  return sortedRecord(
    [...tree].map(([scope, byResource]) => [
      scope,
      sortedRecord(
        [...byResource].map(([key, e]): [string, KubernetesResourceAccess] => [
          key,
          {
            apiGroup: e.apiGroup,
            resource: e.resource,
            verbs: sortedRecord([...e.verbs].map(([verb, names]) => [verb, names.has(ANY) ? [ANY] : sortedUnique(names)] as const)),
          },
        ]),
      ),
    ] as const),
  );
}

/** The rows of a grouped model (inverse of groupRows, modulo absorbed names). */
export function kubernetesRows(model: Pick<KubernetesAccessModel, 'scopes'>): KubernetesRow[] {
  const rows: KubernetesRow[] = [];
  for (const [scope, byResource] of Object.entries(model.scopes)) {
    for (const access of Object.values(byResource)) {
      for (const [verb, names] of Object.entries(access.verbs)) {
        for (const name of names) rows.push({ scope, apiGroup: access.apiGroup, resource: access.resource, verb, name });
      }
    }
  }
  return rows;
}

/** Whether `row` is granted by `by`: same verb, group, resource and scope; a `*` in `by` covers anything. */
export function rowCoveredBy(row: KubernetesRow, by: KubernetesRow): boolean {
  const resource = by.resource === ANY || by.resource === row.resource || (by.resource.startsWith('*/') && row.resource.endsWith(by.resource.slice(1)));
  return fieldCovers(by.verb, row.verb) && fieldCovers(by.apiGroup, row.apiGroup) && resource && fieldCovers(by.name, row.name) && fieldCovers(by.scope, row.scope);
}

/** Whether a grant's field `have` covers `want`: equal, or `*`. */
function fieldCovers(have: string, want: string): boolean {
  return have === ANY || have === want;
}

/**
 * A set of rows that answers "is this row covered by one of them" (rowCoveredBy) without
 * comparing against every row: rows with a literal verb, group and resource are looked up by key
 * (their scope and name may be `*`), the few others are compared one by one.
 */
export class KubernetesRowCover {
  private readonly exact = new Set<string>();
  private readonly wild: KubernetesRow[] = [];

  constructor(rows: Iterable<KubernetesRow>) {
    for (const r of rows) {
      if (r.verb === ANY || r.apiGroup === ANY || r.resource === ANY || r.resource.startsWith('*/')) this.wild.push(r);
      else this.exact.add(rowKey(r.scope, r.apiGroup, r.resource, r.verb, r.name));
    }
  }

  /** Whether one of the rows covers `row`. */
  covers(row: KubernetesRow): boolean {
    for (const scope of [row.scope, ANY]) {
      for (const name of [row.name, ANY]) if (this.exact.has(rowKey(scope, row.apiGroup, row.resource, row.verb, name))) return true;
    }
    return this.wild.some((by) => rowCoveredBy(row, by));
  }
}

function rowKey(scope: string, apiGroup: string, resource: string, verb: string, name: string): string {
  return `${scope}\u0000${apiGroup}\u0000${resource}\u0000${verb}\u0000${name}`;
}

/** Danger IDs that admission bounds: a write it admits only as a declared action cannot change what pods run. */
const BOUNDED_DANGERS = new Set(['pod-template-write', 'workload-create']);

/** The danger flags of a row given how its writes are admitted. */
export function admittedRowDangers(row: KubernetesRow, admission: WriteAdmissionOf): ReadonlyArray<{ readonly id: string; readonly why: string }> {
  const all = rowDangers(row);
  return boundedByAdmission(row, admission) ? all.filter((d) => !BOUNDED_DANGERS.has(d.id)) : all;
}

const ADMISSION_OF = new WeakMap<OutputIndex, Map<string, WriteAdmissionOf>>();

/**
 * The agent's admission, read once per index from the output's admission objects: the access
 * model and the guard's rules ask for it over the same index.
 */
export function agentAdmission(index: OutputIndex, agent: AgentRef): WriteAdmissionOf {
  let byAgent = ADMISSION_OF.get(index);
  if (!byAgent) ADMISSION_OF.set(index, (byAgent = new Map()));
  const key = `${agent.namespace}\u0000${agent.name}`;
  let found = byAgent.get(key);
  if (!found) byAgent.set(key, (found = writeAdmissionOf(index.ofKind(POLICY_KIND), index.ofKind(BINDING_KIND), agent)));
  return found;
}

/** The Kubernetes part of the access model, and its reach. */
export function kubernetesAccess(index: OutputIndex, agent: AgentRef): { readonly model: KubernetesAccessModel; readonly reach: readonly ReachFlag[] } {
  const grants = kubernetesBindingGrants(index.rbac, agent);
  const admission = agentAdmission(index, agent);
  const rows = grants.flatMap((g) => g.rows);
  const scopes = groupRows(rows);
  const grouped = kubernetesRows({ scopes });
  const dangerous = new Map<string, DangerFlag>();
  for (const row of grouped) {
    for (const d of admittedRowDangers(row, admission)) {
      const grant = rowText(row);
      dangerous.set(`${grant}\u0000${d.id}`, { grant, id: d.id, why: d.why });
    }
  }
  const urls = new Map<string, Set<string>>();
  for (const { url, verb } of grants.flatMap((g) => g.nonResource)) urls.set(url, (urls.get(url) ?? new Set()).add(verb));
  const bindings = new Map(grants.map((g) => [`${g.ref.binding}\u0000${g.ref.subject}`, g.ref]));
  const unresolved = grants.filter((g) => !g.ref.resolved).map((g) => `${g.ref.binding} binds ${g.ref.role}, ${g.ref.role.endsWith('(aggregated)') ? 'whose members outside the output are unknown' : 'which is not in the output'}`);
  const model: KubernetesAccessModel = {
    scopes,
    nonResourceURLs: sortedRecord([...urls].map(([u, v]) => [u, sortedUnique(v)] as const)),
    dangerous: Object.values(sortedRecord(dangerous)),
    bindings: Object.values(sortedRecord(bindings)),
    writeAdmission: admission.mode,
    writes: admittedWrites(admission).sort((a, b) => compare(a.write, b.write)),
    fence: admission.fence,
    approvals: admission.approvals,
    unresolved: sortedUnique(unresolved),
  };
  return { model, reach: kubernetesReach(grouped, (row) => rowDangers(row), admission) };
}
