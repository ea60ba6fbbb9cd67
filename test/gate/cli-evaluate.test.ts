import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { policyDigest, DEFAULT_POLICY } from '../../src/gate/policy';
import { runCli, tempDir } from '../support/cli';
import { AGENT, ago, incident, incidents, lines, type Rec } from './helpers';

const NOW = '2026-11-25T12:00:00Z';
const SA = 'system:serviceaccount:ops-agents:incident-responder';
const K8S_AUDIT = join(__dirname, '../fixtures/audit/k8s-audit-v1-agent.jsonl');

interface Setup {
  readonly dir: string;
  readonly stateFile: string;
  readonly evidence: string;
  readonly stateText: string;
}

function setup(records: readonly Rec[], phase = 2, extra: Record<string, unknown> = {}): Setup {
  const dir = tempDir('gt-eval-');
  const stateFile = join(dir, 'agent.json');
  const stateText = JSON.stringify({ agent: AGENT, phase, since: ago(60), ...extra }, null, 2) + '\n';
  writeFileSync(stateFile, stateText);
  const evidence = join(dir, 'evidence.jsonl');
  writeFileSync(evidence, lines(records));
  return { dir, stateFile, evidence, stateText };
}

function evaluate(s: Setup, ...flags: string[]) {
  return runCli(['evaluate', '--state', s.stateFile, '--evidence', s.evidence, '--now', NOW, ...flags]);
}

const promotable = () => incidents(150, { operatorAgreed: true, edits: 'minimal', outOfScopeRecommendation: false });

