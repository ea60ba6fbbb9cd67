import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Chart } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import type { Manifest } from '../../src/analysis/k8s/authorizer';
import { LABELS, objectNames } from '../../src/definition/names';
import type { AgentDefinition } from '../../src/definition/types';
import { TrustError } from '../../src/errors';
import { TrustPhasedAgent, type TrustPhasedAgentProps } from '../../src/k8s';
import { PHASES, PHASE_VALUES, type Phase } from '../../src/phase/table';
import { formatState } from '../../src/state/file';
import { incidentResponder } from '../../examples/incident-responder';
import { APPROVERS, can, identity, named, one, synth } from './helpers';

function thrown(fn: () => unknown): TrustError {
  try {
    fn();
  } catch (e) {
    if (e instanceof TrustError) return e;
    throw e;
  }
  throw new Error('expected a TrustError');
}

function agentIn(props: Partial<TrustPhasedAgentProps>, chartNamespace?: string): { agent: TrustPhasedAgent; chart: Chart } {
  const chart = new Chart(new App(), 'test', chartNamespace ? { namespace: chartNamespace } : {});
  const agent = new TrustPhasedAgent(chart, 'Agent', { definition: incidentResponder, approvers: APPROVERS, ...props });
  return { agent, chart };
}

function stateFile(content: object | string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'gt-k8s-')), 'state.json');
  writeFileSync(file, typeof content === 'string' ? content : formatState(content as never));
  return file;
}

