/**
 * expectAccess / expectPhases on the example agent, and on its synthesized output with objects
 * added that validation would refuse in a definition.
 */
import { describe, expect, it } from 'vitest';
import { incidentResponder } from '../../examples/incident-responder';
import { TrustError } from '../../src/errors';
import { expectAccess, expectPhases, phaseAccess, synthesizePhases, type PhaseAccess } from '../../src/testing';
import { EXAMPLE_OPTIONS, addressOf, boundRole, failure, withManifests, withResources } from './support';

const phases = synthesizePhases(incidentResponder, EXAMPLE_OPTIONS);
const agent = phases[1].agent;
const roleArn = (service: string) => `arn:aws:ecs:eu-west-1:111122223333:service/shop/${service}`;

/** Phase 3 with an IAM inline policy added to the agent's role. */
function withIamStatement(p: PhaseAccess, action: string, resource: string): PhaseAccess {
  const role = addressOf(p, 'aws_iam_role');
  return withResources(p, {
    aws_iam_role_policy: {
      extra: { name: 'extra', role: `\${${role}.name}`, policy: JSON.stringify({ Version: '2012-10-17', Statement: [{ Sid: 'Extra', Effect: 'Allow', Action: action, Resource: resource }] }) },
    },
  });
}

/** The phase with a second Vault auth role for the agent, attaching a policy with `rules`. */
function withVaultRole(p: PhaseAccess, rules: string): PhaseAccess {
  return withResources(p, {
    vault_policy: { extra: { name: 'extra', policy: rules } },
    vault_kubernetes_auth_backend_role: {
      extra: {
        backend: 'kubernetes',
        role_name: 'extra',
        bound_service_account_names: [agent.name],
        bound_service_account_namespaces: [agent.namespace],
        token_policies: ['${vault_policy.extra.name}'],
      },
    },
  });
}

const missingClusterRole = `apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: view, namespace: shop}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}
subjects: [{kind: ServiceAccount, name: incident-responder, namespace: ops-agents}]`;

describe('toBeReadOnly', () => {
  it('holds in phases 1 and 2 of the example', () => {
    expectAccess(phases[1]).toBeReadOnly();
    expectAccess(phases[2]).toBeReadOnly();
  });

  it('fails in phase 3, naming each write and the object granting it', () => {
    expect(failure(() => expectAccess(phases[3]).toBeReadOnly())).toBe([
      'phase 3 is not read-only:',
      '  - iam ecs:UpdateService on arn:aws:ecs:eu-west-1:111122223333:service/shop/checkout (inline graduated-trust statement Remediate0 of IAM role incident-responder; approval: operator tag incident-responder@20261001T000000Z)',
      '  - patch apps/deployments "cart" in shop (Role incident-responder in shop)',
      '  - patch apps/deployments "checkout" in shop (Role incident-responder in shop)',
      '  - patch apps/deployments/scale "cart" in shop (Role incident-responder in shop)',
      '  - patch apps/deployments/scale "checkout" in shop (Role incident-responder in shop)',
      '  - update apps/deployments/scale "cart" in shop (Role incident-responder in shop)',
      '  - update apps/deployments/scale "checkout" in shop (Role incident-responder in shop)',
      '  - vault update secret/data/shop/checkout/flags (policy incident-responder-approved of approval token role incident-responder-approval; approval: operator token from role incident-responder-approval (1 use, at most 900s))',
    ].join('\n'));
  });

  it('fails on a write added to phase 1, naming it in one line', () => {
    const p = withManifests(phases[1], boundRole(agent, 'shop', 'extra', '[{apiGroups: [apps], resources: [deployments], verbs: [patch], resourceNames: [checkout]}]'));
    expect(failure(() => expectAccess(p).toBeReadOnly())).toBe('phase 1 is not read-only: patch apps/deployments "checkout" in shop (Role extra in shop)');
  });

  it('fails when the agent is bound to a role the output does not hold, since its access is unknown', () => {
    const p = withManifests(phases[1], missingClusterRole);
    expect(failure(() => expectAccess(p).toBeReadOnly())).toBe(
      'cannot tell whether phase 1 is read-only: RoleBinding shop/view binds ClusterRole view, which is not in the output',
    );
  });
});

