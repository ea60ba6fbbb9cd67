/**
 * The pod a workload manifest runs, and whether it is wired as the agent's pod: what `wirePod`
 * writes and the guard (GT-K8S-008) reads, in one place. Pure (no cdk8s).
 */
import { objectNames } from '../definition/names';
import { podKind } from '../definition/kinds';
import { PHASE_CONFIG_DIR } from '../runtime/phase-config';

/** The name of the volume holding the phase ConfigMap in the agent's pod. */
export const PHASE_VOLUME = 'graduated-trust-phase';

/** A container as manifests hold it (only the fields read here). */
export interface PodContainer {
  readonly name?: string;
  readonly volumeMounts?: ReadonlyArray<{ readonly name?: string; readonly mountPath?: string; readonly readOnly?: boolean }>;
}

/** A pod template as manifests hold it (only the fields read here). */
export interface PodTemplate {
  readonly metadata?: { readonly labels?: Readonly<Record<string, string>> };
  readonly spec?: {
    readonly serviceAccountName?: string;
    readonly serviceAccount?: string;
    readonly automountServiceAccountToken?: boolean;
    readonly volumes?: ReadonlyArray<{ readonly name?: string; readonly configMap?: { readonly name?: string } }>;
    readonly containers?: readonly PodContainer[];
    readonly initContainers?: readonly PodContainer[];
  };
}

/**
 * The JSON path segments of a manifest's pod template (`['spec', 'template']`; `[]` for a Pod,
 * whose own metadata and spec are the pod's), from the kind catalogue; undefined for a manifest
 * that runs no pods or whose pods the catalogue cannot point at.
 */
export function podTemplatePath(manifest: { readonly apiVersion?: string; readonly kind?: string }): string[] | undefined {
  if (!manifest.kind || !manifest.apiVersion) return undefined;
  const group = manifest.apiVersion.includes('/') ? manifest.apiVersion.split('/')[0]! : '';
  const path = podKind(group, `${manifest.kind.toLowerCase()}s`)?.podTemplate;
  if (typeof path !== 'string') return undefined;
  return path === '' ? [] : path.split('.');
}

/** The pod template of a manifest at `path`, or undefined. */
export function podTemplateAt(manifest: unknown, path: readonly string[]): PodTemplate | undefined {
  let node: unknown = manifest;
  for (const key of path) node = typeof node === 'object' && node !== null ? (node as Record<string, unknown>)[key] : undefined;
  return typeof node === 'object' && node !== null ? (node as PodTemplate) : undefined;
}

/**
 * The ServiceAccount a pod runs as: `serviceAccountName`, or when it is empty the deprecated
 * `serviceAccount` (the API server's defaulting), `default` when neither is set.
 */
export function podServiceAccount(pod: PodTemplate): string {
  return pod.spec?.serviceAccountName || pod.spec?.serviceAccount || 'default';
}

/** Every container of the pod that runs with its ServiceAccount's token: init containers, then containers. */
export function podContainers(pod: PodTemplate): readonly PodContainer[] {
  return [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])];
}

/** What wires a pod as the agent's: the fence's labels and the phase ConfigMap mounted read-only in every container, init containers included. */
export interface AgentPodWiring {
  readonly agent: string;
  readonly podLabels: Readonly<Record<string, string>>;
}

/** What the pod lacks of the wiring, in words (empty when it is wired). */
export function missingWiring(pod: PodTemplate, wiring: AgentPodWiring): string[] {
  const labels = pod.metadata?.labels ?? {};
  const missingLabels = Object.entries(wiring.podLabels).filter(([k, v]) => labels[k] !== v).map(([k, v]) => `${k}=${v}`);
  const configMap = objectNames(wiring.agent).phaseConfig;
  const volume = (pod.spec?.volumes ?? []).find((v) => v.configMap?.name === configMap);
  const unmounted = podContainers(pod)
    .filter((c) => !(c.volumeMounts ?? []).some((m) => volume !== undefined && m.name === volume.name && m.mountPath === PHASE_CONFIG_DIR && m.readOnly === true))
    .map((c) => c.name ?? '(unnamed)');
  return [
    ...(missingLabels.length > 0 ? [`the pod labels ${missingLabels.join(', ')} (the fence rejects such pods, and the NetworkPolicy does not select them)`] : []),
    ...(volume === undefined ? [`a volume of ConfigMap ${configMap}`] : []),
    ...(unmounted.length > 0 ? [`a read-only mount of it at ${PHASE_CONFIG_DIR} in container${unmounted.length > 1 ? 's' : ''} ${unmounted.join(', ')}`] : []),
  ];
}
