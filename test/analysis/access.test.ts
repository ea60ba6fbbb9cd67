import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { accessModels, accessOf, detectAgents } from '../../src/analysis/access';
import { readSynthOutput } from '../../src/analysis/read';
import { runCli, tempDir } from '../support/cli';

const dir = (phase: number) => join(__dirname, '..', 'fixtures', 'synth', `phase-${phase}`);
const agent = { namespace: 'ops-agents', name: 'incident-responder' };

describe('effective access of the example', () => {
  it('finds the agent from its labelled ServiceAccount', () => {
    expect(detectAgents(readSynthOutput(dir(1)))).toEqual([agent]);
  });

  it('grants only reads in phase 1, with its own phase ConfigMap by name', () => {
    const m = accessOf(readSynthOutput(dir(1)), agent);
    const verbs = Object.values(m.kubernetes.scopes).flatMap((s) => Object.values(s).flatMap((r) => Object.keys(r.verbs)));
    expect(new Set(verbs)).toEqual(new Set(['get', 'list', 'watch']));
    expect(m.kubernetes.scopes['ops-agents']).toEqual({ configmaps: { apiGroup: '', resource: 'configmaps', verbs: { get: ['incident-responder-phase'] } } });
    expect(Object.keys(m.egress.destinations)).not.toContain('198.51.100.10/32');
    expect(m.vault.roles['incident-responder']).toMatchObject({ tokenTtlSeconds: 900, tokenMaxTtlSeconds: 3600 });
    expect(Object.keys(m.aws.roles['incident-responder']!.actions)).toEqual(['List', 'Read']);
  });

  it('reads the same model from dist/ and cdktf.out/ given separately or together', () => {
    const both = accessOf(readSynthOutput(dir(3)), agent);
    const k8s = accessOf(readSynthOutput(join(dir(3), 'dist')), agent);
    const tf = accessOf(readSynthOutput(join(dir(3), 'cdktf.out')), agent);
    expect(k8s.kubernetes).toEqual(both.kubernetes);
    expect(tf.vault).toEqual(both.vault);
    expect(tf.aws).toEqual(both.aws);
  });

  it('states how writes are admitted: deny in phases 1 and 2, approved actions in 3, declared actions in 4', () => {
    const admission = (phase: number) => accessOf(readSynthOutput(dir(phase)), agent).kubernetes.writeAdmission;
    expect([1, 2, 3, 4].map(admission)).toEqual(['deny', 'deny', 'approval', 'actions']);
  });

  it('reports custom write admission when the policy selecting the agent is not the rendered one', () => {
    const d = tempDir();
    cpSync(dir(2), d, { recursive: true });
    const file = join(d, 'dist', 'incident-responder.k8s.yaml');
    writeFileSync(file, readFileSync(file, 'utf8').replace("expression: \"false\"", 'expression: "true"'));
    expect(accessOf(readSynthOutput(d), agent).kubernetes.writeAdmission).toBe('custom');
  });

  it('reports no write admission when the policy has no binding', () => {
    const d = tempDir();
    cpSync(dir(3), d, { recursive: true });
    const file = join(d, 'dist', 'incident-responder.k8s.yaml');
    const docs = readFileSync(file, 'utf8').split(/^---$/m).filter((doc) => !doc.includes('kind: ValidatingAdmissionPolicyBinding'));
    writeFileSync(file, docs.join('---'));
    expect(accessOf(readSynthOutput(d), agent).kubernetes.writeAdmission).toBe('none');
  });

  for (const phase of [1, 2, 3, 4]) {
    it(`matches the reviewed snapshot in phase ${phase}`, () => {
      expect(accessModels(readSynthOutput(dir(phase)))).toMatchSnapshot();
    });
  }
});

