/**
 * One Kubernetes approval: which write it names, whether the agent declares that write in its
 * remediate tier, its ConfigMap key, and the `kubectl` commands that add it and remove entries.
 *
 * What the approval policy of phase 3 checks (src/k8s/admission.ts, admission-writes.ts), and so
 * what is validated here before a key is printed:
 * - the request is one of the remediate tier's declared writes: its action (`write` for a raw
 *   rule), group, resource and subresource, namespace and name;
 * - the approvals ConfigMap holds the key `<epoch>_<action>_<group|core>_<resource>[.<sub>]_<namespace>_<name>_<resourceVersion>`
 *   with the epoch of the current phase entry and the object's resourceVersion before the write;
 * - the approvals guard admits the entry only when its value is the username of whoever writes
 *   it, and only from an approver, never from the agent.
 */
import { resourceText } from './approver';
import { kubernetesApprovalKey, CONFIGMAP_KEY_MAX, type KubernetesApprovalRef } from '../definition/approvals';
import { isDnsLabel, isDnsSubdomain } from '../definition/names';
import { actionSubresource } from '../definition/actions';
import { TrustError } from '../errors';
import { writeNameOf } from '../k8s/admission-writes';
import type { DeclaredWrite } from '../k8s/writes';
import { checkApprover } from './approver';
import type { ApprovalScope } from './scope';

/** The object a write targets: `apps/deployments/scale` `shop/checkout`. */
export interface WriteTarget {
  /** `''` for the core group. */
  readonly apiGroup: string;
  readonly resource: string;
  /** `''` for the object itself. */
  readonly subresource: string;
  readonly namespace: string;
  readonly name: string;
}

/** What `trust-gate approve kubernetes` is asked to approve. */
export interface KubernetesApprovalRequest extends WriteTarget {
  readonly action: string;
  readonly resourceVersion: string;
  /** The approver's Kubernetes username. */
  readonly by: string;
}

/** One approval, ready to write. */
export interface KubernetesApproval {
  readonly key: string;
  /** The approver's username: admission compares it with the writer of the entry. */
  readonly value: string;
  readonly configMap: { readonly namespace: string; readonly name: string };
  readonly ref: KubernetesApprovalRef;
}

function input(message: string, field?: string): TrustError {
  return new TrustError('GT_INPUT', message, field);
}

/** Parses `--resource`: `apps/deployments`, `apps/deployments/scale`, `core/pods` (the core group is `core`). */
export function parseResource(text: string): Pick<WriteTarget, 'apiGroup' | 'resource' | 'subresource'> {
  const parts = text.split('/');
  const ok = (parts.length === 2 || parts.length === 3) && parts.every((p) => /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(p));
  if (!ok) throw input(`--resource "${text}" is not GROUP/RESOURCE[/SUBRESOURCE]; use e.g. apps/deployments, apps/deployments/scale or core/pods (the core group is "core")`);
  const [group, resource, subresource = ''] = parts as [string, string, string?];
  if (group !== 'core' && !isDnsSubdomain(group)) throw input(`--resource "${text}": group "${group}" is not a DNS subdomain; use e.g. apps, or core for the core group`);
  return { apiGroup: group === 'core' ? '' : group, resource, subresource };
}


/** The same target as the request (group, resource, subresource, namespace, name), whatever the action. */
function declares(w: DeclaredWrite, t: WriteTarget): boolean {
  if (w.write === 'raw') {
    const { rule } = w;
    const resource = t.subresource ? `${t.resource}/${t.subresource}` : t.resource;
    return rule.apiGroups.includes(t.apiGroup) && rule.resources.includes(resource) && rule.namespaces.includes(t.namespace)
      && (rule.resourceNames === undefined || rule.resourceNames.includes(t.name));
  }
  const { action, kind } = w;
  return kind.apiGroup === t.apiGroup && kind.resource === t.resource && actionSubresource(action) === t.subresource
    && action.namespaces.includes(t.namespace) && (action.names === undefined || action.names.includes(t.name));
}

/** The declared writes of `writes` on the object `t` (any action). */
export function writesOn(writes: readonly DeclaredWrite[], t: WriteTarget): DeclaredWrite[] {
  return writes.filter((w) => declares(w, t));
}

/** One declared write in the vocabulary of the flags: `restart on apps/deployments checkout, cart in shop`. */
export function approvableText(w: DeclaredWrite): string {
  const [resources, names, namespaces] = w.write === 'raw'
    ? [w.rule.apiGroups.flatMap((g) => w.rule.resources.map((r) => `${g || 'core'}/${r}`)).join(', '), w.rule.resourceNames, w.rule.namespaces]
    : [resourceText({ apiGroup: w.kind.apiGroup, resource: w.kind.resource, subresource: actionSubresource(w.action) }), w.action.names, w.action.namespaces];
  return `${writeNameOf(w)} on ${resources} ${names ? names.join(', ') : 'any name'} in ${namespaces.join(', ')}`;
}

