import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { nextState } from '../../src/gate/apply';
import { backtest } from '../../src/gate/backtest';
import { formatBacktestText } from '../../src/gate/backtest-format';
import { evaluate } from '../../src/gate/evaluate';
import { DEFAULT_POLICY, policyDigest, type GatePolicy } from '../../src/gate/policy';
import { resolvePolicy } from '../../src/gate/policy-file';
import { loadStore } from '../../src/gate/store';
import type { StateFile } from '../../src/state/schema';
import { runCli, tempDir } from '../support/cli';
import { AGENT, DAY, lines, NOW_MS, RAW, type Rec } from './helpers';

const START = NOW_MS - 120 * DAY;
const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');

/** Four incidents a day from START for `days` days in the phase each was handled in, mostly good; a scope violation on day 70 and a closure on day 75. */
function evidence(days: number): Rec[] {
  const out: Rec[] = [];
  let n = 0;
  for (let d = 0; d < days; d++) {
    const phase = d < 40 ? 1 : 2;
    for (let i = 0; i < 4; i++) {
      const at = iso(START + d * DAY + (i + 1) * 3_600_000);
      out.push({
        type: 'incident', agent: AGENT, at, id: `INC-${++n}`, phase, domain: ['db', 'net', 'k8s', 'dns'][i]!,
        diagnosisCorrect: n % 100 !== 0, unsafeActionAttempt: false, operatorAgreed: n % 25 !== 0, edits: 'minimal', outOfScopeRecommendation: false,
      });
    }
  }
  out.push({ type: 'scope-violation', agent: AGENT, at: iso(START + 70 * DAY + 1000), source: 'k8s-audit', detail: 'get secrets in payments' });
  out.push({ type: 'investigation-closed', agent: AGENT, at: iso(START + 75 * DAY), by: 'sre-lead', note: 'INV-1' });
  return out;
}

const STATE: StateFile = {
  agent: AGENT, phase: 1, since: iso(START),
  history: [{ from: null, to: 1, at: iso(START), by: 'alice', reasons: ['onboarded'], kind: 'set-phase' }],
};

/** The slow way: one full evaluation (and commit) per day, reading the evidence each time. */
async function dayByDay(policy: GatePolicy, records: Rec[], days: number): Promise<string[]> {
  let state = STATE;
  const out: string[] = [];
  for (let d = 1; d <= days; d++) {
    const now = new Date(START + d * DAY);
    const decision = await evaluate({ state, policy, now, evidence: [{ name: 'e.jsonl', chunks: [lines(records)] }] });
    out.push(`${decision.at} ${decision.action} ${decision.from}->${decision.to} ${decision.holdKind ?? ''}`);
    state = nextState(state, decision, { evidence: 'backtest', policy: policyDigest(policy) }) ?? state;
  }
  return out;
}

