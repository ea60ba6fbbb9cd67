import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { incidentResponder } from '../../examples/incident-responder';
import { accessOf } from '../../src/analysis/access';
import { readSynthOutput } from '../../src/analysis/read';
import { PHASE_VALUES } from '../../src/phase/table';
import { accessSnapshot, phaseAccess, synthesizePhases } from '../../src/testing';
import { EXAMPLE_OPTIONS } from './support';

const root = join(__dirname, '..', '..');
const fixture = (phase: number) => join(root, 'test', 'fixtures', 'synth', `phase-${phase}`);
const agent = { namespace: 'ops-agents', name: 'incident-responder' };

describe('synthesizePhases on the example agent', () => {
  const phases = synthesizePhases(incidentResponder, EXAMPLE_OPTIONS);

  it('synthesizes phases 1 to 4, each labelled with its phase', () => {
    for (const phase of PHASE_VALUES) {
      expect(phases[phase].phase).toBe(phase);
      expect(phases[phase].agent).toEqual(agent);
      expect(phases[phase].access.phase).toBe(phase);
      expect(phases[phase].output.stacks).toHaveLength(1);
    }
  });

  it('computes the same access as the analysis of the example synthesized to files', () => {
    for (const phase of PHASE_VALUES) {
      expect(phases[phase].access).toEqual(accessOf(readSynthOutput(fixture(phase)), agent));
    }
  });

  it('gives byte-identical snapshots and models when synthesized again', () => {
    const again = synthesizePhases(incidentResponder, EXAMPLE_OPTIONS);
    expect(accessSnapshot(again)).toBe(accessSnapshot(phases));
    for (const phase of PHASE_VALUES) expect(JSON.stringify(again[phase].access)).toBe(JSON.stringify(phases[phase].access));
  });

  it('keeps construct paths, Terraform names and tokens out of the snapshot', () => {
    const text = accessSnapshot(phases) + JSON.stringify(PHASE_VALUES.map((p) => phases[p].access));
    expect(text).not.toMatch(/\$\{|TfToken|Token\[|_[0-9A-F]{8}\b|\/Agent\//);
  });

  it('writes one block per phase, headed by the phase synthesized', () => {
    const heads = accessSnapshot(phases).split('\n').filter((l) => l.startsWith('ops-agents/'));
    expect(heads).toEqual([
      'ops-agents/incident-responder: phase 1 (Shadow)',
      'ops-agents/incident-responder: phase 2 (Read-Only Assist)',
      'ops-agents/incident-responder: phase 3 (Limited Remediation)',
      'ops-agents/incident-responder: phase 4 (Autonomous)',
    ]);
    expect(accessSnapshot(phases[2])).toBe(accessSnapshot(phases).split('\n\n')[1] + '\n');
  });
});

describe('synthesizePhases options', () => {
  it('synthesizes only Kubernetes by default', () => {
    const phases = synthesizePhases(incidentResponder);
    expect(phases[3].output.stacks).toEqual([]);
    expect(phases[3].access.vault.roles).toEqual({});
    expect(Object.keys(phases[3].access.kubernetes.scopes)).toEqual(['*', 'ops-agents', 'shop']);
  });

  it('renders the Cilium flavour when asked, with DNS egress', () => {
    const def = { ...incidentResponder, recommend: { egress: [{ name: 'chat', to: { fqdn: 'hooks.example.com' }, ports: [{ port: 443 }] }] } };
    const phases = synthesizePhases(def, { kubernetes: { networkPolicy: 'cilium' } });
    expect(phases[2].output.manifests.map((m) => m.manifest.kind)).toContain('CiliumNetworkPolicy');
    expect(phases[2].access.egress.destinations['hooks.example.com']).toEqual(['443/TCP']);
    expect(phases[1].access.egress.destinations['hooks.example.com']).toBeUndefined();
  });

  it('leaves Kubernetes out when kubernetes is false, and still heads snapshots with the phase', () => {
    const phases = synthesizePhases(incidentResponder, { kubernetes: false, vault: { authBackendPath: 'kubernetes' } });
    expect(phases[1].output.manifests).toEqual([]);
    expect(phases[1].access.kubernetes.scopes).toEqual({});
    expect(phases[1].access.phase).toBeNull();
    expect(accessSnapshot(phases[1])).toMatch(/^ops-agents\/incident-responder: phase 1 \(Shadow\)\n/);
  });

  it('fails when there is nothing to synthesize', () => {
    expect(() => synthesizePhases(incidentResponder, { kubernetes: false })).toThrow(expect.objectContaining({ code: 'GT_USAGE', message: expect.stringContaining('nothing to synthesize') }));
  });

  it('fails with the construct validation error on an invalid definition', () => {
    const bad = { ...incidentResponder, observe: { kubernetes: [{ apiGroups: ['*'], resources: ['pods'], namespaces: ['shop'] }] } };
    expect(() => synthesizePhases(bad)).toThrow(expect.objectContaining({ code: 'GT_DEFINITION_INVALID' }));
  });
});

describe('phaseAccess', () => {
  it('reads the access of an output read from files', () => {
    const p = phaseAccess(readSynthOutput(fixture(2)), incidentResponder, 2);
    expect(p.agent).toEqual(agent);
    expect(p.access).toEqual(synthesizePhases(incidentResponder, EXAMPLE_OPTIONS)[2].access);
  });

  it('fails on a phase that is not 1 to 4', () => {
    expect(() => phaseAccess(readSynthOutput(fixture(2)), agent, 5 as never)).toThrow(expect.objectContaining({ code: 'GT_PHASE_INVALID' }));
  });
});

describe('loading', () => {
  // Node, not vitest, so require.cache shows what the import loads.
  const probe = (code: string) =>
    execFileSync(process.execPath, ['--import', 'tsx', '-e', code], { cwd: root, encoding: 'utf8' }).trim();
  const loaded = `const loaded = (p) => Object.keys(require.cache).some((k) => k.includes(p));`;

  it('loads neither cdktf nor the Terraform constructs when imported', () => {
    const out = probe(`${loaded} require('./src/testing'); console.log(loaded('/node_modules/cdktf/'), loaded('/src/terraform/'));`);
    expect(out).toBe('false false');
  });

  it('loads cdktf only when asked for Vault or AWS', () => {
    const out = probe(`${loaded} const t = require('./src/testing'); const def = require('./examples/incident-responder').incidentResponder;
      t.synthesizePhases(def); const before = loaded('/node_modules/cdktf/');
      t.synthesizePhases(def, { vault: { authBackendPath: 'kubernetes' } }); console.log(before, loaded('/node_modules/cdktf/'));`);
    expect(out).toBe('false true');
  });
});
