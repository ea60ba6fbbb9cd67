/**
 * The phase table: the one place that says what each trust phase allows.
 *
 * Synthesizers read it to produce access, the guard reads it to check output, the gate reads
 * it for names. Nothing else in the library branches on a phase number.
 */

/** A trust phase: 1 Shadow, 2 Read-Only Assist, 3 Limited Remediation, 4 Autonomous. */
export type Phase = 1 | 2 | 3 | 4;

/** All phases in order. */
export const PHASE_VALUES: readonly Phase[] = [1, 2, 3, 4];

/** Capability tiers of an agent definition; a phase activates a set of them. */
export type Tier = 'observe' | 'recommend' | 'remediate' | 'autonomous';

/** All tiers in the order they unlock. */
export const TIER_VALUES: readonly Tier[] = ['observe', 'recommend', 'remediate', 'autonomous'];

/**
 * How far writes reach in a tier: `none` (read-only), `named` (only on listed resource names
 * or exact paths/ARNs) or `namespaced` (any object of the listed kinds in listed namespaces,
 * still no wildcards).
 */
export type WriteScope = 'none' | 'named' | 'namespaced';

/** Vault capabilities this library ever renders (never `sudo`, `deny` is not needed). */
export type VaultCapability = 'read' | 'list' | 'create' | 'update' | 'patch' | 'delete';

/** IAM access levels as named by the AWS Service Authorization Reference. */
export type IamAccessLevel = 'Read' | 'List' | 'Write' | 'Permissions management' | 'Tagging';

/** What a tier permits. */
export interface TierRules {
  readonly writes: WriteScope;
  /** Kubernetes verbs a rule in this tier may use. */
  readonly kubernetesVerbs: readonly string[];
  /** Verbs a rule gets when it names none. */
  readonly defaultKubernetesVerbs: readonly string[];
  /** Whether cluster-scoped (ClusterRole) rules may be declared in this tier. */
  readonly clusterScoped: boolean;
  readonly vaultCapabilities: readonly VaultCapability[];
  readonly iamAccessLevels: readonly IamAccessLevel[];
}

/** Read verbs of the Kubernetes API. */
export const READ_VERBS = ['get', 'list', 'watch'] as const;

/** What each tier permits. */
export const TIERS = {
  observe: {
    writes: 'none',
    kubernetesVerbs: READ_VERBS,
    defaultKubernetesVerbs: READ_VERBS,
    clusterScoped: true,
    vaultCapabilities: ['read', 'list'],
    iamAccessLevels: ['Read', 'List'],
  },
  recommend: {
    writes: 'none',
    kubernetesVerbs: READ_VERBS,
    defaultKubernetesVerbs: READ_VERBS,
    clusterScoped: true,
    vaultCapabilities: ['read', 'list'],
    iamAccessLevels: ['Read', 'List'],
  },
  remediate: {
    writes: 'named',
    // resourceNames cannot restrict create, list, watch or deletecollection, so named writes exclude them.
    kubernetesVerbs: ['get', 'update', 'patch', 'delete'],
    defaultKubernetesVerbs: ['get', 'patch'],
    clusterScoped: false,
    vaultCapabilities: ['read', 'list', 'create', 'update', 'patch', 'delete'],
    iamAccessLevels: ['Read', 'List', 'Write', 'Tagging'],
  },
  autonomous: {
    writes: 'namespaced',
    kubernetesVerbs: ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'],
    defaultKubernetesVerbs: ['get', 'list', 'watch', 'patch'],
    clusterScoped: false,
    vaultCapabilities: ['read', 'list', 'create', 'update', 'patch', 'delete'],
    iamAccessLevels: ['Read', 'List', 'Write', 'Tagging'],
  },
} as const satisfies Record<Tier, TierRules>;

/**
 * What a write by the agent needs, in every backend:
 * - `deny`: no write is admitted (Kubernetes admission rejects every write; Vault and IAM grant
 *   no write capability);
 * - `approval`: a write must be one of the definition's declared actions *and* carry a
 *   single-use operator approval the agent cannot give itself (a ConfigMap entry naming the
 *   object's resourceVersion in Kubernetes, a token from an operator-only token role in Vault,
 *   an operator-set resource tag in AWS);
 * - `actions`: a write must be one of the declared actions (Kubernetes admission compares the
 *   object with its previous version, so nothing else may change); no approval.
 */
export type WriteAdmission = 'deny' | 'approval' | 'actions';

