import { selectorMatches, type LabelSelector } from './netpol';
import {
  ruleAllows,
  ruleAllowsNonResource,
  subjectMatches,
  type NonResourceRequest,
  type PolicyRule,
  type ResourceRequest,
  type Subject,
  type UserInfo,
} from './rbac';

/** Any Kubernetes manifest, as parsed from YAML or taken from `chart.toJson()`. */
export interface Manifest {
  readonly apiVersion?: string;
  readonly kind?: string;
  readonly metadata?: { readonly name?: string; readonly namespace?: string; readonly labels?: Record<string, string>; readonly annotations?: Record<string, string> };
  readonly [key: string]: unknown;
}

interface RoleRef {
  readonly kind: 'Role' | 'ClusterRole';
  readonly name: string;
}

/** One binding that reaches a user, with the rules it grants and where. */
export interface EffectiveBinding {
  readonly binding: { readonly kind: 'RoleBinding' | 'ClusterRoleBinding'; readonly name: string; readonly namespace: string };
  /**
   * `found`: the role is in the output; `aggregated`: a ClusterRole whose rules the aggregation
   * controller fills from every labelled ClusterRole of the cluster, so `rules` holds only the
   * members in the output and the rest is unknown.
   */
  readonly role: { readonly kind: 'Role' | 'ClusterRole'; readonly name: string; readonly found: boolean; readonly aggregated: boolean };
  /** The namespace the rules apply in; `''` for a ClusterRoleBinding (all namespaces and cluster scope). */
  readonly namespace: string;
  readonly rules: readonly PolicyRule[];
  /** The subject that matched. */
  readonly subject: Subject;
  /** The binding object itself, to locate it in the output. */
  readonly source: Manifest;
}

const RBAC = 'rbac.authorization.k8s.io/';

function key(kind: string, namespace: string, name: string): string {
  return `${kind}/${namespace}/${name}`;
}

/**
 * An RBAC authorizer over a set of manifests, the way the API server's RBAC authorizer reads
 * the objects in etcd: RoleBindings grant in their own namespace only (never cluster-scoped
 * access), ClusterRoleBindings grant everywhere. An aggregated ClusterRole (with an
 * `aggregationRule`) grants the rules of every ClusterRole its selectors match, as the
 * aggregation controller fills them in: those in the output are read, and the role is marked
 * aggregated because the cluster may hold more.
 */
export class RbacAuthorizer {
  private readonly roles = new Map<string, readonly PolicyRule[]>();
  private readonly clusterRoles: Manifest[] = [];
  private readonly aggregated = new Map<string, readonly LabelSelector[]>();
  private readonly bindings: Manifest[] = [];
  /** `user:USERNAME` / `group:NAME` → positions in `bindings` of the bindings with such a subject. */
  private readonly bySubject = new Map<string, number[]>();

  constructor(manifests: Iterable<Manifest>) {
    for (const m of manifests) {
      if (!m.apiVersion?.startsWith(RBAC)) continue;
      const name = m.metadata?.name ?? '';
      if (m.kind === 'Role') this.roles.set(key('Role', m.metadata?.namespace ?? '', name), (m['rules'] as PolicyRule[] | undefined) ?? []);
      else if (m.kind === 'ClusterRole') {
        this.roles.set(key('ClusterRole', '', name), (m['rules'] as PolicyRule[] | undefined) ?? []);
        this.clusterRoles.push(m);
        const selectors = (m['aggregationRule'] as { clusterRoleSelectors?: LabelSelector[] } | undefined)?.clusterRoleSelectors;
        if (selectors) this.aggregated.set(name, selectors);
      }
      else if (m.kind === 'RoleBinding' || m.kind === 'ClusterRoleBinding') this.addBinding(m);
    }
  }

  /** Indexes a binding under every user or group its subjects can match (see subjectMatches). */
  private addBinding(b: Manifest): void {
    const position = this.bindings.push(b) - 1;
    const namespace = b.kind === 'RoleBinding' ? b.metadata?.namespace ?? '' : '';
    for (const s of (b['subjects'] as Subject[] | undefined) ?? []) {
      const ns = s.kind === 'ServiceAccount' ? s.namespace || namespace : '';
      const k = s.kind === 'User' ? `user:${s.name}` : s.kind === 'Group' ? `group:${s.name}` : ns ? `user:system:serviceaccount:${ns}:${s.name}` : undefined;
      if (k === undefined) continue;
      const list = this.bySubject.get(k) ?? [];
      if (list[list.length - 1] !== position) list.push(position);
      this.bySubject.set(k, list);
    }
  }

  /** The bindings that may name the user, in output order. */
  private candidates(user: UserInfo): Manifest[] {
    const positions = new Set([`user:${user.username}`, ...user.groups.map((g) => `group:${g}`)].flatMap((k) => this.bySubject.get(k) ?? []));
    return [...positions].sort((a, b) => a - b).map((i) => this.bindings[i]!);
  }

  /** Every binding whose subjects include the user, with the rules it grants. */
  bindingsFor(user: UserInfo): EffectiveBinding[] {
    const out: EffectiveBinding[] = [];
    for (const b of this.candidates(user)) {
      const kind = b.kind as 'RoleBinding' | 'ClusterRoleBinding';
      const namespace = kind === 'RoleBinding' ? b.metadata?.namespace ?? '' : '';
      const subjects = (b['subjects'] as Subject[] | undefined) ?? [];
      const subject = subjects.find((s) => subjectMatches(s, user, namespace));
      if (!subject) continue;
      const ref = b['roleRef'] as RoleRef;
      // A RoleBinding may reference a Role in its namespace or a ClusterRole; a ClusterRoleBinding only a ClusterRole.
      const roleKey = ref.kind === 'Role' ? (kind === 'RoleBinding' ? key('Role', namespace, ref.name) : undefined) : key('ClusterRole', '', ref.name);
      const selectors = ref.kind === 'ClusterRole' ? this.aggregated.get(ref.name) : undefined;
      const rules = selectors ? this.aggregatedRules(ref.name, selectors) : roleKey ? this.roles.get(roleKey) : undefined;
      out.push({
        binding: { kind, name: b.metadata?.name ?? '', namespace },
        role: { kind: ref.kind, name: ref.name, found: rules !== undefined, aggregated: selectors !== undefined },
        namespace,
        rules: rules ?? [],
        subject,
        source: b,
      });
    }
    return out;
  }

  /** The rules of an aggregated ClusterRole: its own and those of every ClusterRole in the output its selectors match. */
  private aggregatedRules(name: string, selectors: readonly LabelSelector[]): PolicyRule[] {
    const members = this.clusterRoles.filter((m) => m.metadata?.name !== name && selectors.some((s) => selectorMatches(s, m.metadata?.labels ?? {})));
    return [...(this.roles.get(key('ClusterRole', '', name)) ?? []), ...members.flatMap((m) => (m['rules'] as PolicyRule[] | undefined) ?? [])];
  }

  /** Whether the user may make the resource request. */
  allows(user: UserInfo, req: ResourceRequest): boolean {
    const ns = req.namespace ?? '';
    return this.bindingsFor(user).some(
      (b) => (b.namespace === '' || b.namespace === ns) && b.rules.some((r) => ruleAllows(r, req)),
    );
  }

  /** Whether the user may make a non-resource request (only ClusterRoleBindings grant these). */
  allowsNonResource(user: UserInfo, req: NonResourceRequest): boolean {
    return this.bindingsFor(user).some((b) => b.namespace === '' && b.rules.some((r) => ruleAllowsNonResource(r, req)));
  }
}
