/** Shared test helpers: synthesize an agent and ask who may do what. */
import { ApiObject, App, Chart } from 'cdk8s';
import { RbacAuthorizer, type Manifest } from '../../src/analysis/k8s/authorizer';
import { serviceAccountUser, type ResourceRequest } from '../../src/analysis/k8s/rbac';
import type { AgentDefinition } from '../../src/definition/types';
import { TrustPhasedAgent, type TrustPhasedAgentProps } from '../../src/k8s';
import type { Phase } from '../../src/phase/table';

/** Synthesizes one agent in a fresh chart and returns the parsed manifests. */
export function synth(definition: AgentDefinition, phase: Phase, options: Partial<TrustPhasedAgentProps> = {}): Manifest[] {
  const chart = new Chart(new App(), 'test');
  new TrustPhasedAgent(chart, 'Agent', { definition, phase, approvers: APPROVERS, ...options });
  return chart.toJson() as Manifest[];
}

/** The approvers tests give the construct. */
export const APPROVERS = { groups: ['sre-oncall'] } as const;

/** Whether the agent's ServiceAccount may make the request under the manifests' RBAC. */
export function can(manifests: Manifest[], def: Pick<AgentDefinition, 'name' | 'namespace'>, req: ResourceRequest): boolean {
  return new RbacAuthorizer(manifests).allows(serviceAccountUser(def.namespace, def.name), req);
}

/** The manifests of one kind. */
export function ofKind(manifests: Manifest[], kind: string): Manifest[] {
  return manifests.filter((m) => m.kind === kind);
}

/** The one manifest of a kind (throws when there is not exactly one). */
export function one(manifests: Manifest[], kind: string, namespace?: string): Manifest {
  const found = ofKind(manifests, kind).filter((m) => namespace === undefined || m.metadata?.namespace === namespace);
  if (found.length !== 1) throw new Error(`expected one ${kind}${namespace ? ` in ${namespace}` : ''}, found ${found.length}`);
  return found[0]!;
}

/** `Kind/namespace/name` of a manifest. */
export function identity(m: Manifest): string {
  return `${m.kind}/${m.metadata?.namespace ?? ''}/${m.metadata?.name ?? ''}`;
}

/** The one manifest of a kind with this name (throws when there is not exactly one). */
export function named(manifests: Manifest[], kind: string, name: string): Manifest {
  const found = ofKind(manifests, kind).filter((m) => m.metadata?.name === name);
  if (found.length !== 1) throw new Error(`expected one ${kind} named ${name}, found ${found.length}`);
  return found[0]!;
}

/**
 * Access no TrustPhasedAgent rendered: a Role `writer` that deletes Deployments in `shop`, and a
 * RoleBinding `sneaky` of it to `subject`'s ServiceAccount, as `Writer` and `Sneaky` in `chart`.
 */
export function deleteDeploymentsGrant(chart: Chart, subject: Pick<AgentDefinition, 'name' | 'namespace'>): void {
  new ApiObject(chart, 'Writer', {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'Role',
    metadata: { name: 'writer', namespace: 'shop' },
    rules: [{ apiGroups: ['apps'], resources: ['deployments'], verbs: ['delete'] }],
  });
  new ApiObject(chart, 'Sneaky', {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    metadata: { name: 'sneaky', namespace: 'shop' },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'writer' },
    subjects: [{ kind: 'ServiceAccount', name: subject.name, namespace: subject.namespace }],
  });
}
