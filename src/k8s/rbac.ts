import type {
  KubeClusterRoleBindingProps,
  KubeClusterRoleProps,
  KubeRoleBindingProps,
  KubeRoleProps,
  PolicyRule,
  Subject,
} from 'cdk8s-plus-33/lib/imports/k8s';
import { kubernetesDangers } from '../definition/dangerous';
import { LABELS, objectNames } from '../definition/names';
import { tierCapabilities, type KubernetesAccess, type ResolvedDefinition } from '../definition/types';
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
export function activeKubernetesRules(def: ResolvedDefinition, phase: Phase): ActiveKubernetesRule[] {
  return activeTiers(phase).flatMap((tier) =>
    (tierCapabilities(def, tier).kubernetes ?? []).map((rule, index) => ({ tier, index, rule })),
  );
}

/** The RBAC PolicyRule of one definition rule: its groups, resources and names, and the tier's verbs. */
function policyRule({ rule, tier }: ActiveKubernetesRule): PolicyRule {
  return {
    apiGroups: [...rule.apiGroups],
    resources: [...rule.resources],
    verbs: [...kubernetesVerbs(rule, tier)],
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
function dangerousReasons(rules: readonly ActiveKubernetesRule[]): string | undefined {
  const lines = rules.flatMap(({ rule, tier, index }) => {
    if (!rule.dangerous) return [];
    const ids = kubernetesDangers({ ...rule, verbs: kubernetesVerbs(rule, tier) }).map((d) => d.id);
    return [`${tier}.kubernetes[${index}] (${ids.join(', ')}): ${rule.dangerous.reason}`];
  });
  return lines.length > 0 ? lines.join('\n') : undefined;
}

function subjects(def: ResolvedDefinition): Subject[] {
  return [{ kind: 'ServiceAccount', name: objectNames(def.name).serviceAccount, namespace: def.namespace }];
}

function dangerAnnotation(rules: readonly ActiveKubernetesRule[]): { [key: string]: string } {
  const reasons = dangerousReasons(rules);
  return reasons ? { [LABELS.dangerousReason]: reasons } : {};
}

/** Namespaces that get a Role: the agent's own (for its phase ConfigMap) and every namespace an active rule names. */
function roleNamespaces(def: ResolvedDefinition, phase: Phase): string[] {
  const named = activeKubernetesRules(def, phase).flatMap(({ rule }) => rule.namespaces ?? []);
  return [...new Set([def.namespace, ...named])].sort();
}

/**
 * One Role + RoleBinding per namespace with the rules of all active tiers that name it. A
 * RoleBinding never grants cluster-scoped access, so these rules reach only their namespace.
 */
export function renderRoles(def: ResolvedDefinition, phase: Phase): NamespaceAccess[] {
  const name = objectNames(def.name).role;
  const active = activeKubernetesRules(def, phase).filter(({ rule }) => !rule.clusterScoped);
  return roleNamespaces(def, phase).map((namespace) => {
    const here = active.filter(({ rule }) => rule.namespaces?.includes(namespace));
    const rules = [...(namespace === def.namespace ? [phaseConfigReadRule(def)] : []), ...here.map(policyRule)];
    return {
      namespace,
      role: { metadata: objectMeta(def.name, phase, name, namespace, dangerAnnotation(here)), rules },
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
  const cluster = activeKubernetesRules(def, phase).filter(({ rule }) => rule.clusterScoped);
  if (cluster.length === 0) return undefined;
  return {
    role: { metadata: objectMeta(def.name, phase, name, undefined, dangerAnnotation(cluster)), rules: cluster.map(policyRule) },
    binding: {
      metadata: objectMeta(def.name, phase, name),
      roleRef: { apiGroup: RBAC_GROUP, kind: 'ClusterRole', name },
      subjects: subjects(def),
    },
  };
}
