/**
 * Measures the analysis on a large output: the example agent's phase-3 and phase-4 output
 * replicated for 200 agents (one YAML file and one stack per agent), then `access` for every
 * agent, `diff` of the two outputs, and the guard for one agent over everything.
 *
 *   npx tsx scripts/bench-analysis.ts [AGENTS]
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { incidentResponder } from '../examples/incident-responder';
import { accessModels } from '../src/analysis/access';
import { diffOutputs } from '../src/analysis/diff';
import { runGuard } from '../src/analysis/guard/run';
import { readSynthOutput } from '../src/analysis/read';

const agents = Number(process.argv[2] ?? 200);
const fixtures = join(__dirname, '..', 'test', 'fixtures', 'synth');

function replicate(phase: number): string {
  const out = mkdtempSync(join(tmpdir(), `gt-bench-${phase}-`));
  const yaml = readFileSync(join(fixtures, `phase-${phase}`, 'dist', 'incident-responder.k8s.yaml'), 'utf8');
  const tf = readFileSync(join(fixtures, `phase-${phase}`, 'cdktf.out', 'stacks', 'incident-responder', 'cdk.tf.json'), 'utf8');
  mkdirSync(join(out, 'dist'));
  for (let i = 0; i < agents; i++) {
    const name = `agent-${String(i).padStart(3, '0')}`;
    writeFileSync(join(out, 'dist', `${name}.k8s.yaml`), yaml.replaceAll('incident-responder', name));
    mkdirSync(join(out, 'cdktf.out', 'stacks', name), { recursive: true });
    writeFileSync(join(out, 'cdktf.out', 'stacks', name, 'cdk.tf.json'), tf.replaceAll('incident-responder', name));
  }
  return out;
}

function time<T>(label: string, f: () => T): T {
  const start = process.hrtime.bigint();
  const value = f();
  process.stdout.write(`${label.padEnd(44)} ${(Number(process.hrtime.bigint() - start) / 1e6).toFixed(0).padStart(6)} ms\n`);
  return value;
}

const before = replicate(3);
const after = replicate(4);
process.stdout.write(`${agents} agents, ${agents * 2} files per output\n`);
const a = time('read BEFORE', () => readSynthOutput(before));
const b = time('read AFTER', () => readSynthOutput(after));
const ma = time(`access (all ${agents} agents, BEFORE)`, () => accessModels(a));
const mb = time(`access (all ${agents} agents, AFTER)`, () => accessModels(b));
const diffs = time('diff', () => diffOutputs(ma, mb));
time('guard (one agent over the whole output)', () => runGuard({ output: b, definition: { ...incidentResponder, name: 'agent-000' }, phase: 4 }));
process.stdout.write(`changes: ${diffs.reduce((n, d) => n + d.changes.length, 0)}; peak RSS ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MiB\n`);
rmSync(before, { recursive: true, force: true });
rmSync(after, { recursive: true, force: true });
