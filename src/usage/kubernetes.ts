/**
 * Kubernetes usage: each allowed request of the agent's ServiceAccount is matched against every
 * rule of every binding that reaches it (the RBAC authorizer of the access model, so a
 * ClusterRole bound by a RoleBinding grants in that namespace only), with the rule evaluators of
 * `analysis/k8s/rbac.ts` (verbs, groups, resources with subresources, resourceNames).
 */
import type { KubernetesAllowedRequest } from '../gate/audit/kubernetes';
import type { EffectiveBinding } from '../analysis/k8s/authorizer';
import { ruleAllows, ruleAllowsNonResource, type PolicyRule } from '../analysis/k8s/rbac';
import { BackendTally, countedGrant } from './backend';

/** One used request pattern, for the proposal: verb, group, resource[/sub], namespace, and the names seen. */
export interface KubernetesAtom {
  readonly verb: string;
  readonly apiGroup: string;
  /** `resource` or `resource/subresource`. */
  readonly resource: string;
  /** `''` for cluster-scoped. */
  readonly namespace: string;
  count: number;
  lastMs: number;
  /** Names seen (at most {@link MAX_NAMES}); `overflow` when there were more. */
  readonly names: Set<string>;
  overflow: boolean;
}

/** An admitted write of the agent on one object (verb, group, resource[/sub], namespace, name). */
export interface AdmittedWrite {
  readonly verb: string;
  readonly apiGroup: string;
  readonly resource: string;
  readonly subresource: string;
  readonly namespace: string;
  readonly name: string;
  count: number;
  lastMs: number;
}

/** Objects written kept; beyond, `writesOverflow`. */
export const MAX_WRITES = 1000;

const READ_VERBS = new Set(['get', 'list', 'watch']);

/** Names kept per atom. */
export const MAX_NAMES = 50;

function resourceText(apiGroup: string, resource: string): string {
  return apiGroup ? `${apiGroup}/${resource}` : resource;
}

/** `get, list, watch pods, pods/log in shop`, `get configmaps "x" in ops-agents`. */
export function ruleText(rule: PolicyRule, namespace: string): string {
  const where = namespace ? `in ${namespace}` : 'cluster-wide';
  if ((rule.nonResourceURLs ?? []).length > 0) return `${rule.verbs.join(', ')} ${rule.nonResourceURLs!.join(', ')} ${where}`;
  const resources = (rule.apiGroups ?? []).flatMap((g) => (rule.resources ?? []).map((r) => resourceText(g, r)));
  const names = (rule.resourceNames ?? []).length > 0 ? ` ${rule.resourceNames!.map((n) => `"${n}"`).join(', ')}` : '';
  return `${rule.verbs.join(', ')} ${resources.join(', ')}${names} ${where}`;
}

function bindingText(b: EffectiveBinding, rule: number): string {
  const ns = (n: string) => (n ? `${n}/` : '');
  return `${b.binding.kind} ${ns(b.binding.namespace)}${b.binding.name} → ${b.role.kind} ${b.role.kind === 'Role' ? ns(b.namespace) : ''}${b.role.name}, rule ${rule + 1}`;
}

/** `get apps/deployments/scale in shop`. */
export function requestText(r: Pick<KubernetesAllowedRequest, 'verb' | 'apiGroup' | 'resource' | 'subresource' | 'namespace' | 'path'>): string {
  if (r.path) return `${r.verb} ${r.path}`;
  const resource = r.subresource ? `${r.resource}/${r.subresource}` : r.resource;
  return `${r.verb} ${resourceText(r.apiGroup, resource)}${r.namespace ? ` in ${r.namespace}` : ' cluster-wide'}`;
}

/** Kubernetes usage of one agent while its audit logs are read. */
export class KubernetesUsage {
  readonly tally: BackendTally;
  private readonly rules: ReadonlyArray<{ readonly rule: PolicyRule; readonly namespace: string }>;
  readonly atoms = new Map<string, KubernetesAtom>();
  /** Writes admission let through (code below 400), per object. */
  readonly writes = new Map<string, AdmittedWrite>();
  writesOverflow = false;

  constructor(bindings: readonly EffectiveBinding[]) {
    const rules = bindings.flatMap((b) => b.rules.map((rule, i) => ({ rule, namespace: b.namespace, via: bindingText(b, i) })));
    this.rules = rules;
    this.tally = new BackendTally(rules.map((r) => countedGrant(ruleText(r.rule, r.namespace), r.via)));
  }

  /** Counts one allowed request. */
  add(r: KubernetesAllowedRequest): void {
    const positions: number[] = [];
    this.rules.forEach(({ rule, namespace }, i) => {
      const allows = r.path
        ? namespace === '' && ruleAllowsNonResource(rule, { verb: r.verb, path: r.path })
        : (namespace === '' || namespace === r.namespace) && ruleAllows(rule, r);
      if (allows) positions.push(i);
    });
    const part = requestText(r);
    this.tally.count(positions, part, r.atMs);
    if (r.path) return;
    if (!READ_VERBS.has(r.verb) && r.code < 400 && positions.length > 0) this.write(r);
    const resource = r.subresource ? `${r.resource}/${r.subresource}` : r.resource;
    const key = `${r.verb}\u0000${r.apiGroup}\u0000${resource}\u0000${r.namespace}`;
    let atom = this.atoms.get(key);
    if (!atom) {
      atom = { verb: r.verb, apiGroup: r.apiGroup, resource, namespace: r.namespace, count: 0, lastMs: r.atMs, names: new Set(), overflow: false };
      this.atoms.set(key, atom);
    }
    atom.count++;
    if (r.atMs > atom.lastMs) atom.lastMs = r.atMs;
    if (r.name && !atom.names.has(r.name)) {
      if (atom.names.size < MAX_NAMES) atom.names.add(r.name);
      else atom.overflow = true;
    }
  }

  private write(r: KubernetesAllowedRequest): void {
    const key = `${r.verb}\u0000${r.apiGroup}\u0000${r.resource}\u0000${r.subresource}\u0000${r.namespace}\u0000${r.name}`;
    const w = this.writes.get(key);
    if (w) {
      w.count++;
      if (r.atMs > w.lastMs) w.lastMs = r.atMs;
    } else if (this.writes.size < MAX_WRITES) {
      this.writes.set(key, { verb: r.verb, apiGroup: r.apiGroup, resource: r.resource, subresource: r.subresource, namespace: r.namespace, name: r.name, count: 1, lastMs: r.atMs });
    } else this.writesOverflow = true;
  }
}
