/**
 * The effective-access model: what one agent can actually do according to a synthesized output.
 *
 * Plain JSON, every list and record sorted, no file paths, construct paths or hashes, so the
 * same access always serializes to the same text: a snapshot of it only changes when access
 * changes. Object names (bindings, roles) appear only in `via`-style fields that the diff ignores.
 */
import { compare } from '../order';

/** Marks "every object" in a name list and "everything" in egress. */
export const ANY = '*';

/** A grant in the dangerous set, as one readable line with the danger's ID. */
export interface DangerFlag {
  /** The grant in diff syntax, e.g. `get secrets in shop`. */
  readonly grant: string;
  /** Danger ID from the dangerous set (`secrets`, `pods-exec`, `wildcard`, …). */
  readonly id: string;
  readonly why: string;
}

/** One resource kind in one scope, with verbs → object names (`['*']` = every object). */
export interface KubernetesResourceAccess {
  /** `''` for the core group. */
  readonly apiGroup: string;
  /** Resource, optionally `/subresource`. */
  readonly resource: string;
  readonly verbs: Readonly<Record<string, readonly string[]>>;
}

/** A binding that reaches the agent and what it points at. */
export interface KubernetesBindingRef {
  /** `RoleBinding shop/incident-responder`. */
  readonly binding: string;
  /** `Role shop/incident-responder` or `ClusterRole view`. */
  readonly role: string;
  /** How the agent is named in the binding, e.g. `ServiceAccount ops-agents/x` or `Group system:authenticated`. */
  readonly subject: string;
  /** False when the role is not part of the output, so its rules are unknown. */
  readonly resolved: boolean;
}

/**
 * How writes by the agent are admitted: `deny` (a ValidatingAdmissionPolicy of the agent rejects
 * every write), `approval` (a write must be a declared action and carry a single-use operator
 * approval in ConfigMap `<namespace>/<name>-approvals`), `actions` (a write must be a declared
 * action), `none` (no policy selects the agent: RBAC alone decides), or `custom` (a policy
 * selects the agent but is not exactly what TrustPhasedAgent renders; what it admits is unknown).
 */
export type WriteAdmissionMode = 'deny' | 'approval' | 'actions' | 'none' | 'custom';

/** A write admission lets through, with what it may change and what approves it. */
export interface KubernetesWriteAccess {
  /** `restart apps/deployments "checkout", "cart" in shop`. */
  readonly write: string;
  /** `only spec.template.metadata.annotations["kubectl.kubernetes.io/restartedAt"]`, `any change`. */
  readonly changes: string;
  /** How one write is approved (`operator ConfigMap entry`), or null when none is needed. */
  readonly approval: string | null;
}

/**
 * What a grant reaches beyond itself: a write that runs code as another identity is reported as
 * that identity's access.
 */
export interface ReachFlag {
  readonly backend: 'kubernetes' | 'vault' | 'aws';
  /** The grant, e.g. `patch apps/deployments in shop`, `iam ecs:UpdateService on arn:…`. */
  readonly grant: string;
  /** What it reaches: `may run code as any ServiceAccount of shop and read its Secrets`. */
  readonly reach: string;
  /** Danger ID (`pod-template-write`, `aws-runs-code`, …). */
  readonly id: string;
}

/** Kubernetes API access. */
export interface KubernetesAccessModel {
  /**
   * Scope → `apiGroup/resource` (core: `resource`) → verbs → names. Scope is a namespace, or
   * `*` for ClusterRoleBinding grants (every namespace and cluster-scoped objects).
   */
  readonly scopes: Readonly<Record<string, Readonly<Record<string, KubernetesResourceAccess>>>>;
  /** Non-resource URLs (`/healthz`) → verbs; only ClusterRoleBindings grant these. */
  readonly nonResourceURLs: Readonly<Record<string, readonly string[]>>;
  readonly dangerous: readonly DangerFlag[];
  readonly bindings: readonly KubernetesBindingRef[];
  /** How the agent's writes are admitted, from the ValidatingAdmissionPolicies that select it. */
  readonly writeAdmission: WriteAdmissionMode;
  /** The writes admission admits, sorted; empty when it admits none or cannot tell (`custom`, `none`). */
  readonly writes: readonly KubernetesWriteAccess[];
  /**
   * Whether an admission policy keeps pods running as the agent's ServiceAccount inside its
   * NetworkPolicy (the agent's labels, no host network): `admission`, `none`, or `custom`.
   */
  readonly fence: 'admission' | 'none' | 'custom';
  /** Whether only approvers can write the approvals ConfigMap: `guarded`, `none` or `custom`. */
  readonly approvals: 'guarded' | 'none' | 'custom';
  /** What the model could not evaluate (an aggregated ClusterRole, …): access there is unknown. */
  readonly unresolved: readonly string[];
}

