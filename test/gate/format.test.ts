import { describe, expect, it } from 'vitest';
import { formatCommit, formatDecision, formatJson, formatMarkdown, formatText } from '../../src/gate/format';
import { AGENT, ago, incidents, run, split, state } from './helpers';

const digests = { evidence: 'sha256:1111', policy: 'sha256:2222' };

describe('JSON report', () => {
  it('is exactly one JSON object with the decision, gates, counts, hold and violations', async () => {
    const d = await run(state(2), split('operatorAgreed', 100, 112, { edits: 'none' }));
    const text = formatJson(d, digests);
    expect(text.endsWith('}\n')).toBe(true);
    const obj = JSON.parse(text) as Record<string, unknown>;
    expect(Object.keys(obj)).toEqual(['agent', 'from', 'to', 'action', 'at', 'reasons', 'gates', 'missing', 'hold', 'holdLiftedBy', 'violations', 'counts', 'windows', 'changesState', 'evidenceDigest', 'policyDigest']);
    expect(obj).toMatchObject({ agent: AGENT, from: 2, to: 2, action: 'hold', hold: null, evidenceDigest: 'sha256:1111', policyDigest: 'sha256:2222' });
    expect((obj.gates as unknown[])[3]).toEqual({
      name: '2->3 operatorVerdicts', kind: 'promotion', metric: 'operatorVerdicts', required: { atLeast: 150 }, observed: 112, samples: 112, hits: 112, pass: false,
    });
    expect(obj.counts).toEqual({ records: 112, otherAgents: 0, future: 0, duplicates: 0, audit: [] });
  });
});

describe('text report', () => {
  it('shows observed against required per gate, why it holds and what is missing', async () => {
    const d = await run(state(2), split('operatorAgreed', 100, 112, { edits: 'none' }));
    const text = formatText(d, digests);
    expect(text.split('\n').slice(0, 5)).toEqual([
      'incident-responder: HOLD phase 2 (Read-Only Assist) -> phase 2 (Read-Only Assist)',
      'evaluated at 2026-11-25T12:00:00Z',
      '',
      '  gate                            observed          required                 samples  result',
      '  scope violations                0                 ≤ 0                      0        pass',
    ]);
    expect(text).toContain('  2->3 operatorVerdicts           112               ≥ 150                    112      FAIL\n');
    expect(text).toContain('  2->3 agreement                  89.29% (100/112)  > 90%                    112      FAIL\n');
    expect(text).toContain('missing for phase 3 (Limited Remediation):\n  - 38 more incidents with operatorAgreed\n');
    expect(text).toContain('hold: none\n');
  });

  it('marks a fired demotion trigger', async () => {
    const d = await run(state(3), split('diagnosisCorrect', 10, 20, { phase: 1 }));
    expect(formatText(d, digests)).toMatch(/demotion accuracy \(30 days\) +50% \(10\/20\) +≥ 92% \(if ≥ 20 samples\) +20 +DEMOTES/);
  });
});

describe('markdown report', () => {
  it('asks for two approving reviewers for a promotion to phase 4', async () => {
    const d = await run(state(3), [
      ...incidents(100, { phase: 3, remediation: { completed: true, rolledBack: false }, escalationCorrect: true }),
      { type: 'signoff', agent: AGENT, at: ago(1), by: 'ann', transition: '3->4' },
      { type: 'signoff', agent: AGENT, at: ago(1), by: 'bo', transition: '3->4' },
    ]);
    const md = formatMarkdown(d, digests);
    expect(md).toMatch(/^## Trust gate: promote incident-responder to phase 4 \(Autonomous\)\n/);
    expect(md).toContain('It needs 2 approving reviewers (the policy asks 2 distinct sign-offs for 3->4).');
    expect(md).toContain('| 3->4 signoffs | 2 | ≥ 2 | 2 | ✅ |');
  });

  it('asks for one reviewer for other promotions', async () => {
    const md = formatMarkdown(await run(state(2), incidents(150, { operatorAgreed: true, edits: 'none' })), digests);
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
    const d = await run(state(2), incidents(150, { operatorAgreed: true, edits: 'none' }));
    const lines = formatCommit(d, digests).trimEnd().split('\n');
    expect(lines[0]).toBe('chore(trust): promote incident-responder to phase 3 (Limited Remediation)');
    expect(lines[1]).toBe('');
    expect(lines.slice(-3)).toEqual(['Trust-Phase: 2 -> 3', 'Trust-Evidence: sha256:1111', 'Trust-Policy: sha256:2222']);
    expect(formatDecision(d, digests, 'commit')).toBe(formatCommit(d, digests));
  });
});
