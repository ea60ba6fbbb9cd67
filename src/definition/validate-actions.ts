/** Validation of Kubernetes actions (`<tier>.kubernetesActions`). */
import { TIERS, type Tier } from '../phase/table';
import { actionKind, actionRule, actionSubresource, dotted, parseFieldPath, segmentName, type FieldPath } from './actions';
import { approvalEpoch, CONFIGMAP_KEY_MAX, kubernetesApprovalKey, RESOURCE_VERSION_ROOM } from './approvals';
import { checkAck, checkLabels, checkOwnObjects, type Report } from './checks';
import { kubernetesDangers, type DangerRule } from './dangerous';
import { catalogueKeys, kindKey, type KindInfo } from './kinds';
import { isDnsLabel, isDnsSubdomain } from './names';
import type { AgentDefinition, KubernetesAction } from './types';

/** `registry.example.com/shop/checkout`: a registry host (optionally with port) and a path, no tag or digest. */
const REPOSITORY = /^[a-z0-9]+([.-][a-z0-9]+)*(:[0-9]{1,5})?(\/[a-z0-9]+(([._]|__|-+)[a-z0-9]+)*)+$/;

/** Fields a write never sets: the server writes them, or they name the object. */
const SERVER_FIELDS = new Set(['name', 'namespace', 'uid', 'resourceVersion', 'generation', 'managedFields', 'creationTimestamp', 'deletionTimestamp', 'deletionGracePeriodSeconds', 'selfLink', 'generateName']);

const POD_SPEC_WRITE: DangerRule = {
  id: 'pod-template-write',
  why: 'changes what pods run: they may run as any ServiceAccount of the namespace, mount its Secrets and escape the agent NetworkPolicy',
};

/** Whether `path` starts with `prefix`. */
function startsWith(path: FieldPath, prefix: FieldPath): boolean {
  return prefix.length <= path.length && prefix.every((s, i) => segmentName(s) === segmentName(path[i]!));
}

/** Checks the fields of a patch-fields action; returns the danger of a field inside a pod spec, if any. */
function checkFields(action: Extract<KubernetesAction, { action: 'patch-fields' }>, kind: KindInfo, field: string, report: Report): DangerRule[] {
  const dangers: DangerRule[] = [];
  const podSpec = typeof kind.podTemplate === 'string' ? [...dotted(kind.podTemplate), { field: 'spec' }] : undefined;
  action.fields.forEach((text, i) => {
    const f = `${field}.fields[${i}]`;
    const path = parseFieldPath(text);
    if (!path) {
      report(f, `"${text}" is not a field path; write dotted names with ["key"] for map keys, e.g. spec.replicas or metadata.labels["tier"]`);
      return;
    }
    const [head, second] = path;
    if (segmentName(head!) === 'status') report(f, `"${text}" is status, which the object's controller writes through the status subresource; name a field of the object's spec or data`);
    if (segmentName(head!) === 'metadata' && (path.length === 1 || SERVER_FIELDS.has(segmentName(second!)))) {
      report(f, `"${text}" is not a field a write may change; name labels or annotations (e.g. metadata.labels["tier"])`);
    }
    if (segmentName(head!) === 'apiVersion' || segmentName(head!) === 'kind') report(f, `"${text}" names the object's type, which never changes; remove it`);
    // A path that contains the pod spec, or lies inside it, changes what runs.
    if (podSpec && (startsWith(path, podSpec) || startsWith(podSpec, path))) dangers.push(POD_SPEC_WRITE);
    if (kind.podTemplate === null) dangers.push(POD_SPEC_WRITE);
  });
  return dangers;
}

function checkKind(action: KubernetesAction, kind: KindInfo, field: string, report: Report): void {
  const key = kindKey(kind.apiGroup, kind.resource);
  if (action.action === 'scale' && !kind.scale) {
    report(`${field}.kind`, `"${key}" has no scale subresource in the catalogue; scale deployments, statefulsets or replicasets, or describe the kind with KubeKind.custom({ …, scale: true })`);
  }
  if ((action.action === 'restart' || action.action === 'set-image') && !kind.podTemplate) {
    report(`${field}.kind`, `"${key}" has no pod template the action can point at; ${action.action} works on kinds whose pods come from one template (deployments, statefulsets, daemonsets, …), or describe the kind with KubeKind.custom({ …, podTemplate: 'spec.template' })`);
  }
  if (!isDnsSubdomain(kind.resource) || kind.resource.includes('.') || (kind.apiGroup !== '' && !isDnsSubdomain(kind.apiGroup))) {
    report(`${field}.kind`, `"${key}" is not a resource of an API group; use the plural resource and its group, e.g. { apiGroup: 'argoproj.io', resource: 'rollouts' }`);
  }
}