/** A duration ceiling with its default. */
export interface Bounded {
  readonly default: number;
  readonly ceiling: number;
}

/** What a phase permits. */
export interface PhaseRules {
  readonly name: string;
  /** One line for reports and PR bodies. */
  readonly summary: string;
  /** Tiers of the agent definition that are active in this phase. */
  readonly tiers: readonly Tier[];
  /** What a write needs in every backend (see WriteAdmission). */
  readonly writeAdmission: WriteAdmission;
  /**
   * Confidence below which the agent must escalate to a human instead of acting;
   * `undefined` where the agent never acts alone.
   */
  readonly escalationConfidence: number | undefined;
  /**
   * Approving reviewers a pull request promoting an agent into this phase needs at least,
   * whatever the gate policy asks (its sign-offs can only raise it).
   */
  readonly promotionApprovals: number;
  /** Vault token TTL (seconds): default and the most a definition may ask for. */
  readonly vaultTokenTtlSeconds: Bounded;
  /** Vault token max TTL (seconds). */
  readonly vaultTokenMaxTtlSeconds: Bounded;
  /** IAM role max_session_duration (seconds, AWS allows 3600–43200). */
  readonly iamMaxSessionDurationSeconds: Bounded;
}

/** The phase table. */
export const PHASES = {
  1: {
    name: 'Shadow',
    summary: 'read-only; its output goes nowhere',
    tiers: ['observe'],
    writeAdmission: 'deny',
    escalationConfidence: undefined,
    promotionApprovals: 1,
    vaultTokenTtlSeconds: { default: 900, ceiling: 900 },
    vaultTokenMaxTtlSeconds: { default: 3600, ceiling: 3600 },
    iamMaxSessionDurationSeconds: { default: 3600, ceiling: 3600 },
  },
  2: {
    name: 'Read-Only Assist',
    summary: 'read-only; recommendations reach a human, the human acts',
    tiers: ['observe', 'recommend'],
    writeAdmission: 'deny',
    escalationConfidence: undefined,
    promotionApprovals: 1,
    vaultTokenTtlSeconds: { default: 1800, ceiling: 3600 },
    vaultTokenMaxTtlSeconds: { default: 7200, ceiling: 14400 },
    iamMaxSessionDurationSeconds: { default: 3600, ceiling: 7200 },
  },
  3: {
    name: 'Limited Remediation',
    summary: 'scoped writes on named resources, each with one operator approval the agent cannot grant itself',
    tiers: ['observe', 'recommend', 'remediate'],
    writeAdmission: 'approval',
    escalationConfidence: undefined,
    promotionApprovals: 1,
    vaultTokenTtlSeconds: { default: 1800, ceiling: 3600 },
    vaultTokenMaxTtlSeconds: { default: 7200, ceiling: 14400 },
    iamMaxSessionDurationSeconds: { default: 3600, ceiling: 14400 },
  },
  4: {
    name: 'Autonomous',
    summary: 'resolves incidents alone with its declared actions, still bounded; escalates below a confidence threshold',
    tiers: ['observe', 'recommend', 'remediate', 'autonomous'],
    writeAdmission: 'actions',
    escalationConfidence: 0.8,
    promotionApprovals: 2,
    vaultTokenTtlSeconds: { default: 3600, ceiling: 7200 },
    vaultTokenMaxTtlSeconds: { default: 14400, ceiling: 28800 },
    iamMaxSessionDurationSeconds: { default: 7200, ceiling: 43200 },
  },
} as const satisfies Record<Phase, PhaseRules>;

/** The rules of one phase. */
export function phaseRules(phase: Phase): PhaseRules {
  return PHASES[phase];
}

/** The tiers active in `phase`, in unlock order. */
export function activeTiers(phase: Phase): readonly Tier[] {
  return PHASES[phase].tiers;
}

/** `Phase 3 (Limited Remediation)`. */
export function phaseLabel(phase: Phase): string {
  return `phase ${phase} (${PHASES[phase].name})`;
}

/** True when `value` is one of the four phases. */
export function isPhase(value: unknown): value is Phase {
  return value === 1 || value === 2 || value === 3 || value === 4;
}

/** The phase one below `phase`, floored at 1. */
export function phaseBelow(phase: Phase): Phase {
  return Math.max(1, phase - 1) as Phase;
}

/** The phase one above `phase`, or undefined at 4. */
export function phaseAbove(phase: Phase): Phase | undefined {
  return phase === 4 ? undefined : ((phase + 1) as Phase);
}