/** Network egress of the agent's pods. */
export interface EgressAccessModel {
  /** False when no NetworkPolicy selects the pods for egress: they may reach anything. */
  readonly isolated: boolean;
  /** Destination → ports (`443/TCP`, `*` for every port). A non-isolated pod has `{ '*': ['*'] }`. */
  readonly destinations: Readonly<Record<string, readonly string[]>>;
  /**
   * DNS names and patterns the pods may look up (Cilium DNS rules), or null when lookups are not
   * filtered: cluster DNS then forwards any name upstream, so DNS is an outbound channel.
   */
  readonly dnsNames: readonly string[] | null;
}

/** A Vault auth role the agent's ServiceAccount token can log in with (Kubernetes or JWT/OIDC auth). */
export interface VaultRoleAccess {
  /** `kubernetes` or `jwt`. */
  readonly auth: string;
  readonly backend: string;
  /** Policies its tokens carry (`default` included when the role does not set token_no_default_policy). */
  readonly policies: readonly string[];
  readonly tokenTtlSeconds: number | null;
  readonly tokenMaxTtlSeconds: number | null;
  /** The audience a login token must carry; null when any is accepted. */
  readonly audience: string | null;
}

/** Vault access. */
export interface VaultAccessModel {
  readonly roles: Readonly<Record<string, VaultRoleAccess>>;
  /** Path pattern → capabilities of the agent's own tokens (policies merged, deny wins, most specific path wins). */
  readonly paths: Readonly<Record<string, readonly string[]>>;
  /**
   * Path pattern → capabilities a token from an operator-only approval role carries (phase 3
   * writes): the agent cannot mint one itself.
   */
  readonly approvalPaths: Readonly<Record<string, readonly string[]>>;
  /** How one approved write is given, e.g. `operator token from role x-approval (1 use, 900s)`; null without an approval role. */
  readonly approval: string | null;
  /** Attached policies or values the output does not hold (their access is unknown). */
  readonly unresolved: readonly string[];
}

/** An IAM role the agent can assume. */
export interface AwsRoleAccess {
  /** Principals the trust policy admits, e.g. `IRSA system:serviceaccount:ns:name (arn:…:oidc-provider/…)`. */
  readonly assumableBy: readonly string[];
  /** Boundary policy name or ARN; null when the role has none. */
  readonly permissionsBoundary: string | null;
  readonly maxSessionDurationSeconds: number | null;
  /** IAM access level → action → resources, after intersecting with the boundary; without an approval condition. */
  readonly actions: Readonly<Record<string, Readonly<Record<string, readonly string[]>>>>;
  /**
   * The same for actions allowed only on resources an operator tagged for the agent (phase 3
   * writes), when the boundary also denies the agent that tag.
   */
  readonly approvalActions: Readonly<Record<string, Readonly<Record<string, readonly string[]>>>>;
  /** How one approved write is given, e.g. `operator tag graduated-trust.dev/approved-for=x@20261125T000000Z`; null when none is gated. */
  readonly approval: string | null;
  readonly dangerous: readonly DangerFlag[];
  /** Policies attached to the role whose document is not in the output. */
  readonly unresolved: readonly string[];
}

/** AWS access. */
export interface AwsAccessModel {
  /** Role name → access. */
  readonly roles: Readonly<Record<string, AwsRoleAccess>>;
}

/** An agent's effective access in one synthesized output. */
export interface AccessModel {
  /** `NAMESPACE/NAME` of the agent's ServiceAccount. */
  readonly agent: string;
  /** Phase recorded in the output's labels or tags; null when none is recorded. Informational. */
  readonly phase: number | null;
  readonly kubernetes: KubernetesAccessModel;
  readonly egress: EgressAccessModel;
  readonly vault: VaultAccessModel;
  readonly aws: AwsAccessModel;
  /** What grants reach beyond themselves (running code as other identities), sorted. */
  readonly reach: readonly ReachFlag[];
}

/** An agent's identity as `{ namespace, name }`. */
export interface AgentRef {
  readonly namespace: string;
  readonly name: string;
}

/** Parses `NAMESPACE/NAME`; undefined when malformed. */
export function parseAgentRef(text: string): AgentRef | undefined {
  const m = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?)\/([a-z0-9]([-a-z0-9.]*[a-z0-9])?)$/.exec(text);
  return m ? { namespace: m[1]!, name: m[3]! } : undefined;
}

/** `NAMESPACE/NAME`. */
export function formatAgentRef(agent: AgentRef): string {
  return `${agent.namespace}/${agent.name}`;
}

/** A record with keys in code-point order (JSON keeps insertion order). */
export function sortedRecord<T>(entries: Iterable<readonly [string, T]>): Record<string, T> {
  const out: Record<string, T> = {};
  for (const [k, v] of [...entries].sort(([a], [b]) => compare(a, b))) out[k] = v;
  return out;
}

/** Sorted unique strings. */
export function sortedUnique(values: Iterable<string>): string[] {
  return [...new Set(values)].sort(compare);
}