describe('toWriteOnlyNamedResources', () => {
  it('holds in phases 1 to 3 of the example', () => {
    for (const phase of [1, 2, 3] as const) expectAccess(phases[phase]).toWriteOnlyNamedResources();
  });

  it('fails in phase 4, naming the namespace-wide writes', () => {
    const message = failure(() => expectAccess(phases[4]).toWriteOnlyNamedResources());
    expect(message).toMatch(/^phase 4 writes resources it does not name:\n/);
    expect(message).toContain('  - patch apps/deployments in shop (Role incident-responder in shop)');
    expect(message).toContain('  - vault update secret/data/shop/flags/* (policy incident-responder of Vault role incident-responder)');
    expect(message).not.toContain('"checkout"');
  });

  it('fails on an unnamed Kubernetes write added in phase 3', () => {
    const p = withManifests(phases[3], boundRole(agent, 'shop', 'restarter', '[{apiGroups: [apps], resources: [deployments], verbs: [get, patch]}]'));
    expect(failure(() => expectAccess(p).toWriteOnlyNamedResources())).toBe(
      'phase 3 writes resources it does not name: patch apps/deployments in shop (Role restarter in shop)',
    );
  });

  it('fails on a Vault write on a glob added in phase 3', () => {
    const p = withVaultRole(phases[3], 'path "secret/data/shop/*" {\n  capabilities = ["read", "update"]\n}\n');
    expect(failure(() => expectAccess(p).toWriteOnlyNamedResources())).toBe(
      'phase 3 writes resources it does not name: vault update secret/data/shop/* (policy extra of Vault role extra)',
    );
  });

  it('holds on an IAM write on a wildcard ARN added in phase 3, because the boundary keeps it to the named service', () => {
    const p = withIamStatement(phases[3], 'ecs:UpdateService', roleArn('*'));
    expectAccess(p).toWriteOnlyNamedResources();
    expectAccess(p).toDeny({ iam: `ecs:UpdateService on ${roleArn('cart')}` });
    expectAccess(p).toAllow({ iam: `ecs:UpdateService on ${roleArn('checkout')}` });
  });
});

describe('toHaveNoDangerousAccess', () => {
  it('holds in every phase of the example', () => {
    for (const phase of [1, 2, 3, 4] as const) expectAccess(phases[phase]).toHaveNoDangerousAccess();
  });

  it('fails on a wildcard added in phase 3, naming it', () => {
    const p = withManifests(phases[3], boundRole(agent, 'shop', 'everything', '[{apiGroups: [apps], resources: ["*"], verbs: [get]}]'));
    expect(failure(() => expectAccess(p).toHaveNoDangerousAccess())).toBe(
      'phase 3 grants dangerous access: get apps/* in shop (Role everything in shop) [wildcard]',
    );
  });

  it('fails on a secrets read added in phase 3, and passes when the definition acknowledges secrets', () => {
    const p = withManifests(phases[3], boundRole(agent, 'shop', 'tls-reader', '[{apiGroups: [""], resources: [secrets], verbs: [get], resourceNames: [tls]}]'));
    expect(failure(() => expectAccess(p).toHaveNoDangerousAccess())).toBe(
      'phase 3 grants dangerous access: get secrets "tls" in shop (Role tls-reader in shop) [secrets]',
    );
    expectAccess(p).toHaveNoDangerousAccess({ except: ['secrets'] });
  });

  it('never excepts a wildcard', () => {
    const p = withManifests(phases[3], boundRole(agent, 'shop', 'everything', '[{apiGroups: [""], resources: [secrets], verbs: ["*"]}]'));
    const message = failure(() => expectAccess(p).toHaveNoDangerousAccess({ except: ['secrets', 'wildcard'] }));
    // A `*` verb also stands for escalate, bind and impersonate.
    expect(message).toBe('phase 3 grants dangerous access: * secrets in shop (Role everything in shop) [rbac-escalate, rbac-bind, impersonate, wildcard]');
  });

  it('names the group a binding reaches the agent through', () => {
    const yaml = `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: exec}
rules: [{apiGroups: [""], resources: [pods/exec], verbs: [create]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: all-exec}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: exec}
subjects: [{kind: Group, name: "system:authenticated", apiGroup: rbac.authorization.k8s.io}]`;
    expect(failure(() => expectAccess(withManifests(phases[2], yaml)).toHaveNoDangerousAccess())).toBe(
      'phase 2 grants dangerous access: create pods/exec cluster-wide (ClusterRole exec, bound by ClusterRoleBinding all-exec, to Group system:authenticated) [pods-exec]',
    );
  });

  it('holds when the permissions boundary stops a dangerous IAM statement', () => {
    expectAccess(withIamStatement(phases[3], 'secretsmanager:GetSecretValue', '*')).toHaveNoDangerousAccess();
  });
});