describe('TrustPhasedAgent', () => {
  it('exposes its phase, ServiceAccount name and rendered access', () => {
    const { agent } = agentIn({ phase: 3 });
    expect(agent.phase).toBe(3);
    expect(agent.serviceAccountName).toBe('incident-responder');
    expect(agent.access.tiers).toEqual(['observe', 'recommend', 'remediate']);
    expect(agent.access.writeAdmission).toBe('approval');
    expect(agent.access.username).toBe('system:serviceaccount:ops-agents:incident-responder');
    expect(agent.access.roles.map((r) => r.namespace)).toEqual(['ops-agents', 'shop']);
    expect(agent.access.egress.map((e) => `${e.tier}:${e.rule.name}`)).toEqual([
      'observe:prometheus', 'observe:kube-apiserver', 'observe:vault', 'observe:model-api', 'recommend:chat-webhook',
    ]);
  });

  it('reads the phase from the state file', () => {
    const file = stateFile({ agent: 'incident-responder', phase: 4, since: '2026-05-01T00:00:00Z' });
    expect(agentIn({ stateFile: file }).agent.phase).toBe(4);
  });

  it('uses stable PascalCase child IDs, grouping Roles by namespace', () => {
    const { agent } = agentIn({ phase: 3 });
    expect(agent.node.children.map((c) => c.node.id)).toEqual([
      'ServiceAccount', 'PhaseConfig', 'ops-agents', 'shop', 'ClusterRole', 'ClusterRoleBinding', 'NetworkPolicy', 'ApprovalsConfig',
      'AdmissionPolicy', 'AdmissionPolicyBinding', 'ApprovedPolicy', 'ApprovedPolicyBinding', 'ApprovalsPolicy', 'ApprovalsPolicyBinding', 'FencePolicy', 'FencePolicyBinding',
    ]);
    expect(agent.node.findChild('shop').node.children.map((c) => c.node.id)).toEqual(['Role', 'RoleBinding']);
  });

  it('labels every object with the agent, the phase and the manager', () => {
    for (const phase of PHASE_VALUES) {
      for (const m of synth(incidentResponder, phase)) {
        expect(m.metadata?.labels).toEqual({
          [LABELS.agent]: 'incident-responder',
          [LABELS.phase]: String(phase),
          [LABELS.managedBy]: 'graduated-trust',
        });
        expect(m.metadata?.annotations?.[LABELS.phaseName]).toBe(PHASES[phase].name);
      }
    }
  });

  it('names objects the same in every phase, from objectNames only', () => {
    const names = new Set<string>(Object.values(objectNames('incident-responder')));
    const byIdentity = (phase: Phase) => new Set(synth(incidentResponder, phase).map(identity));
    for (const phase of PHASE_VALUES) {
      for (const m of synth(incidentResponder, phase)) expect(names.has(m.metadata!.name!)).toBe(true);
    }
    const [p1, p2, p3, p4] = PHASE_VALUES.map(byIdentity);
    expect(p2).toEqual(p1);
    expect(p3).toEqual(p2);
    expect(p4).toEqual(p3);
  });

  it('keeps cluster-scoped objects out of a Chart namespace', () => {
    const manifests = agentIn({ phase: 3 }, 'elsewhere').chart.toJson() as Manifest[];
    for (const kind of ['ClusterRole', 'ClusterRoleBinding']) expect(one(manifests, kind).metadata?.namespace).toBeUndefined();
    for (const kind of ['ValidatingAdmissionPolicy', 'ValidatingAdmissionPolicyBinding']) {
      expect(manifests.filter((m) => m.kind === kind).map((m) => m.metadata?.namespace)).toEqual([undefined, undefined, undefined, undefined]);
    }
    expect(manifests.filter((m) => m.metadata?.namespace === 'elsewhere')).toEqual([]);
  });

  it.each<[Phase, Record<string, string>]>([
    [1, { agent: 'incident-responder', phase: '1', phaseName: 'Shadow', outputSinkEnabled: 'false', writesEnabled: 'false', approvalsRequired: 'false' }],
    [2, { agent: 'incident-responder', phase: '2', phaseName: 'Read-Only Assist', outputSinkEnabled: 'true', writesEnabled: 'false', approvalsRequired: 'false' }],
    [3, { agent: 'incident-responder', phase: '3', phaseName: 'Limited Remediation', outputSinkEnabled: 'true', writesEnabled: 'true', approvalsRequired: 'true' }],
    [4, { agent: 'incident-responder', phase: '4', phaseName: 'Autonomous', outputSinkEnabled: 'true', writesEnabled: 'true', approvalsRequired: 'false', escalationConfidence: '0.8' }],
  ])('tells the agent its runtime parameters in phase %i', (phase, data) => {
    const cm = named(synth(incidentResponder, phase), 'ConfigMap', 'incident-responder-phase');
    expect(cm.metadata?.name).toBe('incident-responder-phase');
    expect(cm.metadata?.namespace).toBe('ops-agents');
    expect(cm['data']).toEqual(data);
  });

  it('takes the escalation threshold from the definition where the table has one', () => {
    const def: AgentDefinition = { ...incidentResponder, escalationConfidence: 0.9 };
    expect((named(synth(def, 4), 'ConfigMap', 'incident-responder-phase')['data'] as Record<string, string>)['escalationConfidence']).toBe('0.9');
    expect((named(synth(def, 3), 'ConfigMap', 'incident-responder-phase')['data'] as Record<string, string>)['escalationConfidence']).toBeUndefined();
  });

  it('lets the agent read its phase ConfigMap in every phase but never write it', () => {
    for (const phase of PHASE_VALUES) {
      const manifests = synth(incidentResponder, phase);
      const req = { apiGroup: '', resource: 'configmaps', name: 'incident-responder-phase', namespace: 'ops-agents' };
      expect(can(manifests, incidentResponder, { ...req, verb: 'get' })).toBe(true);
      for (const verb of ['update', 'patch', 'delete']) expect(can(manifests, incidentResponder, { ...req, verb })).toBe(false);
    }
  });

  it('synthesizes byte-identical YAML twice, without absolute paths or timestamps', () => {
    const yaml = () => {
      const app = new App();
      const chart = new Chart(app, 'test');
      new TrustPhasedAgent(chart, 'Agent', { definition: incidentResponder, stateFile: 'examples/trust/incident-responder.json', approvers: APPROVERS });
      new TrustPhasedAgent(chart, 'Cilium', { definition: { ...incidentResponder, name: 'other', podLabels: { 'app.kubernetes.io/name': 'other' } }, phase: 3, networkPolicy: 'cilium', approvers: APPROVERS });
      return app.synthYaml();
    };
    const first = yaml();
    expect(yaml()).toBe(first);
    expect(first).not.toContain(process.cwd());
    expect(first).not.toMatch(/\d{4}-\d\d-\d\dT\d\d:\d\d/);
  });

  it('fails without a phase or a state file, naming both props', () => {
    const e = thrown(() => agentIn({}));
    expect(e.code).toBe('GT_PHASE_INVALID');
    expect(e.message).toBe("test/Agent: got neither phase nor stateFile; pass exactly one, e.g. stateFile: 'trust/incident-responder.json' to use the committed phase");
  });

  it('fails with both a phase and a state file', () => {
    const e = thrown(() => agentIn({ phase: 2, stateFile: 'examples/trust/incident-responder.json' }));
    expect(e.code).toBe('GT_PHASE_INVALID');
    expect(e.message).toContain('got both phase and stateFile; pass exactly one');
  });

  it('fails on a phase that is not 1–4', () => {
    const e = thrown(() => agentIn({ phase: 5 as Phase }));
    expect(e.code).toBe('GT_PHASE_INVALID');
    expect(e.message).toContain('phase 5 is not a phase; use 1 (Shadow), 2 (Read-Only Assist), 3 (Limited Remediation) or 4 (Autonomous)');
  });

  it("fails on another agent's state file, naming the file", () => {
    const file = stateFile({ agent: 'cost-optimizer', phase: 4, since: '2026-05-01T00:00:00Z' });
    const e = thrown(() => agentIn({ stateFile: file }));
    expect(e.code).toBe('GT_STATE_INVALID');
    expect(e.message).toBe(`test/Agent: state file ${file} is for agent "cost-optimizer", but definition.name is "incident-responder"; point stateFile at incident-responder's state file`);
  });

  it('fails on a missing state file, naming it', () => {
    const e = thrown(() => agentIn({ stateFile: '/nonexistent/incident-responder.json' }));
    expect(e.code).toBe('GT_STATE_IO');
    expect(e.message).toContain('/nonexistent/incident-responder.json');
  });

  it('fails on a state file with an unknown phase, naming file, line and field', () => {
    const file = stateFile('{\n  "agent": "incident-responder",\n  "phase": 7,\n  "since": "2026-05-01T00:00:00Z"\n}\n');
    const e = thrown(() => agentIn({ stateFile: file }));
    expect(e.code).toBe('GT_STATE_INVALID');
    expect(e.message).toContain(`${file}:3: field "phase" is 7`);
  });
});
