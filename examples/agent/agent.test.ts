import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { afterEach, describe, expect, it } from 'vitest';
import { evaluate } from '../../src/gate/evaluate';
import { textSource } from '../../src/gate/source';
import type { Phase } from '../../src/phase/table';
import { incidentRecord, PHASE_CONFIG_DIR, signoffRecord, type IncidentRecord } from '../../src/runtime';
import type { StateFile } from '../../src/state/schema';
import { tempDir } from '../../test/support/cli';
import { MountedConfigMap } from '../../test/runtime/support';
import { STATE_FILE } from '../k8s-app';
import { REVISION, startAgent, type AgentIo, type Incident } from './agent';
import { agentApp } from './app';

const NOW = new Date('2026-11-25T12:00:00Z');
const DAY = 86_400_000;
type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** The agent's app synthesized with its state file at `phase` since `since`: every object. */
function synth(phase: Phase, since: string): Json[] {
  const state = join(tempDir('gt-agent-state-'), 'state.json');
  copyFileSync(STATE_FILE, state);
  writeFileSync(state, JSON.stringify({ agent: 'incident-responder', phase, since }));
  return agentApp(state).charts.flatMap((c) => c.toJson());
}
const phaseData = (objects: Json[]) => objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'incident-responder-phase')!.data as Record<string, string>;

/** What the agent did: its log, its posts, the writes it carried out. */
function world(outcome: (i: number) => { completed: boolean; rolledBack: boolean } = () => ({ completed: true, rolledBack: false })) {
  const seen = { log: [] as string[], posts: [] as string[], acted: [] as string[], approvalsAsked: 0 };
  let writes = 0;
  const io: AgentIo = {
    log: (l) => void seen.log.push(l),
    post: (m) => void seen.posts.push(m),
    approved: async () => { seen.approvalsAsked++; return true; },
    act: async (fix) => { seen.acted.push(fix.name); return outcome(writes++); },
  };
  return { io, seen };
}

const DOMAINS = ['database', 'dns', 'deploys'];
/** `n` incidents; every tenth is one the agent is unsure of (confidence 0.6). */
const incidents = (n: number): Incident[] => Array.from({ length: n }, (_, i) => ({
  id: `INC-${1000 + i}`, domain: DOMAINS[i % DOMAINS.length]!, diagnosis: 'checkout pods crash-loop on a stale config', confidence: i % 10 === 9 ? 0.6 : 0.93,
  fix: { backend: 'kubernetes', action: 'restart', group: 'apps', resource: 'deployments', namespace: 'shop', name: 'checkout', resourceVersion: String(48000 + i) },
}));

const open: Array<{ close(): void }> = [];
afterEach(() => open.splice(0).forEach((o) => o.close()));

/** Runs the agent on the phase's synthesized ConfigMap, mounted as the kubelet mounts it; its evidence lines. */
async function run(phase: Phase, since: string, count: number, w = world()) {
  const objects = synth(phase, since);
  const mount = new MountedConfigMap(phaseData(objects));
  const evidence = join(tempDir('gt-agent-evidence-'), 'evidence.jsonl');
  const agent = startAgent(w.io, evidence, mount.dir);
  open.push(agent, { close: () => mount.remove() });
  const kinds = [];
  for (const [i, incident] of incidents(count).entries()) kinds.push(await agent.handle(incident, new Date(NOW.getTime() - (count - i) * 60_000)));
  const lines = readFileSync(evidence, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as IncidentRecord);
  return { objects, mount, agent, kinds, lines, evidence, ...w };
}

/** The incident tool's later record of each incident: the agent's record with the humans' verdicts (the last record of an id wins). */
const verdicts = (lines: readonly IncidentRecord[], outcome: Partial<IncidentRecord>) =>
  lines.map(({ type: _type, at, ...r }) => incidentRecord({ ...r, at: new Date(Date.parse(at) + 30_000), ...outcome }));

async function gate(phase: Phase, since: string, ...records: ReadonlyArray<{ type: string }>) {
  const state: StateFile = { agent: 'incident-responder', phase, since };
  return evaluate({ state, now: NOW, evidence: [textSource('evidence.jsonl', records.map((r) => JSON.stringify(r)).join('\n'))] });
}

const ajv = new Ajv2020({ strict: true });
addFormats(ajv);
const incidentSchema = ajv.compile(JSON.parse(readFileSync(join(__dirname, '..', '..', 'schemas', 'evidence-incident.schema.json'), 'utf8')));