describe('toAllow and toDeny on Kubernetes requests', () => {
  it('allow patching the named deployment from phase 3 only', () => {
    expectAccess(phases[2]).toDeny({ k8s: 'patch apps/deployments checkout in shop' });
    expectAccess(phases[3]).toAllow({ k8s: 'patch apps/deployments checkout in shop' });
    expectAccess(phases[3]).toDeny({ k8s: 'patch apps/deployments payments in shop' });
    expectAccess(phases[4]).toAllow({ k8s: 'patch apps/deployments payments in shop' });
  });

  it('fails toDeny naming the Role that allows the request', () => {
    expect(failure(() => expectAccess(phases[3]).toDeny({ k8s: 'patch apps/deployments checkout in shop' }))).toBe(
      'phase 3 allows patch apps/deployments "checkout" in shop (Role incident-responder in shop)',
    );
  });

  it('fails toAllow saying nothing grants the request', () => {
    expect(failure(() => expectAccess(phases[2]).toAllow({ k8s: 'delete pods in shop' }))).toBe(
      'phase 2 does not allow delete pods in shop: no Role or ClusterRole bound to ops-agents/incident-responder grants it',
    );
  });

  it('follows RBAC rather than the text: reads of pods do not cover pods/exec, a named rule does not cover list', () => {
    expectAccess(phases[4]).toAllow({ k8s: 'get pods in shop' });
    expectAccess(phases[4]).toDeny({ k8s: 'create pods/exec web in shop' });
    expectAccess(phases[3]).toDeny({ k8s: 'delete apps/deployments checkout in shop' });
    expectAccess(phases[4]).toAllow({ k8s: 'list apps/deployments in shop' });
    expectAccess(phases[1]).toAllow({ k8s: 'get nodes' });
    expectAccess(phases[1]).toDeny({ k8s: 'get nodes/proxy' });
    expectAccess(phases[1]).toAllow({ k8s: 'get configmaps incident-responder-phase in ops-agents' });
    expectAccess(phases[1]).toDeny({ k8s: 'get configmaps incident-responder-approvals in ops-agents' });
  });

  it('applies a */scale rule to the scale subresource of every resource', () => {
    const p = withManifests(phases[3], boundRole(agent, 'shop', 'scaler', '[{apiGroups: [apps], resources: ["*/scale"], verbs: [patch]}]'));
    expect(failure(() => expectAccess(p).toDeny({ k8s: 'patch apps/statefulsets/scale db in shop' }))).toBe(
      'phase 3 allows patch apps/statefulsets/scale "db" in shop (Role scaler in shop)',
    );
  });

  it('fails toDeny and toAllow when a binding in scope points at a role the output lacks', () => {
    const p = withManifests(phases[1], missingClusterRole);
    const unknown = 'cannot tell whether phase 1 allows delete pods in shop: RoleBinding shop/view binds ClusterRole view, which is not in the output';
    expect(failure(() => expectAccess(p).toDeny({ k8s: 'delete pods in shop' }))).toBe(unknown);
    expect(failure(() => expectAccess(p).toAllow({ k8s: 'delete pods in shop' }))).toBe(unknown);
    expectAccess(p).toDeny({ k8s: 'delete pods in payments' });
  });
});

describe('toAllow and toDeny on Vault requests', () => {
  it('allow updating the named flag from phase 3, naming the path rule', () => {
    expectAccess(phases[2]).toDeny({ vault: 'update secret/data/shop/checkout/flags' });
    expect(failure(() => expectAccess(phases[3]).toDeny({ vault: 'update secret/data/shop/checkout/flags' }))).toBe(
      'phase 3 allows vault update secret/data/shop/checkout/flags (only with an approval: path "secret/data/shop/checkout/flags" of policy incident-responder-approved, carried by tokens of the operator-only approval role incident-responder-approval (operator token from role incident-responder-approval (1 use, at most 900s)))',
    );
  });

  it('match globs as Vault does and say which rule applies when denying', () => {
    expectAccess(phases[1]).toAllow({ vault: 'read secret/data/agents/incident-responder/token' });
    expectAccess(phases[1]).toAllow({ vault: 'list secret/metadata/agents/incident-responder/' });
    expect(failure(() => expectAccess(phases[4]).toAllow({ vault: 'delete secret/data/shop/flags/x' }))).toBe(
      'phase 4 does not allow vault delete secret/data/shop/flags/x: the rule that applies is path "secret/data/shop/flags/*" of policy incident-responder of Vault role incident-responder, with read, update',
    );
  });

  it('deny everything under a path the policies never name', () => {
    expectAccess(phases[4]).toDeny({ vault: 'update secret/data/shop/x' });
    expectAccess(phases[4]).toDeny({ vault: 'sudo sys/policies/acl/incident-responder' });
  });
});