/** Undefined when `t` names a write of `action` the scope declares; otherwise why not, and what is allowed. */
export function undeclaredReason(scope: Pick<ApprovalScope, 'agent' | 'writes'>, action: string, t: WriteTarget): string | undefined {
  const on = writesOn(scope.writes, t);
  if (on.some((w) => writeNameOf(w) === action)) return undefined;
  const object = `${resourceText(t)} ${t.namespace}/${t.name}`;
  const allowed = scope.writes.length > 0 ? scope.writes.map(approvableText).join('; ') : 'nothing (its remediate tier declares no Kubernetes write)';
  const there = on.length > 0 ? `action "${action}" is not declared on ${object} (declared there: ${[...new Set(on.map(writeNameOf))].join(', ')})` : `${scope.agent.name} declares no remediate write on ${object}`;
  return `${there}; approvals can be given for: ${allowed}`;
}

function checkRequest(r: KubernetesApprovalRequest): void {
  if (!/^[a-z][-a-z]*$/.test(r.action)) throw input(`--action "${r.action}" is not an action name; use a declared action such as restart, scale, delete-pod, set-image, patch-fields, or write for a raw rule`);
  if (!isDnsLabel(r.namespace)) throw input(`--namespace "${r.namespace}" is not a namespace name (a DNS-1123 label); use e.g. shop`);
  if (!isDnsSubdomain(r.name)) throw input(`--name "${r.name}" is not an object name (a DNS-1123 subdomain); use e.g. checkout`);
  if (!/^[0-9]{1,19}$/.test(r.resourceVersion)) {
    throw input(`--resource-version "${r.resourceVersion}" is not a resourceVersion; use the object's metadata.resourceVersion as the agent read it (digits, e.g. 48213: kubectl get … -o jsonpath='{.metadata.resourceVersion}')`);
  }
  checkApprover(r.by);
}

/**
 * The approval of one write. Throws GT_INPUT naming what is wrong and what may be approved when
 * the request is not a write the remediate tier declares, or would not make a valid key.
 */
export function kubernetesApproval(scope: ApprovalScope, r: KubernetesApprovalRequest): KubernetesApproval {
  checkRequest(r);
  const why = undeclaredReason(scope, r.action, r);
  if (why) throw input(`${why}; approve one of those, or declare the action in the remediate tier and deploy first`, scope.source);
  const ref: KubernetesApprovalRef = {
    epoch: scope.epoch, action: r.action, apiGroup: r.apiGroup, resource: r.resource, subresource: r.subresource,
    namespace: r.namespace, name: r.name, resourceVersion: r.resourceVersion,
  };
  const key = kubernetesApprovalKey(ref);
  if (key.length > CONFIGMAP_KEY_MAX || !/^[-._a-zA-Z0-9]+$/.test(key)) {
    throw input(`the approval key "${key}" is ${key.length} characters; a ConfigMap key holds at most ${CONFIGMAP_KEY_MAX} of [-._a-zA-Z0-9]; approve this write with a shorter object name or by hand in another way`);
  }
  return { key, value: r.by, configMap: approvalsConfigMap(scope.agent), ref };
}

/** Where an agent's approvals live. */
export function approvalsConfigMap(agent: { readonly name: string; readonly namespace: string }): { namespace: string; name: string } {
  return { namespace: agent.namespace, name: `${agent.name}-approvals` };
}

/**
 * `kubectl patch … --type merge`: adds (or sets) one key and leaves every other key as it is,
 * which a `kubectl apply` or `edit` of the whole ConfigMap would not.
 */
export function approveArgv(a: KubernetesApproval): string[] {
  return ['kubectl', '-n', a.configMap.namespace, 'patch', 'configmap', a.configMap.name, '--type', 'merge', '-p', JSON.stringify({ data: { [a.key]: a.value } })];
}

/** `kubectl patch … --type merge` with `null` values: removes the keys (and is a no-op for keys already gone). */
export function removeArgv(configMap: { readonly namespace: string; readonly name: string }, keys: readonly string[]): string[] {
  return ['kubectl', '-n', configMap.namespace, 'patch', 'configmap', configMap.name, '--type', 'merge', '-p', JSON.stringify({ data: Object.fromEntries(keys.map((k) => [k, null])) })];
}
