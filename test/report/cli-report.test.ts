import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, tempDir } from '../support/cli';
import { incident, lines, state } from './helpers';

const EXAMPLES = join(__dirname, '../../examples');
const STATE = join(EXAMPLES, 'trust/incident-responder.json');
const EVIDENCE = join(EXAMPLES, 'evidence/incident-responder.jsonl');
const NOW = '2026-11-25T00:00:00Z';

describe('trust-gate report', () => {
  it('writes one HTML file and says so on stderr', async () => {
    const dir = tempDir('gt-report-');
    const out = join(dir, 'report.html');
    const r = await runCli(['report', '--state', STATE, '--evidence', EVIDENCE, '--now', NOW, '--out', out]);
    expect(r).toMatchObject({ code: 0, stdout: '' });
    expect(r.stderr).toMatch(new RegExp(`^trust-gate report: wrote ${out} \\(\\d+ KiB\\): 324 incidents over 116 days, gate would hold\\n$`));
    const html = readFileSync(out, 'utf8');
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).toMatch(/Evidence <code>sha256:[0-9a-f]{64}<\/code>/);
    expect(readdirSync(dir)).toEqual(['report.html']); // no temp file left behind
  });

  it('is deterministic for a given --now', async () => {
    const dir = tempDir('gt-report-');
    const run = async (name: string) => {
      await runCli(['report', '--state', STATE, '--evidence', EVIDENCE, '--now', NOW, '--out', join(dir, name)]);
      return readFileSync(join(dir, name), 'utf8');
    };
    expect(await run('a.html')).toBe(await run('b.html'));
  });

  it('fails naming FILE:LINE on a bad evidence record and leaves an existing report as it was', async () => {
    const dir = tempDir('gt-report-');
    const evidence = join(dir, 'evidence.jsonl');
    writeFileSync(evidence, lines([incident(2), { ...incident(1), edits: 'some' }]));
    const stateFile = join(dir, 'state.json');
    writeFileSync(stateFile, JSON.stringify(state(2)));
    const out = join(dir, 'report.html');
    writeFileSync(out, 'previous report');
    const r = await runCli(['report', '--state', stateFile, '--evidence', evidence, '--now', NOW, '--out', out]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`trust-gate report: error: ${evidence}:2: field "edits" is "some": must be one of "none", "minimal", "major", "rejected"\n`);
    expect(readFileSync(out, 'utf8')).toBe('previous report');
  });

  it('fails naming FILE:LINE and the field on a bad state file', async () => {
    const dir = tempDir('gt-report-');
    const stateFile = join(dir, 'state.json');
    writeFileSync(stateFile, '{\n  "agent": "a",\n  "phase": 7,\n  "since": "2026-01-01T00:00:00Z"\n}\n');
    const r = await runCli(['report', '--state', stateFile, '--evidence', EVIDENCE, '--now', NOW, '--out', join(dir, 'r.html')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${stateFile}:3: field "phase" is 7`);
  });

  it('fails when the folder of --out does not exist, before reading anything', async () => {
    const out = join(tempDir('gt-report-'), 'missing', 'report.html');
    const r = await runCli(['report', '--state', STATE, '--evidence', EVIDENCE, '--out', out]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('does not exist; create it or choose another --out');
    expect(existsSync(out)).toBe(false);
  });

  it('fails without --out or --evidence, showing the usage', async () => {
    const noOut = await runCli(['report', '--state', STATE, '--evidence', EVIDENCE]);
    expect(noOut.code).toBe(1);
    expect(noOut.stderr).toContain('--out is required\nusage: trust-gate report --state FILE --evidence FILE');
    const noEvidence = await runCli(['report', '--state', STATE, '--out', 'x.html']);
    expect(noEvidence.stderr).toContain('--evidence is required');
  });

  it('uses a policy file for the gate table and the lines it draws', async () => {
    const dir = tempDir('gt-report-');
    const policy = join(dir, 'policy.yaml');
    writeFileSync(policy, 'demotion:\n  triggers:\n    accuracy: { below: 0.9, minSamples: 30 }\n');
    const out = join(dir, 'r.html');
    const r = await runCli(['report', '--state', STATE, '--evidence', EVIDENCE, '--policy', policy, '--now', NOW, '--out', out]);
    expect(r.code).toBe(0);
    const html = readFileSync(out, 'utf8');
    expect(html).toContain('demotes &lt; 90%');
    expect(html).toContain('≥ 90% (if ≥ 30 samples)');
  });
});
