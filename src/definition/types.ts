import type { Phase, Tier, VaultCapability } from '../phase/table';
import type { KindInfo, KindRef } from './kinds';

/**
 * A written reason for granting something in the dangerous set. Required, at least 10
 * characters, and rendered into the synthesized output so reviewers see it.
 */
export interface DangerousAccessAcknowledgement {
  readonly reason: string;
}

/**
 * Kubernetes API access in one tier. Namespaced rules become a Role and RoleBinding in each
 * listed namespace; `clusterScoped` read rules become a ClusterRole and ClusterRoleBinding.
 */
export interface KubernetesAccess {
  /** API groups, `''` for the core group. No `*`. */
  readonly apiGroups: readonly string[];
  /** Resources, optionally with a subresource (`deployments/scale`). No `*`. */
  readonly resources: readonly string[];
  /**
   * Verbs. Read tiers allow get/list/watch; remediate get/update/patch/delete; autonomous adds
   * list/watch/create.
   * @default the tier's default verbs (get/list/watch for reads, get/patch for writes)
   */
  readonly verbs?: readonly string[];
  /** Object names the rule is limited to. Required in the remediate tier. */
  readonly resourceNames?: readonly string[];
  /** Namespaces the rule applies in. Required unless `clusterScoped`. */
  readonly namespaces?: readonly string[];
  /**
   * The resources are cluster-scoped (nodes, namespaces, …): rendered as a ClusterRole.
   * Only read tiers may declare it.
   * @default false
   */
  readonly clusterScoped?: boolean;
  /** Escape hatch for the dangerous set (secrets, exec, RBAC writes, …). */
  readonly dangerous?: DangerousAccessAcknowledgement;
}

/** Where a Kubernetes action applies: namespaces and, optionally, object names. */
export interface ActionTarget {
  /** Namespaces the action applies in. */
  readonly namespaces: readonly string[];
  /**
   * Names of the objects. Required in the remediate tier (each write names its object).
   * @default every object of the kind in `namespaces` (autonomous tier only)
   */
  readonly names?: readonly string[];
  /** Escape hatch for the dangerous set (a guardrail kind, `kube-system`, fields inside a pod spec). */
  readonly dangerous?: DangerousAccessAcknowledgement;
}

/**
 * Scale through the `scale` subresource (only the replica count can change), optionally within
 * bounds that admission enforces.
 */
export interface ScaleAction extends ActionTarget {
  readonly action: 'scale';
  /** A kind with the scale subresource: `KubeKind.DEPLOYMENTS`, `KubeKind.STATEFUL_SETS`, … */
  readonly kind: KindRef;
  /** @default 0 */
  readonly minReplicas?: number;
  /** @default no upper bound */
  readonly maxReplicas?: number;
}

/**
 * `kubectl rollout restart`: only the pod template annotation `kubectl.kubernetes.io/restartedAt`
 * may change; admission compares the whole object with its previous version.
 */
export interface RestartAction extends ActionTarget {
  readonly action: 'restart';
  /** A kind with a pod template: `KubeKind.DEPLOYMENTS`, `KubeKind.STATEFUL_SETS`, `KubeKind.DAEMON_SETS`, … */
  readonly kind: KindRef;
}

/** Delete a pod so its controller replaces it, optionally only pods with these labels (checked on the pod by admission). */
export interface DeletePodAction extends ActionTarget {
  readonly action: 'delete-pod';
  /**
   * Labels the pod must carry. In the remediate tier give `names` or `podLabels`.
   * @default any pod in `namespaces` (or of `names`)
   */
  readonly podLabels?: Readonly<Record<string, string>>;
}

/**
 * Change the image of named containers, only to images of the listed repositories (any tag or
 * digest); every other field of the object must stay equal.
 */
export interface SetImageAction extends ActionTarget {
  readonly action: 'set-image';
  /** A kind with a pod template. */
  readonly kind: KindRef;
  /** Container names whose image may change (`spec.containers[].name`). */
  readonly containers: readonly string[];
  /** Repositories, e.g. `registry.example.com/shop/checkout`: the new image is one of them with a tag or digest. */
  readonly repositories: readonly string[];
}

/**
 * Change a declared list of fields (`spec.replicas`, `metadata.labels["tier"]`, `data["flag"]`);
 * admission compares everything else with the previous version.
 */
export interface PatchFieldsAction extends ActionTarget {
  readonly action: 'patch-fields';
  readonly kind: KindRef;
  /**
   * Field paths: dotted names, with `["key"]` for a map key. A field inside a pod template's
   * spec (what runs) is in the dangerous set.
   */
  readonly fields: readonly string[];
}

/** A Kubernetes write from the action catalogue: rendered as the narrowest RBAC plus an admission check. */
export type KubernetesAction = ScaleAction | RestartAction | DeletePodAction | SetImageAction | PatchFieldsAction;

/** The names of the actions in the catalogue. */
export const KUBERNETES_ACTIONS = ['scale', 'restart', 'delete-pod', 'set-image', 'patch-fields'] as const;

/** A network destination. Exactly one form. */
export type EgressPeer =
  /** An IP block, e.g. the API server endpoint `10.0.0.1/32` or a SaaS range. */
  | { readonly cidr: string; readonly except?: readonly string[] }
  /** A DNS name. Needs the Cilium flavour: vanilla NetworkPolicy has no FQDN rules. */
  | { readonly fqdn: string }
  /** Pods in a namespace (selected by `kubernetes.io/metadata.name`), optionally by labels. */
  | { readonly namespace: string; readonly podLabels?: Readonly<Record<string, string>> };

