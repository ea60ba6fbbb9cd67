/**
 * Wiring the user's workload as the agent's pod: the agent's ServiceAccount, the pod labels its
 * NetworkPolicy and fence select, the ServiceAccount token, and the phase ConfigMap mounted
 * read-only where `graduated-trust/runtime` reads it (`PHASE_CONFIG_DIR`, `/etc/graduated-trust`).
 */
import { ApiObject, JsonPatch } from 'cdk8s';
import type { AbstractPod } from 'cdk8s-plus-33';
import { objectNames } from '../definition/names';
import { TrustError } from '../errors';
import { PHASE_CONFIG_DIR } from '../runtime/phase-config';
import type { TrustPhasedAgent } from './agent';
import { PHASE_VOLUME, podServiceAccount, podTemplateAt, podTemplatePath } from './pod-template';

/** Options of `wirePod`. */
export interface WirePodOptions {
  /**
   * Whether the pod gets the ServiceAccount token. The agent authenticates with it to the
   * Kubernetes API and to Vault's Kubernetes auth; turn it off only for an agent that uses
   * neither. Set explicitly either way, since cdk8s-plus workloads default to `false`.
   * @default true
   */
  readonly automountServiceAccountToken?: boolean;
}

/** What `wirePod` set, for the caller's own checks. */
export interface PodWiring {
  readonly serviceAccountName: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly automountServiceAccountToken: boolean;
  /** The phase ConfigMap's volume, and where it is mounted read-only. */
  readonly volume: { readonly name: string; readonly configMap: string; readonly mountPath: string };
  /** The containers it was mounted in. */
  readonly containers: readonly string[];
}

const pointer = (segments: readonly string[]) => segments.map((s) => `/${s.replace(/~/g, '~0').replace(/\//g, '~1')}`).join('');

function usage(message: string, where: string): TrustError {
  return new TrustError('GT_USAGE', message, where);
}

/**
 * Wires `workload` (a cdk8s `ApiObject` such as `KubeDeployment`, or a cdk8s-plus workload) as
 * the pod of `agent`: sets `serviceAccountName`, the definition's `podLabels` on the pod,
 * `automountServiceAccountToken`, and mounts the phase ConfigMap `<agent>-phase` read-only at
 * `/etc/graduated-trust` in every container (init containers too). Call it after the containers are added: a
 * container added later has no mount (the guard warns, GT-K8S-008). Returns what it set.
 *
 * Throws GT_USAGE when the workload runs no pods, is in another namespace than the agent, runs as
 * another ServiceAccount, carries one of the labels with another value, or is wired already.
 * @example
 * const agent = new TrustPhasedAgent(chart, 'IncidentResponder', { definition, stateFile });
 * const deployment = new kplus.Deployment(chart, 'Agent', { containers: [{ image: 'ghcr.io/acme/agent:1.4' }] });
 * wirePod(agent, deployment);
 */
export function wirePod(agent: TrustPhasedAgent, workload: ApiObject | AbstractPod, options: WirePodOptions = {}): PodWiring {
  const obj = ApiObject.of(workload);
  const where = obj.node.path;
  const def = agent.definition;
  const json = obj.toJson() as Record<string, unknown> & { apiVersion?: string; kind?: string; metadata?: { namespace?: string } };
  const path = podTemplatePath(json);
  if (!path) throw usage(`${json.kind ?? 'the object'} (${json.apiVersion ?? 'no apiVersion'}) runs no pods wirePod can point at; pass a Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, CronJob or Pod`, where);
  if (json.metadata?.namespace !== def.namespace) {
    throw usage(`the workload is in namespace ${JSON.stringify(json.metadata?.namespace ?? '(none)')}, but the agent's ServiceAccount is in "${def.namespace}"; create the workload in a Chart with namespace "${def.namespace}"`, where);
  }
  const pod = podTemplateAt(json, path) ?? {};
  const spec = pod.spec ?? {};
  const account = podServiceAccount(pod);
  if (account !== 'default' && account !== agent.serviceAccountName) {
    throw usage(`the pod runs as ServiceAccount "${account}"; wirePod sets the agent's, "${agent.serviceAccountName}": remove the workload's own serviceAccount`, where);
  }
  const labels = pod.metadata?.labels;
  for (const [key, value] of Object.entries(def.podLabels)) {
    if (labels?.[key] !== undefined && labels[key] !== value) {
      throw usage(`the pod label ${key} is "${labels[key]}", but the agent's NetworkPolicy and fence select ${key}=${value}; remove the workload's own label, or set the definition's podLabels to it`, where);
    }
  }
  if ((spec.volumes ?? []).some((v) => v.name === PHASE_VOLUME)) throw usage(`the pod has a volume "${PHASE_VOLUME}" already: it is wired; call wirePod once per workload`, where);
  const containers = spec.containers ?? [];
  if (containers.length === 0) throw usage('the pod has no containers to mount the phase ConfigMap in; add the containers first, then call wirePod', where);

  const at = (...more: string[]) => pointer([...path, ...more]);
  const automount = options.automountServiceAccountToken ?? true;
  const configMap = objectNames(def.name).phaseConfig;
  const volume = { name: PHASE_VOLUME, configMap: { name: configMap } };
  const mount = { name: PHASE_VOLUME, mountPath: PHASE_CONFIG_DIR, readOnly: true };
  const patches = [
    ...(pod.metadata === undefined ? [JsonPatch.add(at('metadata'), { labels: { ...def.podLabels } })]
      : labels === undefined ? [JsonPatch.add(at('metadata', 'labels'), { ...def.podLabels })]
        : Object.entries(def.podLabels).map(([k, v]) => JsonPatch.add(at('metadata', 'labels', k), v))),
    JsonPatch.add(at('spec', 'serviceAccountName'), agent.serviceAccountName),
    JsonPatch.add(at('spec', 'automountServiceAccountToken'), automount),
    spec.volumes === undefined ? JsonPatch.add(at('spec', 'volumes'), [volume]) : JsonPatch.add(at('spec', 'volumes', '-'), volume),
    ...(['initContainers', 'containers'] as const).flatMap((field) => (spec[field] ?? []).map((c, i) => (c.volumeMounts === undefined
      ? JsonPatch.add(at('spec', field, String(i), 'volumeMounts'), [mount])
      : JsonPatch.add(at('spec', field, String(i), 'volumeMounts', '-'), mount)))),
  ];
  obj.addJsonPatch(...patches);
  return {
    serviceAccountName: agent.serviceAccountName,
    labels: { ...def.podLabels },
    automountServiceAccountToken: automount,
    volume: { name: PHASE_VOLUME, configMap, mountPath: PHASE_CONFIG_DIR },
    containers: containers.map((c) => c.name ?? ''),
  };
}
