import { describe, expect, it } from 'vitest';
import { formatCommit, formatDecision, formatJson, formatMarkdown, formatText } from '../../src/gate/format';
import { AGENT, ago, incidents, RAW, run, split, state } from './helpers';

const digests = { evidence: 'sha256:1111', policy: 'sha256:2222' };

describe('JSON report', () => {
  it('is exactly one JSON object with the decision, gates, counts, hold and violations', async () => {
    const d = await run(state(2), split('operatorAgreed', 100, 112, { edits: 'none' }));
    const text = formatJson(d, digests);
    expect(text.endsWith('}\n')).toBe(true);
    const obj = JSON.parse(text) as Record<string, unknown>;
    expect(Object.keys(obj)).toEqual([
      'agent', 'from', 'to', 'action', 'holdKind', 'at', 'reasons', 'gates', 'missing', 'hold', 'holdLiftedBy', 'violations', 'refused', 'revision',
      'counts', 'windows', 'changesState', 'evidenceDigest', 'policyDigest',
    ]);
    expect(obj).toMatchObject({ agent: AGENT, from: 2, to: 2, action: 'hold', holdKind: 'inconclusive', hold: null, evidenceDigest: 'sha256:1111', policyDigest: 'sha256:2222' });
    const gates = obj.gates as Record<string, unknown>[];
    expect(gates[4]).toEqual({
      name: '2->3 operatorVerdicts', kind: 'promotion', metric: 'operatorVerdicts', required: { atLeast: 150 }, observed: 112, samples: 112, hits: 112,
      interval: null, judgedOn: 'observed', verdict: 'inconclusive', pass: false,
    });
    expect(gates[5]).toMatchObject({ name: '2->3 agreement', observed: 100 / 112, samples: 112, hits: 100, minSamples: 30, judgedOn: 'lower', verdict: 'inconclusive', interval: { confidence: 0.95 } });
    expect(obj.counts).toEqual({ records: 112, otherAgents: 0, future: 0, duplicates: 0, otherRevisions: 0, audit: [] });
    expect(obj.violations).toEqual({ new: [], seen: 0, actedBefore: 0, future: 0, pending: [] });
  });
});

describe('text report', () => {
  it('shows observed against required per gate, why it holds and what is missing', async () => {
    const d = await run(state(2), split('operatorAgreed', 100, 112, { edits: 'none', outOfScopeRecommendation: false }));
    const text = formatText(d, digests);
    expect(text.split('\n').slice(0, 5)).toEqual([
      'incident-responder: HOLD (inconclusive) phase 2 (Read-Only Assist) -> phase 2 (Read-Only Assist)',
      'evaluated at 2026-11-25T12:00:00Z',
      '',
      '  gate                            observed          95% interval  required                 samples  result',
      '  scope violations                0                               ≤ 0                      0        pass',
    ]);
    expect(text).toContain('  2->3 soak                       60 days                         ≥ 28 days                         pass\n');
    expect(text).toContain('  2->3 operatorVerdicts           112                             ≥ 150                    112      INCONCLUSIVE\n');
    expect(text).toContain('  2->3 agreement                  89.29% (100/112)  82.2–93.76%   > 90% (if ≥ 30 samples)  112      INCONCLUSIVE\n');
    expect(text).toContain('  demotion rollback (30 days)     no samples                      ≤ 2% (if ≥ 20 samples)   0        INCONCLUSIVE\n');
    expect(text).toContain('missing for phase 3 (Limited Remediation):\n  - 38 more incidents with operatorAgreed\n');
    expect(text).toContain('hold: none\n');
    expect(text).toContain('violations: 0 new, 0 seen, 0 acted on before, 0 pending (later than now)\n');
  });

  it('lists pending violations, later than now, in text and JSON', async () => {
    const v = (at: string, detail: string) => ({ type: 'scope-violation', agent: AGENT, at, source: 'falco', detail });
    const d = await run(state(3), [v(ago(-1), 'exec into pod'), v(ago(-2), 'delete pods')]);
    expect(d.violations).toMatchObject({ new: [], future: 2, pending: [{ detail: 'exec into pod' }, { detail: 'delete pods' }] });
    expect(formatText(d, digests)).toContain(`violations: 0 new, 0 seen, 0 acted on before, 2 pending (later than now)\npending violations (acted on once now passes them):\n  - ${ago(-1).replace('.000', '')} (falco): exec into pod [evidence.jsonl:1]\n`);
    expect(JSON.parse(formatJson(d, digests)).violations.pending).toHaveLength(2);
  });

  it('lists at most 20 violations in text and markdown, and all of them in JSON', async () => {
    const records = Array.from({ length: 25 }, (_, i) => ({ type: 'scope-violation', agent: AGENT, at: ago(-1 - i), source: 'falco', detail: `exec ${i}` }));
    const d = await run(state(3), records);
    expect(formatText(d, digests)).toContain('  - ... and 5 more (all in --format json)\n');
    expect(formatMarkdown(d, digests)).toContain('| … | | and 5 more (all in `--format json`) | |');
    expect(JSON.parse(formatJson(d, digests)).violations.pending).toHaveLength(25);
  });

  it('marks a fired demotion trigger', async () => {
    const d = await run(state(3), split('diagnosisCorrect', 10, 20, { phase: 1 }));
    expect(formatText(d, digests)).toMatch(/demotion accuracy \(30 days\) +50% \(10\/20\) +29\.93–70\.07% +≥ 92% \(if ≥ 20 samples\) +20 +DEMOTES/);
  });
});

