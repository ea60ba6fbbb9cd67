import type { Manifest } from '../../src/analysis/k8s/authorizer';
import type { SynthOutput, TerraformResource } from '../../src/analysis/read';

/** A ServiceAccount, the agent of an output. */
export function serviceAccount(namespace: string, name: string): Manifest {
  return { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name, namespace } };
}

/** An output of manifests and Terraform resources of one stack. */
export function output(manifests: readonly Manifest[], resources: readonly TerraformResource[] = []): SynthOutput {
  return {
    manifests: manifests.map((manifest, i) => ({ manifest, where: `test.yaml:${i + 1}` })),
    stacks: resources.length > 0 ? [{ stack: 'test', file: 'cdk.tf.json', resources }] : [],
  };
}

/** A Terraform resource. */
export function resource(type: string, name: string, config: Record<string, unknown>): TerraformResource {
  return { type, name, address: `${type}.${name}`, where: `test/${name}`, config };
}

/** An IAM role the ServiceAccount assumes through IRSA, with one inline policy. */
export function irsaRole(name: string, sa: string, statements: readonly unknown[]): TerraformResource {
  return resource('aws_iam_role', name, {
    name,
    assume_role_policy: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Federated: 'arn:aws:iam::1:oidc-provider/oidc' }, Action: 'sts:AssumeRoleWithWebIdentity', Condition: { StringEquals: { 'oidc:sub': sa } } }] }),
    inline_policy: [{ name: 'p', policy: JSON.stringify({ Version: '2012-10-17', Statement: statements }) }],
  });
}

/** A Vault Kubernetes auth role for the ServiceAccount with one policy. */
export function vaultRole(namespace: string, name: string, policy: string): TerraformResource[] {
  return [
    resource('vault_policy', 'p', { name: 'p', policy }),
    resource('vault_kubernetes_auth_backend_role', 'r', {
      role_name: name, backend: 'kubernetes', bound_service_account_names: [name], bound_service_account_namespaces: [namespace],
      token_policies: ['${vault_policy.p.name}'], token_no_default_policy: true,
    }),
  ];
}

/** `rbac.authorization.k8s.io/v1` objects. */
export const rbac = {
  role: (namespace: string, name: string, rules: unknown[]): Manifest => ({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name, namespace }, rules }),
  clusterRole: (name: string, rules: unknown[]): Manifest => ({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name }, rules }),
  roleBinding: (namespace: string, name: string, roleKind: 'Role' | 'ClusterRole', role: string, sa: { namespace: string; name: string }): Manifest => ({
    apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name, namespace },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: roleKind, name: role }, subjects: [{ kind: 'ServiceAccount', ...sa }],
  }),
  clusterRoleBinding: (name: string, role: string, sa: { namespace: string; name: string }): Manifest => ({
    apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role }, subjects: [{ kind: 'ServiceAccount', ...sa }],
  }),
};
