/**
 * One synthesized output, indexed once for many agents: the RBAC authorizer (bindings by
 * subject), the Terraform resources by type, network policies by namespace, admission objects,
 * ServiceAccounts by name, and where each object is. The guard and the access report build it
 * once per output and reuse it for every agent, so per-agent work touches only what can reach
 * that agent.
 */
import { podServiceAccount, podTemplateAt, podTemplatePath, type PodTemplate } from '../k8s/pod-template';
import { RbacAuthorizer, type Manifest } from './k8s/authorizer';
import type { SynthOutput } from './read';
import { TerraformIndex } from './terraform/resources';

const POLICY_KINDS = new Set(['NetworkPolicy', 'CiliumNetworkPolicy']);
const CLUSTERWIDE_POLICY = 'CiliumClusterwideNetworkPolicy';

/** `kind/namespace/name` of an object (namespace `''` when absent). */
function objectKey(kind: string, namespace: string, name: string): string {
  return `${kind}\u0000${namespace}\u0000${name}`;
}

/** A workload of the output and the pod it runs. */
export interface WorkloadPod {
  readonly manifest: Manifest;
  readonly pod: PodTemplate;
  /** Its position in the output. */
  readonly at: number;
}

/** The indexes of one output that do not depend on the agent. */
export class OutputIndex {
  readonly manifests: readonly Manifest[];
  readonly rbac: RbacAuthorizer;
  readonly terraform: TerraformIndex;
  private readonly places = new Map<Manifest, string>();
  private readonly byKind = new Map<string, Manifest[]>();
  private readonly byKey = new Map<string, Manifest>();
  private readonly policies: Manifest[] = [];
  private readonly policiesByNamespace = new Map<string, readonly Manifest[]>();
  private pods: Map<string, WorkloadPod[]> | undefined;

  constructor(readonly output: SynthOutput) {
    this.manifests = output.manifests.map((m) => m.manifest);
    for (const { manifest: m, where } of output.manifests) {
      this.places.set(m, where);
      const kind = m.kind ?? '';
      const list = this.byKind.get(kind) ?? [];
      list.push(m);
      this.byKind.set(kind, list);
      const key = objectKey(kind, m.metadata?.namespace ?? '', m.metadata?.name ?? '');
      if (!this.byKey.has(key)) this.byKey.set(key, m);
      if (POLICY_KINDS.has(kind) || kind === CLUSTERWIDE_POLICY) this.policies.push(m);
    }
    this.rbac = new RbacAuthorizer(this.manifests);
    this.terraform = new TerraformIndex(output.stacks);
  }

  /** Where an object is (construct path or `FILE:LINE`), or a description when it is not in the output. */
  where(m: Manifest): string {
    return this.places.get(m) ?? `${m.kind ?? 'object'} ${m.metadata?.namespace ? `${m.metadata.namespace}/` : ''}${m.metadata?.name ?? ''}`;
  }

  /** Every object of `kind`, in output order. */
  ofKind(kind: string): readonly Manifest[] {
    return this.byKind.get(kind) ?? [];
  }

  /** The first object of `kind` named `name` in `namespace` (`''`: without namespace). */
  find(kind: string, namespace: string, name: string): Manifest | undefined {
    return this.byKey.get(objectKey(kind, namespace, name));
  }

  /**
   * Workloads whose pods run as ServiceAccount `name` in `namespace`: those declared there and
   * those declared without a namespace (they land in whichever namespace they are applied to),
   * in output order.
   */
  podsRunningAs(namespace: string, name: string): readonly WorkloadPod[] {
    const pods = this.pods ?? (this.pods = this.podsByServiceAccount());
    const here = pods.get(objectKey('', namespace, name)) ?? [];
    const anywhere = namespace === '' ? [] : pods.get(objectKey('', '', name)) ?? [];
    return anywhere.length === 0 ? here : [...here, ...anywhere].sort((a, b) => a.at - b.at);
  }

  /** Workloads by namespace (`''` when absent or empty) and the ServiceAccount their pods run as: built on first use, once. */
  private podsByServiceAccount(): Map<string, WorkloadPod[]> {
    const pods = new Map<string, WorkloadPod[]>();
    this.manifests.forEach((m, at) => {
      const path = podTemplatePath(m);
      const pod = path && podTemplateAt(m, path);
      if (!pod) return;
      const key = objectKey('', m.metadata?.namespace ?? '', podServiceAccount(pod));
      const list = pods.get(key) ?? [];
      list.push({ manifest: m, pod, at });
      pods.set(key, list);
    });
    return pods;
  }

  /**
   * NetworkPolicies and CiliumNetworkPolicies in `namespace` or without one, and every
   * CiliumClusterwideNetworkPolicy, in output order: every policy that can select a pod there.
   */
  networkPolicies(namespace: string): readonly Manifest[] {
    let found = this.policiesByNamespace.get(namespace);
    if (!found) {
      found = this.policies.filter((m) => m.kind === CLUSTERWIDE_POLICY || (m.metadata?.namespace ?? namespace) === namespace);
      this.policiesByNamespace.set(namespace, found);
    }
    return found;
  }
}