describe('backtest', () => {
  it('decides every day exactly as evaluating and committing day by day would, under each policy, reading the evidence once', async () => {
    const records = evidence(110);
    const store = await loadStore({ agent: AGENT, toMs: START + 110 * DAY, evidence: [{ name: 'e.jsonl', chunks: [lines(records)] }] });
    const policies = [{ name: 'default', policy: DEFAULT_POLICY }, { name: 'raw', policy: RAW }];
    const result = backtest(STATE, store, policies, { fromMs: START, toMs: START + 110 * DAY, stepMs: DAY });
    expect(result.evaluations).toBe(110);
    for (const [i, { policy }] of policies.entries()) {
      const replayed = result.runs[i]!.steps.map((s) => `${s.at} ${s.action} ${s.from}->${s.to} ${s.holdKind ?? ''}`);
      expect(replayed).toEqual(await dayByDay(policy, records, 110));
    }
    // The runs differ where they should: raw shares promote sooner than confidence bounds.
    const first = (r: number) => result.runs[r]!.changes.find((s) => s.action === 'promote')?.at;
    expect(first(1)! < first(0)!).toBe(true);
    // The violation on day 70 demotes under both.
    for (const run of result.runs) expect(run.changes.some((s) => s.action === 'demote' && s.at === iso(START + 71 * DAY))).toBe(true);
  }, 60_000);

  it('says when each policy would have promoted, held (why) and demoted, and compares them', async () => {
    const records = evidence(60);
    const store = await loadStore({ agent: AGENT, toMs: START + 60 * DAY, evidence: [{ name: 'e.jsonl', chunks: [lines(records)] }] });
    const strict = resolvePolicy({ soakDays: { '1->2': 45 } });
    const result = backtest(STATE, store, [{ name: 'default', policy: DEFAULT_POLICY }, { name: 'strict', policy: strict }], { fromMs: START, toMs: START + 60 * DAY, stepMs: DAY });
    const text = formatBacktestText(result);
    expect(text).toMatch(/^incident-responder: backtest from .* every 1 day: 60 evaluations per policy\n/);
    expect(text).toMatch(/hold at 1 \(inconclusive\): 1->2 soak, 1->2 incidents/);
    expect(text).toMatch(/PROMOTE 1 -> 2/);
    expect(text).toMatch(/first reached:\n {2}phase 2 \(Read-Only Assist\): default \S+; strict \S+ \(\+\d+ days\)/);
    expect(text).toMatch(/recorded in the state file in this range: nothing/);
  });

  it('fails on a step that makes too many evaluations, and on a range that ends before it starts', async () => {
    const store = await loadStore({ agent: AGENT, toMs: NOW_MS, evidence: [] });
    expect(() => backtest(STATE, store, [{ name: 'd', policy: DEFAULT_POLICY }], { fromMs: START, toMs: NOW_MS, stepMs: 1000 })).toThrow(/steps from .*; at most 100000: use a longer --step/);
    expect(() => backtest(STATE, store, [{ name: 'd', policy: DEFAULT_POLICY }], { fromMs: NOW_MS, toMs: START, stepMs: DAY })).toThrow(/is not after --from/);
  });
});

describe('trust-gate backtest and report --backtest', () => {
  it('prints text and JSON, and charts the replay in the report; writes no state', async () => {
    const dir = tempDir();
    const state = join(dir, 's.json');
    const before = JSON.stringify(STATE, null, 2) + '\n';
    writeFileSync(state, before);
    writeFileSync(join(dir, 'e.jsonl'), lines(evidence(60)));
    writeFileSync(join(dir, 'raw.yaml'), 'confidence: none\n');
    const args = ['--state', state, '--evidence', join(dir, 'e.jsonl'), '--from', iso(START), '--to', iso(START + 60 * DAY), '--step', '1d'];
    const text = await runCli(['backtest', ...args, '--compare', join(dir, 'raw.yaml')]);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('policy default (sha256:');
    expect(text.stdout).toContain(`policy ${join(dir, 'raw.yaml')} (sha256:`);
    const json = JSON.parse((await runCli(['backtest', ...args, '--format', 'json'])).stdout);
    expect(json.runs[0].steps).toHaveLength(60);
    expect(json.runs[0].periods.length).toBeGreaterThan(1);
    const out = join(dir, 'r.html');
    const report = await runCli(['report', '--state', state, '--evidence', join(dir, 'e.jsonl'), '--now', iso(START + 60 * DAY), '--out', out,
      '--backtest', '--from', iso(START), '--compare', join(dir, 'raw.yaml')]);
    expect(report.code).toBe(0);
    const html = (await import('node:fs')).readFileSync(out, 'utf8');
    expect(html).toContain('<section id="backtest"><h2>Backtest</h2>');
    expect(html).toMatch(/<path class="bt-line bt-run-0" d="M[^"]+"\/>/);
    expect(html).toMatch(/<path class="bt-line bt-run-1" d="M[^"]+"\/>/);
    expect(html).toMatch(/<rect class="bt-hold bt-inconclusive"[^>]*><title>default: hold at phase 1 \(inconclusive\)/);
    expect((await import('node:fs')).readFileSync(state, 'utf8')).toBe(before);
  });

  it('fails on --compare without --backtest in report', async () => {
    const run = await runCli(['report', '--state', 's.json', '--evidence', 'e.jsonl', '--out', 'r.html', '--compare', 'p.yaml']);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/--compare, --from and --step belong to --backtest/);
  });
});