describe('toAllow and toDeny on IAM requests', () => {
  it('deny an action no policy names in every phase', () => {
    for (const phase of [1, 2, 3, 4] as const) expectAccess(phases[phase]).toDeny({ iam: 'ec2:TerminateInstances' });
  });

  it('allow an action on some resource, or on the ARN given', () => {
    expectAccess(phases[3]).toAllow({ iam: 'ecs:UpdateService' });
    expectAccess(phases[3]).toDeny({ iam: `ecs:UpdateService on ${roleArn('cart')}` });
    expect(failure(() => expectAccess(phases[4]).toDeny({ iam: `ecs:updateservice on ${roleArn('cart')}` }))).toBe(
      `phase 4 allows iam ecs:UpdateService on ${roleArn('cart')} (inline graduated-trust statement Autonomous0 of IAM role incident-responder)`,
    );
  });

  it('deny what an identity policy allows outside the permissions boundary, and say so', () => {
    const p = withIamStatement(phases[4], 'ec2:TerminateInstances', '*');
    expect(failure(() => expectAccess(p).toAllow({ iam: 'ec2:TerminateInstances' }))).toBe(
      'phase 4 does not allow iam ec2:TerminateInstances: inline extra statement Extra of IAM role incident-responder allows it, but the permissions boundary incident-responder-boundary does not',
    );
  });
});

describe('toAllow and toDeny on egress requests', () => {
  it('open the chat webhook from phase 2, naming the NetworkPolicy', () => {
    expectAccess(phases[1]).toDeny({ egress: '198.51.100.10:443' });
    expect(failure(() => expectAccess(phases[2]).toDeny({ egress: '198.51.100.10:443' }))).toBe(
      'phase 2 allows egress 198.51.100.10:443 (NetworkPolicy ops-agents/incident-responder)',
    );
    expectAccess(phases[2]).toDeny({ egress: '198.51.100.10:80' });
    expectAccess(phases[4]).toAllow({ egress: 'pod k8s-app=kube-dns in kube-system:53/UDP' });
  });

  it('match a DNS name with Cilium toFQDNs rules', () => {
    const def = { ...incidentResponder, recommend: { egress: [{ name: 'chat', to: { fqdn: 'hooks.example.com' }, ports: [{ port: 443 }] }] } };
    const cilium = synthesizePhases(def, { kubernetes: { networkPolicy: 'cilium' } });
    expectAccess(cilium[1]).toDeny({ egress: 'hooks.example.com:443' });
    expectAccess(cilium[2]).toAllow({ egress: 'hooks.example.com:443' });
  });

  it('fails toDeny when no policy isolates the pods', () => {
    const p = phaseAccess({ ...phases[1].output, manifests: phases[1].output.manifests.filter((m) => m.manifest.kind !== 'NetworkPolicy') }, agent, 1);
    expect(failure(() => expectAccess(p).toDeny({ egress: '192.0.2.1:22' }))).toBe(
      'phase 1 allows egress 192.0.2.1:22 (no network policy isolates the egress of pods app.kubernetes.io/name=incident-responder in ops-agents, so every destination is open)',
    );
  });
});

describe('toBeMonotonic', () => {
  it('holds for the example', () => {
    expectPhases(phases).toBeMonotonic();
  });

  it('fails when a higher phase loses a grant, naming it', () => {
    const shrunk = { ...phases, 4: phaseAccess(phases[2].output, agent, 4) };
    const message = failure(() => expectPhases(shrunk).toBeMonotonic());
    expect(message).toMatch(/^the phases are not monotonic:\nphase 3 grants what phase 4 does not:\n/);
    expect(message).toContain('  - patch apps/deployments "checkout" in shop');
    expect(message).toContain('  - iam ecs:UpdateService on arn:aws:ecs:eu-west-1:111122223333:service/shop/checkout');
  });
});

describe('misuse', () => {
  it('fails with a TrustError on something that is not a phase', () => {
    expect(() => expectAccess(phases as never)).toThrow(TrustError);
    expect(() => expectAccess({} as never)).toThrow('expectAccess takes one phase from synthesizePhases (e.g. phases[3]) or phaseAccess, got an object with keys (none)');
    expect(() => expectPhases(phases[1] as never)).toThrow('expectPhases takes the four phases synthesizePhases returns');
  });

  it('fails with a TrustError on a malformed request, not with an assertion error', () => {
    expect(() => expectAccess(phases[1]).toDeny({ k8s: 'delete deployments in shop' })).toThrow(TrustError);
  });

  it('fails with a TrustError on a request for a backend that was not synthesized', () => {
    const k8sOnly = synthesizePhases(incidentResponder);
    expect(() => expectAccess(k8sOnly[3]).toDeny({ vault: 'update secret/data/shop/x' })).toThrow(
      'phase 3 has no Terraform output, so a vault request cannot be checked (it would always be denied); pass vault props to synthesizePhases',
    );
  });
});