describe('RoleBinding semantics in the access model', () => {
  it('never grants cluster-scoped resources through a RoleBinding, and takes the binding namespace for a subject without one', () => {
    const d = tempDir();
    writeFileSync(join(d, 'a.k8s.yaml'), [
      'apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: bot, namespace: ns1}',
      'apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: nodes}\nrules: [{apiGroups: [""], resources: [nodes, pods], verbs: [get]}]',
      'apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata: {name: b, namespace: ns1}\nroleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: nodes}\nsubjects: [{kind: ServiceAccount, name: bot}]',
    ].join('\n---\n'));
    const m = accessOf(readSynthOutput(d), { namespace: 'ns1', name: 'bot' });
    expect(m.kubernetes.scopes).toEqual({ ns1: { pods: { apiGroup: '', resource: 'pods', verbs: { get: ['*'] } } } });
  });

  it('reaches the agent through system:authenticated and flags the dangerous set', () => {
    const d = tempDir();
    writeFileSync(join(d, 'a.yaml'), [
      'apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: bot, namespace: ns1}',
      'apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: s}\nrules: [{apiGroups: [""], resources: [secrets], verbs: [get]}]',
      'apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata: {name: s}\nroleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: s}\nsubjects: [{kind: Group, name: "system:authenticated", apiGroup: rbac.authorization.k8s.io}]',
    ].join('\n---\n'));
    const m = accessOf(readSynthOutput(d), { namespace: 'ns1', name: 'bot' });
    expect(m.kubernetes.dangerous).toEqual([{ grant: 'get secrets cluster-wide', id: 'secrets', why: expect.any(String) }]);
    expect(m.egress).toEqual({ isolated: false, dnsNames: null, destinations: { '*': ['*'] } });
  });
});

describe('reading synthesized output', () => {
  it('fails naming FILE:LINE for invalid YAML', () => {
    const d = tempDir();
    writeFileSync(join(d, 'bad.k8s.yaml'), 'apiVersion: v1\nkind: ConfigMap\n---\nkind: [unclosed\n');
    expect(() => readSynthOutput(d)).toThrow(/bad\.k8s\.yaml:[45]: not valid YAML/);
  });

  it('fails naming the file for invalid cdk.tf.json', () => {
    const d = tempDir();
    mkdirSync(join(d, 'stacks', 's'), { recursive: true });
    writeFileSync(join(d, 'stacks', 's', 'cdk.tf.json'), '{');
    expect(() => readSynthOutput(d)).toThrow(/cdk\.tf\.json: not valid JSON/);
  });

  it('fails when a folder holds no synthesized output', () => {
    expect(() => readSynthOutput(tempDir())).toThrow(/holds no synthesized output/);
  });
});

describe('trust-gate access', () => {
  it('prints the text report for the agent', async () => {
    const run = await runCli(['access', dir(3), '--agent', 'ops-agents/incident-responder']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('apps/deployments: get; list; patch "cart", "checkout"; watch');
    // Reads stay the agent's own; the write is reachable only with a single-use operator token.
    expect(run.stdout).toContain('    secret/data/shop/checkout/flags: read\n');
    expect(run.stdout).toContain('secret/data/shop/checkout/flags: update (approval: operator token from role incident-responder-approval (1 use, at most 900s))');
    expect(run.stdout).toContain('    write admission: approval (a write must be a declared action and carry a single-use operator approval in ConfigMap ops-agents/incident-responder-approvals)');
    expect(run.stdout).toContain('admits scale apps/deployments "checkout", "cart" in shop: replicas 2–10 (approval: operator ConfigMap entry)');
    expect(run.stdout).toContain('Write (approval: operator tag incident-responder@20261001T000000Z):');
  });

  it('prints JSON and markdown', async () => {
    expect(JSON.parse((await runCli(['access', dir(1), '--format', 'json'])).stdout)[0].agent).toBe('ops-agents/incident-responder');
    expect(JSON.parse((await runCli(['access', dir(1), '--format', 'json'])).stdout)[0].kubernetes.writeAdmission).toBe('deny');
    const markdown = (await runCli(['access', dir(1), '--format', 'markdown'])).stdout;
    expect(markdown).toContain('### Effective access: `ops-agents/incident-responder`, phase 1 (Shadow)');
    expect(markdown).toContain('Write admission: **deny** (its ValidatingAdmissionPolicy rejects every write by the agent)');
  });

  it('fails on a malformed --agent', async () => {
    const run = await runCli(['access', dir(1), '--agent', 'nope']);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('--agent "nope" is not NAMESPACE/NAME');
  });

  it('fails on a missing folder, naming it', async () => {
    const run = await runCli(['access', '/nonexistent/dist']);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('/nonexistent/dist: cannot read');
  });
});