describe('markdown report', () => {
  it('asks for two approving reviewers for a promotion to phase 4', async () => {
    const d = await run(state(3), [
      ...incidents(100, { phase: 3, remediation: { completed: true, rolledBack: false }, escalationCorrect: true }),
      { type: 'signoff', agent: AGENT, at: ago(1), by: 'ann', transition: '3->4' },
      { type: 'signoff', agent: AGENT, at: ago(1), by: 'bo', transition: '3->4' },
    ], { policy: RAW });
    const md = formatMarkdown(d, digests);
    expect(md).toMatch(/^## Trust gate: promote incident-responder to phase 4 \(Autonomous\)\n/);
    expect(md).toContain('It needs 2 approving reviewers (the policy asks 2 distinct sign-offs for 3->4).');
    expect(md).toContain('| 3->4 signoffs | 2 |  | ≥ 2 | 2 | ✅ |');
  });

  it('asks for one reviewer for other promotions', async () => {
    const md = formatMarkdown(await run(state(2), incidents(150, { operatorAgreed: true, edits: 'none', outOfScopeRecommendation: false }), { policy: RAW }), digests);
    expect(md).toContain('It needs 1 approving reviewer.');
  });

  it('marks a demotion urgent, never blocked on gates, and lists the violations', async () => {
    const d = await run(state(3), [{ type: 'scope-violation', agent: AGENT, at: ago(1), source: 'falco', detail: 'exec | into pod' }]);
    const md = formatMarkdown(d, digests);
    expect(md).toContain('**Urgent.** Demotions are never blocked on gates');
    expect(md).toContain(`| ${ago(1).replace('.000', '')} | falco | exec \\| into pod | \`evidence.jsonl:1\` |`);
    expect(md).toContain('**Hold** since 2026-11-25T12:00:00Z');
  });
});

describe('commit message', () => {
  it('is a conventional commit with trust trailers', async () => {
    const d = await run(state(2), incidents(150, { operatorAgreed: true, edits: 'none', outOfScopeRecommendation: false }), { policy: RAW });
    const lines = formatCommit(d, digests).trimEnd().split('\n');
    expect(lines[0]).toBe('chore(trust): promote incident-responder to phase 3 (Limited Remediation)');
    expect(lines[1]).toBe('');
    expect(lines.slice(-3)).toEqual(['Trust-Phase: 2 -> 3', 'Trust-Evidence: sha256:1111', 'Trust-Policy: sha256:2222']);
    expect(formatDecision(d, digests, 'commit')).toBe(formatCommit(d, digests));
  });
});