/** A port; protocol defaults to TCP as in Kubernetes. */
export interface EgressPort {
  readonly port: number;
  /** @default 'TCP' */
  readonly protocol?: 'TCP' | 'UDP';
}

/** One allowed egress destination. */
export interface EgressRule {
  /** A short DNS-1123 name for reports and diffs, e.g. `prometheus`, `model-api`. */
  readonly name: string;
  readonly to: EgressPeer;
  readonly ports: readonly EgressPort[];
}

/** Vault access: an ACL path and capabilities. */
export interface VaultAccess {
  /**
   * A Vault ACL path. `*` only as the last character, `+` only as a whole segment; never under
   * `sys/`, `auth/` or `identity/` with write capabilities; never bare `*`.
   */
  readonly path: string;
  readonly capabilities: readonly VaultCapability[];
  readonly dangerous?: DangerousAccessAcknowledgement;
}

/**
 * IAM condition operators and their keys and values, as in a policy statement:
 * `{ ArnLike: { 'ecs:task-definition': 'arn:aws:ecs:eu-west-1:111122223333:task-definition/checkout:*' } }`.
 */
export type IamConditions = Readonly<Record<string, Readonly<Record<string, string | readonly string[]>>>>;

/** AWS IAM access: actions on resources. */
export interface AwsAccess {
  /** `service:Action`, validated against the IAM reference. Wildcards only in read tiers and never `*` or `service:*`. */
  readonly actions: readonly string[];
  /** ARNs. Write tiers need ARNs, not `*`; the remediate tier needs exact ARNs. */
  readonly resources: readonly string[];
  /**
   * Conditions of the statement. Actions that change what code or role runs (`ecs:UpdateService`,
   * …) need the condition keys that pin it (`ecs:task-definition`) or a `dangerous` reason.
   * @default none
   */
  readonly conditions?: IamConditions;
  readonly dangerous?: DangerousAccessAcknowledgement;
}

/** What an agent may touch in one tier; every backend reads the part it knows. */
export interface TierCapabilities {
  readonly kubernetes?: readonly KubernetesAccess[];
  /** Kubernetes writes from the action catalogue (write tiers only). */
  readonly kubernetesActions?: readonly KubernetesAction[];
  readonly egress?: readonly EgressRule[];
  readonly vault?: readonly VaultAccess[];
  readonly aws?: readonly AwsAccess[];
}

/**
 * One agent, all phases. The phase decides which tiers are active; the definition never
 * changes on promotion.
 *
 * @example
 * const agent: AgentDefinition = {
 *   name: 'incident-responder',
 *   namespace: 'ops-agents',
 *   observe: { kubernetes: [{ apiGroups: [''], resources: ['pods'], namespaces: ['shop'] }] },
 * };
 */
export interface AgentDefinition {
  /**
   * DNS-1123 label, at most 50 characters. The ServiceAccount, Vault policy and role, IAM role and
   * every object name derive from it, including cluster-scoped ones (ClusterRole, admission
   * policy), so it must be unique per cluster, Vault mount and AWS account, not only per namespace.
   */
  readonly name: string;
  /** Namespace the agent runs in. */
  readonly namespace: string;
  /**
   * Labels of the agent's pods (NetworkPolicy selects on them).
   * @default { 'app.kubernetes.io/name': name }
   */
  readonly podLabels?: Readonly<Record<string, string>>;
  /** Phase ≥ 1: what the agent reads. */
  readonly observe: TierCapabilities;
  /** Phase ≥ 2: where recommendations go. */
  readonly recommend?: TierCapabilities;
  /** Phase ≥ 3: named writes, each approved by an operator. */
  readonly remediate?: TierCapabilities;
  /** Phase 4: wider, namespace-scoped writes. */
  readonly autonomous?: TierCapabilities;
  /**
   * Confidence below which the agent escalates instead of acting, in phases where the phase
   * table sets a threshold (phase 4).
   * @default the phase table's threshold (0.8)
   */
  readonly escalationConfidence?: number;
  /**
   * Custom resources of your cluster that run pods, besides the built-in catalogue (see
   * `KubeKind`): raw writes on them are in the dangerous set, and actions may name them.
   * @default none
   */
  readonly workloadKinds?: readonly KindInfo[];
}

/**
 * A definition with defaults applied; what synthesizers consume. `escalationConfidence` stays
 * optional: the phase table's threshold applies where the definition gives none.
 */
export interface ResolvedDefinition extends AgentDefinition {
  readonly podLabels: Readonly<Record<string, string>>;
}

/** `system:serviceaccount:NS:NAME`, the username Kubernetes authenticates the agent as. */
export function serviceAccountUsername(def: Pick<AgentDefinition, 'name' | 'namespace'>): string {
  return `system:serviceaccount:${def.namespace}:${def.name}`;
}

/** The capabilities of one tier (empty when the definition leaves the tier out). */
export function tierCapabilities(def: AgentDefinition, tier: Tier): TierCapabilities {
  return def[tier] ?? {};
}

/** Everything a backend reads for a phase: each active tier with its capabilities. */
export type PhaseCapabilities = ReadonlyArray<{ readonly tier: Tier; readonly capabilities: TierCapabilities }>;

/** Re-exported for convenience. */
export type { Phase, Tier, VaultCapability };
