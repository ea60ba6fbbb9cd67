import type {
  KubeClusterRoleBindingProps,
  KubeClusterRoleProps,
  KubeRoleBindingProps,
  KubeRoleProps,
  PolicyRule,
  Subject,
} from 'cdk8s-plus-33/lib/imports/k8s';
import { actionKind, actionRule } from '../definition/actions';
import { kubernetesDangers } from '../definition/dangerous';
import { LABELS, objectNames } from '../definition/names';
import { tierCapabilities, type AgentDefinition, type DangerousAccessAcknowledgement, type KubernetesAccess, type ResolvedDefinition } from '../definition/types';
import { kubernetesVerbs } from '../definition/validate';
import { activeTiers, type Phase, type Tier } from '../phase/table';
import { objectMeta } from './metadata';

const RBAC_GROUP = 'rbac.authorization.k8s.io';

/** A Kubernetes rule of an active tier, with the place it was declared. */
export interface ActiveKubernetesRule {
  readonly tier: Tier;
  /** Index in `<tier>.kubernetes`. */
  readonly index: number;
  readonly rule: KubernetesAccess;
}

/** The Role and RoleBinding the agent gets in one namespace. */
export interface NamespaceAccess {
  readonly namespace: string;
  readonly role: KubeRoleProps;
  readonly binding: KubeRoleBindingProps;
}

/** The ClusterRole and ClusterRoleBinding for cluster-scoped reads. */
export interface ClusterAccess {
  readonly role: KubeClusterRoleProps;
  readonly binding: KubeClusterRoleBindingProps;
}

/** Every Kubernetes rule of the tiers `phase` activates, in tier order. */
export function activeKubernetesRules(def: AgentDefinition, phase: Phase): ActiveKubernetesRule[] {
  return activeTiers(phase).flatMap((tier) =>
    (tierCapabilities(def, tier).kubernetes ?? []).map((rule, index) => ({ tier, index, rule })),
  );
}

/**
 * One RBAC rule the phase renders: a raw rule of an active tier (its verbs after the tier
 * default) or the narrowest rule of an action, with where it was declared.
 */
export interface RbacRule {
  /** `observe.kubernetes[0]`, `remediate.kubernetesActions[1]`. */
  readonly place: string;
  readonly apiGroups: readonly string[];
  readonly resources: readonly string[];
  readonly verbs: readonly string[];
  readonly resourceNames?: readonly string[];
  readonly namespaces?: readonly string[];
  readonly clusterScoped?: boolean;
  readonly dangerous?: DangerousAccessAcknowledgement;
}

/** The RBAC rules of the tiers `phase` activates: raw rules, then actions, tier by tier. */
export function activeRbacRules(def: AgentDefinition, phase: Phase): RbacRule[] {
  return activeTiers(phase).flatMap((tier) => {
    const caps = tierCapabilities(def, tier);
    const raw = (caps.kubernetes ?? []).map((rule, index): RbacRule => ({ ...rule, place: `${tier}.kubernetes[${index}]`, verbs: kubernetesVerbs(rule, tier) }));
    const actions = (caps.kubernetesActions ?? []).flatMap((action, index): RbacRule[] => {
      const kind = actionKind(action, def);
      if (!kind) return [];
      return [{ ...actionRule(action, kind), place: `${tier}.kubernetesActions[${index}]`, ...(action.dangerous ? { dangerous: action.dangerous } : {}) }];
    });
    return [...raw, ...actions];
  });
}

/** The RBAC PolicyRule of one rule: its groups, resources, verbs and names. */
function policyRule(rule: RbacRule): PolicyRule {
  return {
    apiGroups: [...rule.apiGroups],
    resources: [...rule.resources],
    verbs: [...rule.verbs],
    ...(rule.resourceNames ? { resourceNames: [...rule.resourceNames] } : {}),
  };
}

/** Read access to the agent's own phase ConfigMap, by name: it can `get` it and nothing else. */
function phaseConfigReadRule(def: ResolvedDefinition): PolicyRule {
  return { apiGroups: [''], resources: ['configmaps'], verbs: ['get'], resourceNames: [objectNames(def.name).phaseConfig] };
}

/**
 * The annotation value for rules granted through the `dangerous` escape hatch: one line per rule
 * naming where it is declared, what it grants and the written reason. Undefined when none.
 */
function dangerousReasons(def: AgentDefinition, rules: readonly RbacRule[]): string | undefined {
  const lines = rules.flatMap((rule) => {
    if (!rule.dangerous) return [];
    const ids = kubernetesDangers(rule, def.workloadKinds).map((d) => d.id);
    return [`${rule.place}${ids.length > 0 ? ` (${ids.join(', ')})` : ''}: ${rule.dangerous.reason}`];
  });
  return lines.length > 0 ? lines.join('\n') : undefined;
}

function subjects(def: ResolvedDefinition): Subject[] {
  return [{ kind: 'ServiceAccount', name: objectNames(def.name).serviceAccount, namespace: def.namespace }];
}

function dangerAnnotation(def: AgentDefinition, rules: readonly RbacRule[]): { [key: string]: string } {
  const reasons = dangerousReasons(def, rules);
  return reasons ? { [LABELS.dangerousReason]: reasons } : {};
}

/** Namespaces that get a Role: the agent's own (for its phase ConfigMap) and every namespace an active rule names. */
function roleNamespaces(def: ResolvedDefinition, phase: Phase): string[] {
  const named = activeRbacRules(def, phase).flatMap((rule) => rule.namespaces ?? []);
  return [...new Set([def.namespace, ...named])].sort();
}

/**
 * One Role + RoleBinding per namespace with the rules of all active tiers that name it. A
 * RoleBinding never grants cluster-scoped access, so these rules reach only their namespace.
 */
export function renderRoles(def: ResolvedDefinition, phase: Phase): NamespaceAccess[] {
  const name = objectNames(def.name).role;
  const active = activeRbacRules(def, phase).filter((rule) => !rule.clusterScoped);
  return roleNamespaces(def, phase).map((namespace) => {
    const here = active.filter((rule) => rule.namespaces?.includes(namespace));
    const rules = [...(namespace === def.namespace ? [phaseConfigReadRule(def)] : []), ...here.map(policyRule)];
    return {
      namespace,
      role: { metadata: objectMeta(def.name, phase, name, namespace, dangerAnnotation(def, here)), rules },
      binding: {
        metadata: objectMeta(def.name, phase, name, namespace),
        roleRef: { apiGroup: RBAC_GROUP, kind: 'Role', name },
        subjects: subjects(def),
      },
    };
  });
}

/** The ClusterRole + ClusterRoleBinding for the active tiers' cluster-scoped reads; undefined when there are none. */
export function renderClusterRole(def: ResolvedDefinition, phase: Phase): ClusterAccess | undefined {
  const name = objectNames(def.name).role;
  const cluster = activeRbacRules(def, phase).filter((rule) => rule.clusterScoped);
  if (cluster.length === 0) return undefined;
  return {
    role: { metadata: objectMeta(def.name, phase, name, undefined, dangerAnnotation(def, cluster)), rules: cluster.map(policyRule) },
    binding: {
      metadata: objectMeta(def.name, phase, name),
      roleRef: { apiGroup: RBAC_GROUP, kind: 'ClusterRole', name },
      subjects: subjects(def),
    },
  };
}
