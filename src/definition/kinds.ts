/**
 * The catalogue of Kubernetes kinds the write actions know: which ones run pods (and where their
 * pod template is), which have the `scale` subresource. Pure data, shared by validation, the
 * dangerous set, the renderers and the analysis.
 *
 * A write that can change a pod template is workload creation by another name: the controller,
 * not the agent, then starts pods that may run as any ServiceAccount of the namespace, mount its
 * Secrets and carry labels the agent's NetworkPolicy does not select. So the catalogue lists the
 * built-in kinds with a pod template and the custom resources known to run pods; a definition
 * adds its own cluster's with `workloadKinds`.
 */

/** A kind as the catalogue describes it. */
export interface KindInfo {
  /** API group, `''` for the core group. */
  readonly apiGroup: string;
  /** Plural resource name, e.g. `deployments`. */
  readonly resource: string;
  /**
   * Dotted path of the object's pod template (`spec.template`; `''` for a Pod itself, whose
   * `spec` is the pod spec). Present on every kind that runs pods. A kind whose pods come from
   * templates the catalogue cannot point at (e.g. an Argo Workflow's `spec.templates[]`) has
   * `podTemplate: null`: it runs pods, but actions cannot bound writes to it.
   */
  readonly podTemplate?: string | null;
  /** Whether the kind serves the `scale` subresource. */
  readonly scale?: boolean;
}

/** A kind a definition names: a catalogue key (`'apps/deployments'`, `'pods'`) or a custom kind. */
export type KindRef = string | KindInfo;

function kind(apiGroup: string, resource: string, podTemplate?: string | null, scale?: boolean): KindInfo {
  return { apiGroup, resource, ...(podTemplate !== undefined ? { podTemplate } : {}), ...(scale ? { scale } : {}) };
}

/** `apps/deployments`, or `pods` for the core group: the catalogue's key of a kind. */
export function kindKey(apiGroup: string, resource: string): string {
  return apiGroup ? `${apiGroup}/${resource}` : resource;
}

/**
 * Kinds that run pods, built in and from widely used operators. Writes that can change their pod
 * template are in the dangerous set unless an action bounds them.
 */
const POD_KINDS: readonly KindInfo[] = [
  kind('', 'pods', ''),
  kind('', 'replicationcontrollers', 'spec.template', true),
  kind('', 'podtemplates', 'template'),
  kind('apps', 'deployments', 'spec.template', true),
  kind('apps', 'statefulsets', 'spec.template', true),
  kind('apps', 'daemonsets', 'spec.template'),
  kind('apps', 'replicasets', 'spec.template', true),
  kind('batch', 'jobs', 'spec.template'),
  kind('batch', 'cronjobs', 'spec.jobTemplate.spec.template'),
  // Operators whose custom resources start pods from a template in the object.
  kind('argoproj.io', 'rollouts', 'spec.template', true),
  kind('argoproj.io', 'workflows', null),
  kind('argoproj.io', 'cronworkflows', null),
  kind('argoproj.io', 'workflowtemplates', null),
  kind('tekton.dev', 'tasks', null),
  kind('tekton.dev', 'taskruns', null),
  kind('tekton.dev', 'pipelines', null),
  kind('tekton.dev', 'pipelineruns', null),
  kind('serving.knative.dev', 'services', 'spec.template'),
  kind('serving.knative.dev', 'configurations', 'spec.template'),
  kind('keda.sh', 'scaledjobs', 'spec.jobTargetRef.template'),
  kind('sparkoperator.k8s.io', 'sparkapplications', null),
  kind('ray.io', 'rayclusters', null),
  kind('ray.io', 'rayjobs', null),
  kind('ray.io', 'rayservices', null),
  kind('kubeflow.org', 'pytorchjobs', null),
  kind('kubeflow.org', 'tfjobs', null),
  kind('kubeflow.org', 'mpijobs', null),
  kind('kubeflow.org', 'notebooks', 'spec.template'),
  kind('batch.volcano.sh', 'jobs', null),
  kind('flink.apache.org', 'flinkdeployments', null),
  kind('apps.kruise.io', 'clonesets', 'spec.template', true),
  kind('apps.kruise.io', 'statefulsets', 'spec.template', true),
  kind('apps.kruise.io', 'daemonsets', 'spec.template'),
];

/** Kinds without pods that actions commonly patch. */
const OTHER_KINDS: readonly KindInfo[] = [
  kind('', 'configmaps'),
  kind('', 'services'),
  kind('autoscaling', 'horizontalpodautoscalers'),
  kind('policy', 'poddisruptionbudgets'),
  kind('networking.k8s.io', 'ingresses'),
];

const CATALOGUE = new Map([...POD_KINDS, ...OTHER_KINDS].map((k) => [kindKey(k.apiGroup, k.resource), k]));

/**
 * Catalogue keys of common kinds, for definitions: `{ action: 'restart', kind: KubeKind.DEPLOYMENTS, … }`.
 * `KubeKind.custom({ apiGroup, resource, podTemplate, scale })` describes a kind the catalogue
 * does not know (a custom resource of your cluster).
 */
export class KubeKind {
  static readonly PODS = 'pods';
  static readonly CONFIG_MAPS = 'configmaps';
  static readonly SERVICES = 'services';
  static readonly DEPLOYMENTS = 'apps/deployments';
  static readonly STATEFUL_SETS = 'apps/statefulsets';
  static readonly DAEMON_SETS = 'apps/daemonsets';
  static readonly REPLICA_SETS = 'apps/replicasets';
  static readonly JOBS = 'batch/jobs';
  static readonly CRON_JOBS = 'batch/cronjobs';
  static readonly HORIZONTAL_POD_AUTOSCALERS = 'autoscaling/horizontalpodautoscalers';
  static readonly ROLLOUTS = 'argoproj.io/rollouts';

  /** A kind the catalogue does not know, e.g. a custom resource that runs pods from `spec.template`. */
  static custom(info: KindInfo): KindInfo {
    return { ...info };
  }

  private constructor() {}
}

/** Every key of the catalogue, sorted. */
export function catalogueKeys(): string[] {
  return [...CATALOGUE.keys()].sort();
}

/**
 * The kind a reference names: the catalogue's entry, or the custom kind itself. `extra` holds a
 * definition's own `workloadKinds`, which win over the catalogue. Undefined for an unknown key.
 */
export function resolveKind(ref: KindRef, extra: readonly KindInfo[] = []): KindInfo | undefined {
  if (typeof ref !== 'string') return ref;
  const own = extra.find((k) => kindKey(k.apiGroup, k.resource) === ref);
  return own ?? CATALOGUE.get(ref);
}

/**
 * The kind of `group/resource` when it runs pods (catalogue or `extra`), else undefined.
 * Subresources never run pods themselves (`deployments/scale` changes replicas only).
 */
export function podKind(apiGroup: string, resource: string, extra: readonly KindInfo[] = []): KindInfo | undefined {
  if (resource.includes('/')) return undefined;
  const found = resolveKind(kindKey(apiGroup, resource), extra);
  return found && found.podTemplate !== undefined ? found : undefined;
}
