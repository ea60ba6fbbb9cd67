import { describe, expect, it } from 'vitest';
import { resolveDefinition, TrustError, validateDefinition, type AgentDefinition } from '../../src';
import { incidentResponder } from '../../examples/incident-responder';

const base: AgentDefinition = {
  name: 'agent',
  namespace: 'ops',
  observe: { kubernetes: [{ apiGroups: [''], resources: ['pods'], namespaces: ['shop'] }] },
};

function problems(def: unknown) {
  return validateDefinition(def).map((p) => `${p.field}: ${p.message}`);
}

describe('agent definition', () => {
  it('accepts the example agent', () => {
    expect(validateDefinition(incidentResponder)).toEqual([]);
  });

  it('applies defaults for pod labels and escalation confidence', () => {
    const resolved = resolveDefinition(base);
    expect(resolved.podLabels).toEqual({ 'app.kubernetes.io/name': 'agent' });
    expect(resolved.escalationConfidence).toBeUndefined();
  });

  it('fails on a name that is not a DNS-1123 label, naming the field, value and fix', () => {
    expect(problems({ ...base, name: 'Agent_1' })).toEqual([
      expect.stringMatching(/^name: "Agent_1" is not a DNS-1123 label; use lowercase letters/),
    ]);
  });

  it('fails on the name "default": its ServiceAccount would be the one every unnamed pod runs as', () => {
    expect(problems({ ...base, name: 'default' })).toEqual([expect.stringMatching(/^name: "default" would make the agent's ServiceAccount the namespace's default one/)]);
  });

  it('fails on a name too long for derived names', () => {
    expect(problems({ ...base, name: 'a'.repeat(51) })).toEqual([expect.stringMatching(/^name: .* 51 characters; at most 50/)]);
  });

  it('fails on an invalid namespace', () => {
    expect(problems({ ...base, namespace: 'ops agents' })).toEqual([expect.stringMatching(/^namespace: "ops agents" is not a DNS-1123 label/)]);
  });

  it('fails on invalid pod labels', () => {
    expect(problems({ ...base, podLabels: { 'bad key!': 'x', app: 'bad value!' } })).toEqual([
      expect.stringMatching(/^podLabels.bad key!: label key "bad key!" is invalid/),
      expect.stringMatching(/^podLabels.app: label value "bad value!" is invalid/),
    ]);
  });

  it('fails on an escalation confidence outside (0, 1)', () => {
    for (const c of [0, 1, 1.5, -0.1]) {
      expect(problems({ ...base, escalationConfidence: c })).toEqual([expect.stringMatching(/^escalationConfidence: .* is outside \(0, 1\)/)]);
    }
  });

  it('fails on unknown fields and wrong types with the field path', () => {
    expect(problems({ ...base, observe: { kubernetes: [{ apiGroups: [''], resources: 'pods', namespaces: ['shop'] }] } })).toEqual([
      expect.stringMatching(/^observe\.kubernetes\.0\.resources: /),
    ]);
    expect(problems({ ...base, extra: true })).toEqual([expect.stringMatching(/extra/)]);
  });

  it('fails when a write rule could reach the approvals or phase ConfigMap in the agent namespace', () => {
    const def = {
      ...base,
      autonomous: { kubernetes: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['patch'], namespaces: ['ops'] }] },
    };
    expect(problems(def)).toEqual([expect.stringMatching(/ConfigMap "agent-approvals" and "agent-phase" in its own namespace "ops"/)]);
    const named = { ...base, remediate: { kubernetes: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['patch'], namespaces: ['ops'], resourceNames: ['agent-approvals'] }] } };
    expect(problems(named)).toEqual([
      expect.stringMatching(/grants "agent-configmap-write"/),
      expect.stringMatching(/ConfigMap "agent-approvals" in its own namespace/),
    ]);
    const other = { ...base, remediate: { kubernetes: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['patch'], namespaces: ['ops'], resourceNames: ['feature-flags'] }] } };
    expect(problems(other)).toEqual([]);
  });

  it('throws one TrustError listing every problem', () => {
    const bad = { ...base, name: 'Bad', namespace: 'Bad' };
    expect(() => resolveDefinition(bad, 'App/Agent')).toThrowError(TrustError);
    expect(() => resolveDefinition(bad, 'App/Agent')).toThrowError(/^App\/Agent: 2 problems:\n {2}- name: .*\n {2}- namespace: /);
  });
});

describe('agent definition, injection and system paths', () => {
  const aws = (resources: string[]) => ({ ...base, remediate: { aws: [{ actions: ['rds:RebootDBInstance'], resources }] } });

  it('fails on an ARN carrying a Terraform template or a quote', () => {
    for (const arn of ['arn:aws:ecs:eu-west-1:111122223333:service/${file("/etc/passwd")}', 'arn:aws:ecs:eu-west-1:111122223333:service/a"b', 'arn:aws:ecs:eu-west-1:111122223333:service/%{x}']) {
      expect(problems(aws([arn]))).toEqual([expect.stringMatching(/^remediate\.aws\[0\]\.resources: .* contains a quote, backslash, whitespace/)]);
    }
  });

  it('fails on writes to a bare sys, auth or identity path', () => {
    for (const path of ['sys', 'auth', 'identity']) {
      const def = { ...base, remediate: { vault: [{ path, capabilities: ['update'] }] } };
      expect(problems(def)).toEqual([expect.stringMatching(new RegExp(`^remediate\\.vault\\[0\\]\\.path: "${path}" is under ${path}/`))]);
    }
  });
});