describe('trust-gate evaluate', () => {
  it('prints exactly one JSON object with --format json and leaves the state alone without --write', async () => {
    const s = setup(promotable());
    const r = await evaluate(s, '--format', 'json');
    expect(r).toMatchObject({ code: 0, stderr: '' });
    const out = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(out).toMatchObject({ agent: AGENT, from: 2, to: 3, action: 'promote' });
    expect(readFileSync(s.stateFile, 'utf8')).toBe(s.stateText);
  });

  it('exits 2 with --detailed-exitcode when the phase changes and 0 when it holds', async () => {
    expect((await evaluate(setup(promotable()), '--detailed-exitcode')).code).toBe(2);
    expect((await evaluate(setup(incidents(3)), '--detailed-exitcode')).code).toBe(0);
    expect((await evaluate(setup(promotable()))).code).toBe(0);
  });

  it('commits the decision atomically with --write, then finds nothing to change', async () => {
    const s = setup(promotable());
    const first = await evaluate(s, '--write', '--detailed-exitcode');
    expect(first.code).toBe(2);
    expect(first.stderr).toBe(`trust-gate evaluate: wrote ${s.stateFile}: phase 2 (Read-Only Assist) -> phase 3 (Limited Remediation)\n`);
    const written = readFileSync(s.stateFile, 'utf8');
    const state = JSON.parse(written) as { phase: number; since: string; history: Record<string, unknown>[] };
    const evidenceDigest = `sha256:${createHash('sha256').update(readFileSync(s.evidence)).digest('hex')}`;
    expect(state).toMatchObject({ phase: 3, since: NOW });
    expect(state.history.at(-1)).toMatchObject({ from: 2, to: 3, at: NOW, by: 'trust-gate evaluate', kind: 'evaluate', evidenceDigest, policyDigest: policyDigest(DEFAULT_POLICY) });
    expect(readdirSync(s.dir).sort()).toEqual(['agent.json', 'evidence.jsonl']); // no temp file left
    const again = await evaluate(s, '--write', '--detailed-exitcode');
    expect(again).toMatchObject({ code: 0, stderr: `trust-gate evaluate: ${s.stateFile} unchanged: nothing to write\n` });
    expect(readFileSync(s.stateFile, 'utf8')).toBe(written);
  });

  it('demotes on a denial in a Kubernetes audit log, holds, and acts on it only once', async () => {
    const s = setup(promotable(), 3);
    const audit = ['--k8s-audit', K8S_AUDIT, '--k8s-user', SA];
    const first = await evaluate(s, ...audit, '--write', '--detailed-exitcode', '--format', 'json');
    expect(first.code).toBe(2);
    expect(JSON.parse(first.stdout)).toMatchObject({ from: 3, to: 1, action: 'demote', violations: { seen: 5, actedBefore: 0 } });
    const state = JSON.parse(readFileSync(s.stateFile, 'utf8')) as Record<string, unknown>;
    expect(state).toMatchObject({ phase: 1, violationsActedUntil: '2026-11-20T10:08:01.123Z', hold: { violations: 5, violationAt: '2026-11-20T10:08:01.123Z' } });
    expect(state.violationsActed).toHaveLength(5);
    const written = readFileSync(s.stateFile, 'utf8');
    const again = await evaluate(s, ...audit, '--write', '--detailed-exitcode', '--format', 'json');
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ action: 'hold', violations: { new: [], seen: 5, actedBefore: 5 } });
    expect(readFileSync(s.stateFile, 'utf8')).toBe(written);
  });

  it('hashes evidence files and then audit logs, in argument order, into the evidence digest', async () => {
    const s = setup(incidents(2));
    const second = join(s.dir, 'more.jsonl');
    writeFileSync(second, lines(incidents(2)));
    const r = await runCli(['evaluate', '--state', s.stateFile, '--evidence', second, '--evidence', s.evidence, '--k8s-audit', K8S_AUDIT, '--k8s-user', 'nobody', '--now', NOW, '--format', 'commit']);
    const expected = createHash('sha256').update(readFileSync(second)).update(readFileSync(s.evidence)).update(readFileSync(K8S_AUDIT)).digest('hex');
    expect(r.stdout).toContain(`\nTrust-Phase: 2 -> 2\nTrust-Evidence: sha256:${expected}\nTrust-Policy: ${policyDigest(DEFAULT_POLICY)}\n`);
  });

  it('hashes an audit log given before the evidence on the command line, and a file given twice, in the digest order', async () => {
    const s = setup(incidents(2));
    const empty = join(s.dir, 'empty.jsonl');
    writeFileSync(empty, '');
    const r = await runCli(['evaluate', '--state', s.stateFile, '--vault-audit', empty, '--vault-role', 'nobody', '--evidence', s.evidence, '--k8s-audit', K8S_AUDIT, '--k8s-audit', K8S_AUDIT, '--k8s-user', 'nobody', '--evidence', empty, '--now', NOW, '--format', 'commit']);
    const expected = createHash('sha256').update(readFileSync(s.evidence)).update(readFileSync(K8S_AUDIT)).update(readFileSync(K8S_AUDIT)).digest('hex');
    expect(r.stdout).toContain(`\nTrust-Evidence: sha256:${expected}\n`);
  });

  it('reads large inputs on the reader thread: the same decision, and the digest of every byte in order, gzip included', async () => {
    const s = setup(promotable());
    const large = join(s.dir, 'large.jsonl'); // above ReadAhead's 16 MiB: read and hashed on the second thread
    writeFileSync(large, Buffer.concat([Buffer.from(lines(incidents(5))), Buffer.alloc(24 * 1024 * 1024 + 777, ' '.repeat(511) + '\n')]));
    const zipped = join(s.dir, 'audit.jsonl.gz');
    writeFileSync(zipped, gzipSync(readFileSync(K8S_AUDIT)));
    const r = await runCli(['evaluate', '--state', s.stateFile, '--evidence', large, '--evidence', s.evidence, '--k8s-audit', zipped, '--k8s-user', 'nobody', '--now', NOW, '--format', 'json']);
    const expected = createHash('sha256').update(readFileSync(large)).update(readFileSync(s.evidence)).update(readFileSync(zipped)).digest('hex');
    expect(JSON.parse(r.stdout)).toMatchObject({ action: 'promote', evidenceDigest: `sha256:${expected}` });
    const small = await runCli(['evaluate', '--state', s.stateFile, '--evidence', s.evidence, '--k8s-audit', zipped, '--k8s-user', 'nobody', '--now', NOW, '--format', 'json']);
    const { evidenceDigest: _a, ...decision } = JSON.parse(r.stdout);
    const { evidenceDigest: _b, ...same } = JSON.parse(small.stdout);
    expect(decision.gates).toEqual(same.gates);
    expect(decision.gates.length).toBeGreaterThan(3);
    rmSync(large);
  });

  it('reads multi-byte characters cut at the reader thread\'s slot boundaries, and names FILE:LINE for a byte that is not UTF-8 past the hand-over', async () => {
    const s = setup(promotable());
    const large = join(s.dir, 'accents.jsonl'); // above 16 MiB: read on the thread; 3-byte characters end up across 64 KiB slots
    const line = JSON.stringify({ ...incident({ id: 'INC-accent' }), note: '€'.repeat(333) }) + '\n';
    const count = Math.ceil((20 * 1024 * 1024) / Buffer.byteLength(line));
    writeFileSync(large, line.repeat(count));
    const ok = await runCli(['evaluate', '--state', s.stateFile, '--evidence', s.evidence, '--evidence', large, '--now', NOW, '--format', 'json']);
    expect(ok.stderr).toBe('');
    expect(JSON.parse(ok.stdout).evidenceDigest).toBe(`sha256:${createHash('sha256').update(readFileSync(s.evidence)).update(readFileSync(large)).digest('hex')}`);
    const bytes = readFileSync(large);
    const badLine = count - 7; // near the end: long after the thread took over
    bytes[Buffer.byteLength(line) * (badLine - 1) + 40] = 0xff;
    writeFileSync(large, bytes);
    const bad = await runCli(['evaluate', '--state', s.stateFile, '--evidence', large, '--now', NOW]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain(`${large}:${badLine}: is not valid UTF-8 (byte 0xff)`);
    rmSync(large);
  });

  it('takes a policy file', async () => {
    const s = setup(incidents(10, { operatorAgreed: true, edits: 'none', outOfScopeRecommendation: false }));
    const policy = join(s.dir, 'gate.yaml');
    writeFileSync(policy, 'confidence: none\nminSamples: 10\npromotion:\n  "2->3":\n    operatorVerdicts: { atLeast: 10 }\n');
    const r = await evaluate(s, '--policy', policy, '--format', 'json');
    expect(JSON.parse(r.stdout)).toMatchObject({ action: 'promote' });
  });

  it('prints markdown and commit formats', async () => {
    const s = setup(promotable());
    expect((await evaluate(s, '--format', 'markdown')).stdout).toMatch(/^## Trust gate: promote incident-responder to phase 3/);
    expect((await evaluate(s, '--format', 'commit')).stdout).toMatch(/^chore\(trust\): promote incident-responder to phase 3/);
  });

  it('prints progress on stderr for large inputs on a terminal, and nothing extra on stdout', async () => {
    const s = setup(promotable());
    const blank = join(s.dir, 'blank.jsonl');
    writeFileSync(blank, Buffer.alloc(64 * 1024 * 1024, ' '.repeat(1023) + '\n'));
    const args = ['evaluate', '--state', s.stateFile, '--evidence', s.evidence, '--evidence', blank, '--now', NOW, '--format', 'json'];
    const tty = await runCli(args, NOW, true);
    expect(tty.stderr).toMatch(/^\rtrust-gate evaluate: read \d+ of \d+ MiB \(\d+%\)/); // of what this thread reads: a part of 64 MiB cut in two
    expect(tty.stderr.endsWith('\r\x1b[K')).toBe(true);
    expect(JSON.parse(tty.stdout)).toMatchObject({ action: 'promote' });
    expect((await runCli(args, NOW, false)).stderr).toBe('');
    rmSync(blank);
  });

  it('prints no progress for small inputs, even on a terminal', async () => {
    const s = setup(promotable());
    const r = await runCli(['evaluate', '--state', s.stateFile, '--evidence', s.evidence, '--now', NOW, '--format', 'json'], NOW, true);
    expect(r.stderr).toBe('');
  });
});