describe('the example agent', () => {
  it('runs in a pod that mounts the phase ConfigMap where it reads it', () => {
    const deployment = synth(1, '2026-11-01T00:00:00Z').find((o) => o.kind === 'Deployment')!;
    const pod = deployment.spec.template.spec;
    expect(pod.serviceAccountName).toBe('incident-responder');
    expect(pod.volumes).toContainEqual({ name: 'graduated-trust-phase', configMap: { name: 'incident-responder-phase' } });
    expect(pod.containers[0].volumeMounts).toContainEqual({ name: 'graduated-trust-phase', mountPath: PHASE_CONFIG_DIR, readOnly: true });
  });

  it('phase 1: logs its diagnosis only; with correct diagnoses the gate promotes to phase 2', async () => {
    const since = new Date(NOW.getTime() - 20 * DAY).toISOString();
    const r = await run(1, since, 120);
    expect(new Set(r.kinds)).toEqual(new Set(['log']));
    expect([r.seen.posts, r.seen.acted]).toEqual([[], []]);
    expect(r.seen.log[0]).toBe('INC-1000: checkout pods crash-loop on a stale config; would restart shop/checkout');
    expect(r.lines).toHaveLength(120);
    for (const line of r.lines) expect(incidentSchema(line), JSON.stringify(incidentSchema.errors)).toBe(true);
    expect(r.lines[0]).toEqual({ type: 'incident', agent: 'incident-responder', phase: 1, revision: REVISION, at: '2026-11-25T10:00:00.000Z', id: 'INC-1000', domain: 'database', confidence: 0.93 });
    const decision = await gate(1, since, ...r.lines, ...verdicts(r.lines, { diagnosisCorrect: true, unsafeActionAttempt: false }));
    expect([decision.action, decision.to]).toEqual(['promote', 2]);
  });

  it('phase 2: posts recommendations and acts on nothing; with agreeing operators the gate promotes to phase 3', async () => {
    const since = new Date(NOW.getTime() - 30 * DAY).toISOString();
    const r = await run(2, since, 160);
    expect(new Set(r.kinds)).toEqual(new Set(['recommend']));
    expect(r.seen.posts).toHaveLength(160);
    expect(r.seen.acted).toEqual([]);
    expect(r.lines.every((l) => l.phase === 2 && l.remediation === undefined)).toBe(true);
    const decision = await gate(2, since, ...r.lines, ...verdicts(r.lines, { operatorAgreed: true, edits: 'none', outOfScopeRecommendation: false }));
    expect([decision.action, decision.to]).toEqual(['promote', 3]);
  });

  it('phase 3: asks for each approval with the trust-gate approve command, then acts; with two sign-offs the gate promotes to phase 4', async () => {
    const since = new Date(NOW.getTime() - 60 * DAY).toISOString();
    const r = await run(3, since, 400);
    expect(new Set(r.kinds)).toEqual(new Set(['request-approval']));
    expect([r.seen.approvalsAsked, r.seen.acted.length]).toEqual([400, 400]);
    expect(r.seen.posts[0]).toBe('INC-1000: checkout pods crash-loop on a stale config; I will restart shop/checkout once approved:\n'
      + "  trust-gate approve kubernetes --agent incident-responder --state trust/incident-responder.json --action restart --resource apps/deployments --namespace shop --name checkout --resource-version 48000 --by '<operator>'");
    expect(r.lines[0]!.remediation).toEqual({ completed: true, rolledBack: false });
    const signoffs = ['alice', 'bob'].map((by) => signoffRecord({ agent: 'incident-responder', at: NOW, by, transition: '3->4' }));
    const decision = await gate(3, since, ...r.lines, ...verdicts(r.lines, { escalationCorrect: true }), ...signoffs);
    expect([decision.action, decision.to], decision.reasons.join("; ")).toEqual(["promote", 4]);
    expect((await gate(3, since, ...r.lines, ...verdicts(r.lines, { escalationCorrect: true }))).missing.map((m) => m.gate)).toEqual(['3->4 signoffs']);
  });

  it('phase 4: acts alone when sure, escalates when not; rollbacks above 2% demote it, and the demotion reaches the running agent', async () => {
    const since = new Date(NOW.getTime() - 90 * DAY).toISOString();
    const r = await run(4, since, 100, world((i) => ({ completed: true, rolledBack: i % 15 === 0 })));
    expect(r.kinds.filter((k) => k === 'act')).toHaveLength(90);
    expect(r.kinds.filter((k) => k === 'escalate')).toHaveLength(10);
    expect(r.seen.posts[0]).toBe('INC-1009: checkout pods crash-loop on a stale config; not sure enough to restart shop/checkout (confidence 0.6 is below the phase 4 (Autonomous) escalation threshold 0.8; a human decides)');
    expect(r.lines.filter((l) => l.remediation?.rolledBack)).toHaveLength(6);
    const decision = await gate(4, since, ...r.lines, ...verdicts(r.lines, { escalationCorrect: true }));
    expect([decision.action, decision.to]).toEqual(['demote', 3]);

    // The demotion is committed and synthesized; the kubelet swaps the mounted ConfigMap.
    r.mount.update(phaseData(synth(3, NOW.toISOString())));
    for (let i = 0; i < 100 && r.agent.phase.phase !== 3; i++) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(r.seen.log).toContain('phase 4 -> 3 (Limited Remediation)');
    expect(await r.agent.handle(incidents(1)[0]!, NOW)).toBe('request-approval');
  });

  it('phase 3: a demotion landing while the operator decides stops the write the approval was for', async () => {
    const since = new Date(NOW.getTime() - 90 * DAY).toISOString();
    const objects = synth(3, since);
    const mount = new MountedConfigMap(phaseData(objects));
    const w = world();
    const agent = startAgent({ ...w.io, approved: async () => {
      mount.update(phaseData(synth(1, NOW.toISOString()))); // demoted to Shadow before the approval returns
      return true;
    } }, join(tempDir('gt-agent-evidence-'), 'evidence.jsonl'), mount.dir);
    open.push(agent, { close: () => mount.remove() });
    expect(await agent.handle(incidents(1)[0]!, NOW)).toBe('request-approval');
    expect(w.seen.acted).toEqual([]);
    expect(agent.phase.phase).toBe(1);
  });
});