describe('agent definition, selectors and verbs', () => {
  it('fails on empty pod labels, which would select every pod of the namespace', () => {
    expect(problems({ ...base, podLabels: {} })).toEqual([expect.stringMatching(/^podLabels: is empty, which would select every pod in namespace "ops"/)]);
  });

  it('tells to drop a verb no tier allows, and to move one a higher tier allows', () => {
    const rule = (verbs: string[]) => ({ ...base, observe: { kubernetes: [{ apiGroups: [''], resources: ['services'], namespaces: ['shop'], verbs }] } });
    expect(problems(rule(['deletecollection']))).toEqual([expect.stringMatching(/verb "deletecollection" is not allowed in the observe tier .*; drop the verb$/)]);
    expect(problems(rule(['patch']))).toEqual([expect.stringMatching(/verb "patch" is not allowed in the observe tier .*; move the rule to a tier that allows it$/)]);
  });
});

describe('agent definition, escalation paths in the dangerous set', () => {
  const rule = (r: Record<string, unknown>, tier = 'autonomous') => ({ ...base, [tier]: { kubernetes: [{ namespaces: ['shop'], ...r }] } });
  const cases: Array<[string, Record<string, unknown>, string]> = [
    ['ephemeral containers (exec by another name)', { apiGroups: [''], resources: ['pods/ephemeralcontainers'], verbs: ['patch'] }, 'pods-ephemeral'],
    ['the pod proxy, past NetworkPolicy', { apiGroups: [''], resources: ['pods/proxy'], verbs: ['get'] }, 'pods-proxy'],
    ['the service proxy, past NetworkPolicy', { apiGroups: [''], resources: ['services/proxy'], verbs: ['get'] }, 'services-proxy'],
    ['creating pods, which run as any ServiceAccount', { apiGroups: [''], resources: ['pods'], verbs: ['create'] }, 'workload-create'],
    ['creating deployments', { apiGroups: ['apps'], resources: ['deployments'], verbs: ['create'] }, 'workload-create'],
    ['creating jobs', { apiGroups: ['batch'], resources: ['jobs'], verbs: ['create'] }, 'workload-create'],
    ['writes in kube-system (aws-auth)', { apiGroups: [''], resources: ['configmaps'], verbs: ['patch'], namespaces: ['kube-system'] }, 'kube-system-write'],
    ["another agent's approvals", { apiGroups: [''], resources: ['configmaps'], verbs: ['patch'], resourceNames: ['incident-responder-approvals'] }, 'agent-configmap-write'],
  ];
  for (const [what, r, id] of cases) {
    it(`fails on ${what} without a written reason`, () => {
      expect(problems(rule(r))).toEqual([expect.stringMatching(new RegExp(`grants "${id}" .* refused by default`))]);
      expect(problems(rule({ ...r, dangerous: { reason: 'audited break-glass path for drills' } }))).toEqual([]);
    });
  }

  it('fails on a cluster-scoped rule over namespaced resources', () => {
    const def = { ...base, observe: { kubernetes: [{ apiGroups: [''], resources: ['configmaps', 'nodes'], clusterScoped: true }] } };
    expect(problems(def)).toEqual([expect.stringMatching(/^observe\.kubernetes\[0\]\.clusterScoped: "configmaps" is namespaced, so a ClusterRole would grant it in every namespace/)]);
  });
});

describe('agent definition, bounded autonomous writes', () => {
  const aws = (resources: string[]) => ({ ...base, autonomous: { aws: [{ actions: ['s3:PutObject'], resources }] } });
  const vault = (path: string) => ({ ...base, autonomous: { vault: [{ path, capabilities: ['update'] }] } });

  it('fails on ARN patterns that reach a whole service, region or account', () => {
    for (const arn of ['arn:aws:s3:::*', 'arn:aws:s3:*:*:*', 'arn:aws:ecs:*:111122223333:service/shop/x', 'arn:aws:ecs:eu-west-1:*:service/shop/x']) {
      expect(problems(aws([arn]))).toEqual([expect.stringMatching(/reaches every resource of the service, region or account/)]);
    }
    expect(problems(aws(['arn:aws:s3:::shop-reports/*']))).toEqual([]);
  });

  it("fails on globbed writes over a whole KV v2 mount, not counting data/ and metadata/", () => {
    for (const path of ['secret/data/*', 'secret/metadata/*', 'secret/data/+', 'secret/*']) {
      expect(problems(vault(path))).toEqual([expect.stringMatching(/writes under a whole mount/)]);
    }
    expect(problems(vault('secret/data/shop/*'))).toEqual([]);
    expect(problems(vault('kv/shop/*'))).toEqual([]);
  });
});
