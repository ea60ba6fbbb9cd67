import { READ_VERBS } from '../phase/table';
import { podKind, type KindInfo } from './kinds';

/**
 * The dangerous set: grants that let an agent read credentials, run code in other workloads,
 * or edit its own guardrails. Allowed only with a written `dangerous.reason`.
 */
export interface DangerRule {
  /** Stable ID used in messages and reports. */
  readonly id: string;
  readonly why: string;
}

const READS = new Set<string>(READ_VERBS);

/** Kubernetes resources dangerous with any verb, including `get`. */
const ANY_VERB: Readonly<Record<string, DangerRule>> = {
  '/secrets': { id: 'secrets', why: 'reads or writes Secrets (credentials of other workloads)' },
  '/pods/exec': { id: 'pods-exec', why: 'runs commands in other pods' },
  '/pods/attach': { id: 'pods-attach', why: 'attaches to running containers' },
  '/pods/portforward': { id: 'pods-portforward', why: 'tunnels into pods past NetworkPolicy' },
  '/serviceaccounts/token': { id: 'serviceaccount-token', why: 'mints tokens for other identities' },
  '/nodes/proxy': { id: 'nodes-proxy', why: 'reaches the kubelet API (exec on any pod of the node)' },
  '/pods/ephemeralcontainers': { id: 'pods-ephemeral', why: 'adds a container to a running pod, exec by another name' },
  '/pods/proxy': { id: 'pods-proxy', why: 'reaches pods through the API server, past NetworkPolicy' },
  '/services/proxy': { id: 'services-proxy', why: 'reaches services through the API server, past NetworkPolicy' },
};

/**
 * Creating workloads starts pods that may run as any ServiceAccount of the namespace, mount its
 * Secrets and carry labels the agent's NetworkPolicy does not select.
 */
const WORKLOAD_CREATE: DangerRule = { id: 'workload-create', why: 'starts pods that can run as any ServiceAccount of the namespace, mount its Secrets and escape the agent NetworkPolicy' };

/**
 * A raw update or patch of a kind with a pod template is workload creation by another name: the
 * controller starts the changed pods, which may run as any ServiceAccount of the namespace. The
 * action catalogue (restart, scale, set-image, patch-fields) bounds such writes in admission.
 */
const POD_TEMPLATE_WRITE: DangerRule = { id: 'pod-template-write', why: 'changes what pods run: they may run as any ServiceAccount of the namespace, mount its Secrets and escape the agent NetworkPolicy' };
const TEMPLATE_WRITE_VERBS = new Set(['update', 'patch']);

/** Namespaces whose objects configure the cluster itself (aws-auth, CoreDNS, kube-proxy …): writes there are dangerous. */
export const SYSTEM_NAMESPACES: readonly string[] = ['kube-system'];
const SYSTEM_WRITE: DangerRule = { id: 'kube-system-write', why: 'writes cluster configuration (e.g. aws-auth maps IAM roles to system:masters)' };

/** Object names the library gives every agent's steering objects; writing another agent's is as bad as writing its own. */
const STEERING_CONFIGMAP = /-(approvals|phase)$/;
const STEERING_WRITE: DangerRule = { id: 'agent-configmap-write', why: "writes an agent's approvals or phase ConfigMap" };

/** API groups whose objects are the agent's guardrails: writes are dangerous. */
const GUARDRAIL_GROUPS: Readonly<Record<string, DangerRule>> = {
  'rbac.authorization.k8s.io': { id: 'rbac-write', why: 'edits RBAC, the agent could grant itself more' },
  'admissionregistration.k8s.io': { id: 'admission-write', why: 'edits admission policies, including its own approval gate' },
  'cilium.io': { id: 'network-policy-write', why: 'edits Cilium network policies, its own egress fence' },
};

/** Guardrail resources in otherwise ordinary groups. */
const GUARDRAIL_RESOURCES: Readonly<Record<string, DangerRule>> = {
  'networking.k8s.io/networkpolicies': { id: 'network-policy-write', why: 'edits NetworkPolicies, its own egress fence' },
};

/** Verbs that are dangerous on any resource. */
const DANGEROUS_VERBS: Readonly<Record<string, DangerRule>> = {
  escalate: { id: 'rbac-escalate', why: 'creates roles with more than it holds' },
  bind: { id: 'rbac-bind', why: 'binds roles it does not hold' },
  impersonate: { id: 'impersonate', why: 'acts as other users or service accounts' },
};

/**
 * The dangerous grants of one Kubernetes rule (empty when it has none). `namespaces` and
 * `resourceNames`, when known, add the namespace- and name-dependent dangers.
 */
export function kubernetesDangers(rule: {
  readonly apiGroups: readonly string[];
  readonly resources: readonly string[];
  readonly verbs: readonly string[];
  readonly namespaces?: readonly string[];
  readonly resourceNames?: readonly string[];
}, workloadKinds: readonly KindInfo[] = []): DangerRule[] {
  const found = new Map<string, DangerRule>();
  const writes = rule.verbs.some((v) => !READS.has(v));
  if (writes && (rule.namespaces ?? []).some((ns) => SYSTEM_NAMESPACES.includes(ns))) found.set(SYSTEM_WRITE.id, SYSTEM_WRITE);
  if (writes && rule.apiGroups.includes('') && rule.resources.includes('configmaps') && (rule.resourceNames ?? []).some((n) => STEERING_CONFIGMAP.test(n))) {
    found.set(STEERING_WRITE.id, STEERING_WRITE);
  }
  for (const verb of rule.verbs) {
    const d = DANGEROUS_VERBS[verb];
    if (d) found.set(d.id, d);
  }
  for (const group of rule.apiGroups) {
    const g = GUARDRAIL_GROUPS[group];
    if (g && writes) found.set(g.id, g);
    for (const resource of rule.resources) {
      const any = ANY_VERB[`${group}/${resource}`];
      if (any) found.set(any.id, any);
      const r = GUARDRAIL_RESOURCES[`${group}/${resource.split('/')[0]}`];
      if (r && writes) found.set(r.id, r);
      const pods = podKind(group, resource, workloadKinds);
      if (pods && rule.verbs.includes('create')) found.set(WORKLOAD_CREATE.id, WORKLOAD_CREATE);
      if (pods && rule.verbs.some((v) => TEMPLATE_WRITE_VERBS.has(v))) found.set(POD_TEMPLATE_WRITE.id, POD_TEMPLATE_WRITE);
    }
  }
  return [...found.values()];
}

/** IAM actions that hand out credentials or secret values. */
const AWS_SECRET_READS: ReadonlyArray<readonly [RegExp, DangerRule]> = [
  [/^secretsmanager:getsecretvalue$/, { id: 'aws-secret-read', why: 'reads secret values' }],
  [/^secretsmanager:batchgetsecretvalue$/, { id: 'aws-secret-read', why: 'reads secret values' }],
  [/^ssm:getparameter/, { id: 'aws-parameter-read', why: 'reads SecureString parameters' }],
  [/^kms:decrypt$/, { id: 'aws-kms-decrypt', why: 'decrypts data keys and secrets' }],
  [/^ec2:getpassworddata$/, { id: 'aws-ec2-password', why: 'reads Windows administrator passwords' }],
];

/** The dangerous grants among expanded IAM actions. */
export function awsDangers(actions: readonly string[]): DangerRule[] {
  const found = new Map<string, DangerRule>();
  for (const action of actions) {
    for (const [re, d] of AWS_SECRET_READS) if (re.test(action.toLowerCase())) found.set(d.id, d);
  }
  return [...found.values()];
}
