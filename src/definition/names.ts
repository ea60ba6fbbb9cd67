/** Naming rules shared by every backend. */

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const LABEL_KEY_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;

/** A DNS-1123 label: lowercase alphanumerics and '-', at most 63 characters. */
export function isDnsLabel(value: string): boolean {
  return value.length <= 63 && DNS1123_LABEL.test(value);
}

/** A DNS-1123 subdomain: labels joined by '.', at most 253 characters. */
export function isDnsSubdomain(value: string): boolean {
  return value.length <= 253 && DNS1123_SUBDOMAIN.test(value);
}

/** A Kubernetes label key (`prefix/name` or `name`). */
export function isLabelKey(key: string): boolean {
  const parts = key.split('/');
  if (parts.length > 2) return false;
  const name = parts[parts.length - 1]!;
  const prefix = parts.length === 2 ? parts[0]! : undefined;
  if (prefix !== undefined && !isDnsSubdomain(prefix)) return false;
  return name.length <= 63 && LABEL_KEY_NAME.test(name);
}

/** A Kubernetes label value. */
export function isLabelValue(value: string): boolean {
  return value.length <= 63 && LABEL_VALUE.test(value);
}

/** Derived object names; the same in every phase. */
export function objectNames(agent: string) {
  return {
    serviceAccount: agent,
    /** Role/ClusterRole and bindings. */
    role: agent,
    networkPolicy: agent,
    /** The ConfigMap that tells the agent binary its phase. */
    phaseConfig: `${agent}-phase`,
    /** The ConfigMap operators write approvals into; the agent can never write it. */
    approvals: `${agent}-approvals`,
    /** ValidatingAdmissionPolicy and its binding that admit the agent's writes. */
    admissionPolicy: `${agent}.graduated-trust.dev`,
    /** ValidatingAdmissionPolicy and binding that, in phase 3, admit a remediate write only with an approval. */
    approvedPolicy: `${agent}-approved.graduated-trust.dev`,
    /** ValidatingAdmissionPolicy and binding that let only approvers write the approvals ConfigMap. */
    approvalsPolicy: `${agent}-approvals.graduated-trust.dev`,
    /** ValidatingAdmissionPolicy and binding that keep pods running as the agent inside its fence. */
    fencePolicy: `${agent}-fence.graduated-trust.dev`,
  } as const;
}

/** Label and annotation keys the library writes. */
export const LABELS = {
  agent: 'graduated-trust.dev/agent',
  phase: 'graduated-trust.dev/phase',
  phaseName: 'graduated-trust.dev/phase-name',
  tier: 'graduated-trust.dev/tier',
  dangerousReason: 'graduated-trust.dev/dangerous-reason',
  guardSuppressions: 'graduated-trust.dev/guard-suppressions',
  /** On each admission policy: the input it was rendered from (JSON), so analysis can check it. */
  admission: 'graduated-trust.dev/admission',
  managedBy: 'app.kubernetes.io/managed-by',
} as const;

/** The label every namespace carries with its own name (Kubernetes ≥ 1.21). */
export const NAMESPACE_NAME_LABEL = 'kubernetes.io/metadata.name';

/** The cluster DNS pods the agent may query on UDP and TCP 53. */
export interface DnsEndpoint {
  readonly namespace: string;
  readonly podLabels: Readonly<Record<string, string>>;
}

/** CoreDNS/kube-dns as most clusters run it: `k8s-app=kube-dns` in `kube-system`. */
export const KUBE_DNS: DnsEndpoint = { namespace: 'kube-system', podLabels: { 'k8s-app': 'kube-dns' } };