describe('trust-gate evaluate failures', () => {
  it.each([
    ['a malformed JSON line', '{"type": "incident", "agent": ', /evidence\.jsonl:3: not valid JSON/],
    ['an unknown type', JSON.stringify({ ...incident(), type: 'incidnet' }), /evidence\.jsonl:3: field "type" is "incidnet": must be one of "incident"/],
    ['a bad timestamp', JSON.stringify({ ...incident(), at: '2026-11-24 10:00' }), /evidence\.jsonl:3: field "at" is "2026-11-24 10:00": must be an ISO-8601 time with a zone/],
    ['a wrong field type', JSON.stringify({ ...incident(), operatorAgreed: 'yes' }), /evidence\.jsonl:3: field "operatorAgreed" is "yes": must be true or false/],
  ])('fails on %s with FILE:LINE, exit 1, and leaves the state file byte for byte', async (_, bad, message) => {
    const s = setup(promotable());
    writeFileSync(s.evidence, `${lines(promotable().slice(0, 2))}${bad}\n${lines(promotable())}`);
    const r = await evaluate(s, '--write', '--detailed-exitcode');
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^trust-gate evaluate: error: /);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).toContain(s.evidence);
    expect(readFileSync(s.stateFile, 'utf8')).toBe(s.stateText);
    expect(readdirSync(s.dir).sort()).toEqual(['agent.json', 'evidence.jsonl']);
  });

  it('fails on a missing state file and creates none', async () => {
    const s = setup(promotable());
    const missing = join(s.dir, 'none.json');
    const r = await runCli(['evaluate', '--state', missing, '--evidence', s.evidence, '--now', NOW, '--write']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${missing}: state file does not exist; create it with \`trust-gate set-phase`);
    expect(readdirSync(s.dir).sort()).toEqual(['agent.json', 'evidence.jsonl']);
  });

  it('fails on a missing evidence file before reading anything', async () => {
    const s = setup([]);
    const r = await runCli(['evaluate', '--state', s.stateFile, '--evidence', join(s.dir, 'nope.jsonl'), '--now', NOW]);
    expect(r).toMatchObject({ code: 1, stdout: '' });
    expect(r.stderr).toMatch(/nope\.jsonl: cannot read \(ENOENT\); check --evidence/);
  });

  it('writes the demotion of 130,000 Kubernetes audit denials (an agent retrying a forbidden call) with --write, exit 2', async () => {
    const s = setup([], 3);
    const log = join(s.dir, 'audit.log');
    const base = Date.parse('2026-11-20T10:00:00Z');
    const events: string[] = [];
    for (let i = 0; i < 130_000; i++) {
      events.push(JSON.stringify({
        kind: 'Event', apiVersion: 'audit.k8s.io/v1', auditID: `id-${i}`, stage: 'ResponseComplete', stageTimestamp: new Date(base + i).toISOString(),
        verb: 'delete', user: { username: SA }, objectRef: { resource: 'pods', namespace: 'payments', name: 'p' },
        responseStatus: { code: 403, reason: 'Forbidden' }, annotations: { 'authorization.k8s.io/decision': 'forbid' },
      }));
    }
    writeFileSync(log, events.join('\n') + '\n');
    const r = await evaluate(s, '--k8s-audit', log, '--k8s-user', SA, '--write', '--detailed-exitcode');
    expect(r.stderr).toMatch(/wrote .*: phase 3 \(Limited Remediation\) -> phase 1 \(Shadow\), on hold/);
    expect(r.code).toBe(2);
    const written = JSON.parse(readFileSync(s.stateFile, 'utf8'));
    expect(written).toMatchObject({ phase: 1, hold: { violations: 130_000 } });
    expect(written.violationsActed).toHaveLength(130_000);
    expect((await evaluate(s, '--k8s-audit', log, '--k8s-user', SA, '--write')).stderr).toMatch(/unchanged: nothing to write/);
  }, 120_000);

  it('fails on a bad audit log with FILE:LINE and leaves the state file', async () => {
    const s = setup(promotable());
    const log = join(s.dir, 'audit.log');
    writeFileSync(log, '{"kind":"Event","stage":"ResponseComplete","auditID":"x"}\n{oops\n');
    const r = await evaluate(s, '--k8s-audit', log, '--k8s-user', SA, '--write');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${log}:2: not valid JSON`);
    expect(readFileSync(s.stateFile, 'utf8')).toBe(s.stateText);
  });

  it('fails on a bad policy file with FILE:LINE', async () => {
    const s = setup(promotable());
    const policy = join(s.dir, 'gate.yaml');
    writeFileSync(policy, 'demotion:\n  windowDays: -1\n');
    const r = await evaluate(s, '--policy', policy);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${policy}:2: field "demotion.windowDays" is -1: must be more than 0 days`);
  });

  it.each([
    [['--k8s-audit', K8S_AUDIT], /--k8s-audit needs --k8s-user: whose denials to count/],
    [['--aws-role-arn', 'arn:aws:iam::1:role/x'], /--aws-role-arn is given without --cloudtrail FILE/],
    [['--vault-audit', K8S_AUDIT], /--vault-audit needs --vault-role/],
    [['--format', 'yaml'], /--format "yaml" is not supported; use one of text, json, markdown, commit/],
    [['--now', '2026-11-25'], /--now "2026-11-25" is not an ISO-8601 time with a zone/],
  ])('fails on usage errors: %j', async (flags, message) => {
    const s = setup([]);
    const r = await evaluate(s, ...flags);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(message);
  });

  it('fails without --evidence', async () => {
    const s = setup([]);
    const r = await runCli(['evaluate', '--state', s.stateFile]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/--evidence is required\nusage: trust-gate evaluate --state FILE --evidence FILE/);
  });
});
