import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { YOUNG_GENERATION_FLAG } from '../../src/cli/heap';

/**
 * A child `node` that allocates like a gate run (many short-lived records, a few kept) and prints
 * the young generation's size at start and at end. The flag (if any) is set at run time, as
 * bin/trust-gate.js does, not on the command line.
 */
function youngGeneration(flag: string | undefined, worker: 'none' | 'worker' | 'worker, then the flag again' = 'none'): { start: number; end: number } {
  const file = join(mkdtempSync(join(tmpdir(), 'gt-heap-')), 'alloc.js');
  writeFileSync(file, `
const v8 = require('node:v8');
if (process.env.GT_FLAG) v8.setFlagsFromString(process.env.GT_FLAG);
const size = () => v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size;
const start = size();
const kept = [];
if (process.env.GT_WORKER) {
  const { Worker } = require('node:worker_threads');
  const w = new Worker('require("node:worker_threads").parentPort.postMessage(1)', { eval: true });
  require('node:events').once(w, 'message').then(() => {
    if (process.env.GT_WORKER === 'again') v8.setFlagsFromString(process.env.GT_FLAG);
    run();
    w.terminate();
  });
} else {
  run();
}
function run() {
for (let i = 0; i < 2e6; i++) {
  const record = { id: 'inc-' + i, outcome: i % 7 === 0 ? 'rollback' : 'resolved', at: [i, i + 1] };
  if (i % 20 === 0) kept.push(record);
}
console.log(JSON.stringify({ start, end: size(), kept: kept.length }));
}
`);
  const run = spawnSync(process.execPath, [file], { encoding: 'utf8', env: { ...process.env, GT_FLAG: flag ?? '', GT_WORKER: worker === 'none' ? '' : worker === 'worker' ? 'once' : 'again' } });
  expect(run.status, run.stderr).toBe(0);
  return JSON.parse(run.stdout);
}

describe('the young generation of a trust-gate run', () => {
  it('grows with the work under Node defaults (the peak-memory growth the flag removes)', () => {
    const { start, end } = youngGeneration(undefined);
    expect(end).toBeGreaterThan(start * 2);
  });

  it('keeps its start size once the flag is set at run time', () => {
    const { start, end } = youngGeneration(YOUNG_GENERATION_FLAG);
    expect(end).toBeLessThanOrEqual(Math.max(start, 2 * 1024 * 1024));
  });

  it('grows again once a worker thread starts (it resets V8\'s flags), and keeps its size when the flag is set again', () => {
    const reset = youngGeneration(YOUNG_GENERATION_FLAG, 'worker');
    expect(reset.end).toBeGreaterThan(reset.start * 2);
    const again = youngGeneration(YOUNG_GENERATION_FLAG, 'worker, then the flag again');
    expect(again.end).toBeLessThanOrEqual(Math.max(again.start, 2 * 1024 * 1024));
  });

  it('is bounded by the binary before the CLI starts', () => {
    const bin = readFileSync(join(__dirname, '..', '..', 'bin', 'trust-gate.js'), 'utf8');
    const bound = bin.indexOf('boundYoungGeneration()');
    expect(bound).toBeGreaterThan(-1);
    expect(bound).toBeLessThan(bin.indexOf('.main('));
  });
});
