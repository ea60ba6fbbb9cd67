/**
 * The objects TrustPhasedAgent renders, as plain manifests (what `cdk8s synth` writes, without
 * cdk8s): the guard computes the agent's ceiling by analysing these with the same code that
 * analyses the real output, so ceiling and effective access are one model.
 */
import type { Manifest } from '../analysis/k8s/authorizer';
import type { RenderedAccess } from './render';

/** Props as JSON: cdk8s's `IntOrString` becomes its value, undefined fields are dropped. */
function plain(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(plain);
  if (value !== null && typeof value === 'object') {
    // cdk8s-plus's IntOrString (ports) holds its JSON value in `value`.
    if (value.constructor?.name === 'IntOrString' && 'value' in value) return (value as { value: unknown }).value;
    return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined).map(([k, v]) => [k, plain(v)]));
  }
  return value;
}

function manifest(apiVersion: string, kind: string, props: object): Manifest {
  return { apiVersion, kind, ...(plain(props) as object) };
}

/** Every object of a rendering as the manifest it synthesizes, in construct order. */
export function renderedManifests(access: RenderedAccess): Manifest[] {
  const rbac = 'rbac.authorization.k8s.io/v1';
  const admission = 'admissionregistration.k8s.io/v1';
  const out: Manifest[] = [manifest('v1', 'ServiceAccount', access.serviceAccount), manifest('v1', 'ConfigMap', access.phaseConfig), manifest('v1', 'ConfigMap', access.approvalsConfig)];
  for (const { role, binding } of access.roles) out.push(manifest(rbac, 'Role', role), manifest(rbac, 'RoleBinding', binding));
  if (access.clusterRole) out.push(manifest(rbac, 'ClusterRole', access.clusterRole.role), manifest(rbac, 'ClusterRoleBinding', access.clusterRole.binding));
  const net = access.networkPolicy;
  out.push(net.flavour === 'cilium' ? (plain(net.manifest) as Manifest) : manifest('networking.k8s.io/v1', 'NetworkPolicy', net.props));
  const { writes, approved, approvals, fence } = access.admission;
  for (const object of [writes, ...(approved ? [approved] : []), approvals, fence]) {
    out.push(manifest(admission, 'ValidatingAdmissionPolicy', object.policy), manifest(admission, 'ValidatingAdmissionPolicyBinding', object.binding));
  }
  return out;
}