function checkParameters(action: KubernetesAction, field: string, report: Report): void {
  switch (action.action) {
    case 'scale': {
      const { minReplicas: lo, maxReplicas: hi } = action;
      for (const [name, v] of [['minReplicas', lo], ['maxReplicas', hi]] as const) {
        if (v !== undefined && !(Number.isInteger(v) && v >= 0)) report(`${field}.${name}`, `${v} is not a replica count; use a whole number of at least 0`);
      }
      if (lo !== undefined && hi !== undefined && lo > hi) report(`${field}.minReplicas`, `${lo} is above maxReplicas ${hi}; swap them`);
      return;
    }
    case 'set-image':
      action.containers.forEach((c, i) => {
        if (!isDnsLabel(c)) report(`${field}.containers[${i}]`, `"${c}" is not a container name (a DNS-1123 label)`);
      });
      action.repositories.forEach((r, i) => {
        if (!REPOSITORY.test(r)) report(`${field}.repositories[${i}]`, `"${r}" is not a repository; write the registry host and path without tag or digest, e.g. registry.example.com/shop/checkout`);
      });
      return;
    case 'delete-pod':
      checkLabels(action.podLabels, `${field}.podLabels`, report);
      if (action.podLabels && Object.keys(action.podLabels).length === 0) report(`${field}.podLabels`, 'is empty, which matches every pod; name the labels of the pods it may delete, or leave podLabels out');
      return;
    default:
      return;
  }
}

/** Approval keys must fit a ConfigMap key with room for the object's resourceVersion. */
function checkApprovalKeys(action: KubernetesAction, kind: KindInfo, field: string, report: Report): void {
  const epoch = approvalEpoch('2000-01-01T00:00:00Z');
  for (const namespace of action.namespaces) {
    for (const name of action.names ?? []) {
      const key = kubernetesApprovalKey({ epoch, action: action.action, apiGroup: kind.apiGroup, resource: kind.resource, subresource: actionSubresource(action), namespace, name, resourceVersion: '' });
      if (key.length + RESOURCE_VERSION_ROOM > CONFIGMAP_KEY_MAX) {
        report(`${field}.names`, `the approval key of "${name}" in ${namespace} would be ${key.length + RESOURCE_VERSION_ROOM} characters with its resourceVersion, over the ${CONFIGMAP_KEY_MAX} a ConfigMap key allows; shorten the name or move the action to autonomous`);
      }
    }
  }
}

/**
 * Checks one action of `<tier>.kubernetesActions[i]` (`field`): the tier writes, the kind is
 * known and supports the action, the target and parameters are valid, remediate actions name
 * their objects, and what is dangerous carries a reason.
 */
export function checkAction(def: AgentDefinition, action: KubernetesAction, field: string, tier: Tier, report: Report): void {
  const rules = TIERS[tier];
  if (rules.writes === 'none') {
    report(field, `"${action.action}" is a write, but the ${tier} tier is read-only; declare it in remediate (each write approved by an operator) or autonomous`);
    return;
  }
  const kind = actionKind(action, def);
  if (!kind) {
    const ref = 'kind' in action ? String(action.kind) : '';
    report(`${field}.kind`, `"${ref}" is not a kind the catalogue knows (${catalogueKeys().join(', ')}); describe it with KubeKind.custom({ apiGroup, resource, podTemplate }) or add it to workloadKinds`);
    return;
  }
  checkKind(action, kind, field, report);
  checkParameters(action, field, report);
  for (const ns of action.namespaces) if (!isDnsLabel(ns)) report(`${field}.namespaces`, `"${ns}" is not a DNS-1123 label; use the namespace's exact name`);
  for (const n of action.names ?? []) if (!isDnsSubdomain(n)) report(`${field}.names`, `"${n}" is not a DNS-1123 name; use the object's exact name`);
  const targeted = action.names !== undefined || (action.action === 'delete-pod' && action.podLabels !== undefined);
  if (rules.writes === 'named' && !targeted) {
    report(`${field}.names`, `is missing; remediate actions name the objects they write${action.action === 'delete-pod' ? ' (or the labels of the pods)' : ''}; add names: ['…'] or move the action to autonomous`);
  }
  if (rules.writes === 'named') checkApprovalKeys(action, kind, field, report);
  const rule = actionRule(action, kind);
  checkOwnObjects(def, rule, `${field}.names`, report);
  // The action's admission check bounds a pod template write; other dangers (kube-system, guardrails) stay.
  const dangers = kubernetesDangers(rule, def.workloadKinds).filter((d) => d.id !== 'pod-template-write');
  if (action.action === 'patch-fields') dangers.push(...checkFields(action, kind, field, report));
  checkAck(action.dangerous, [...new Map(dangers.map((d) => [d.id, d])).values()], field, report);
}


