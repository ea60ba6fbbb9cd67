/**
 * Evaluating on two threads (src/gate/split.ts) gives exactly what one reader gives reading the
 * same files in order: the same aggregates, the same first error with the same FILE:LINE, the
 * same digest. Most runs read the first part on the main thread (`aggregateParts` with
 * `readFirstPart`, through a structured clone as a thread would); a few start the real thread.
 */
import { createHash } from 'node:crypto';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { digestFiles } from '../../src/gate/digest';
import { aggregate, evaluate } from '../../src/gate/evaluate';
import { formatDecision } from '../../src/gate/format';
import { DEFAULT_POLICY, policyDigest } from '../../src/gate/policy';
import { fileSource } from '../../src/gate/files';
import { aggregateParts, aggregateSplit, planSplit, type FirstPartReader, type SplitInput } from '../../src/gate/split';
import { readFirstPart } from '../../src/gate/split-thread';
import type { Phase } from '../../src/phase/table';
import type { StateFile } from '../../src/state/schema';
import { runCli, tempDir } from '../support/cli';
import { AGENT, DAY, NOW, NOW_MS, type Rec } from './helpers';

/** The first part read here, through structured clones both ways. */
const here: FirstPartReader = (job) => ({ result: readFirstPart(structuredClone(job)).then((r) => structuredClone(r)), stop: async () => undefined });

/** What one reader in order gives, or its error. */
async function inOrder(state: StateFile, files: string[]) {
  try {
    return { aggregates: await aggregate({ state, now: NOW, evidence: files.map((f) => fileSource(f)) }) };
  } catch (e) {
    return { error: String(e) };
  }
}

/** What the split gives, or its error. */
async function split(input: SplitInput, reader: FirstPartReader = here, firstShare = 0.45) {
  const plan = planSplit(input.evidence, { fromBytes: 0, firstShare });
  if (!plan) return undefined;
  try {
    const { aggregates, digest } = await aggregateParts(input, plan, reader);
    return { aggregates, digest };
  } catch (e) {
    return { error: String(e) };
  }
}

const sha256 = (files: string[]) => `sha256:${files.reduce((h, f) => h.update(readFileSync(f)), createHash('sha256')).digest('hex')}`;

/** A time up to 50 days before NOW or a day after; now and then one of three, so records tie. */
const at = fc.oneof(
  { weight: 4, arbitrary: fc.integer({ min: -50 * 86_400, max: 86_400 }) },
  { weight: 1, arbitrary: fc.constantFrom(-3 * 86_400, -86_400, -60) },
).map((s) => new Date(NOW_MS + s * 1000).toISOString());
const recordArb: fc.Arbitrary<Rec> = fc.oneof(
  { weight: 20, arbitrary: fc.record({
    type: fc.constant('incident'), agent: fc.constantFrom(AGENT, AGENT, AGENT, 'other'), at,
    id: fc.integer({ min: 1, max: 12 }).map((n) => `INC-${n}`), phase: fc.constantFrom(1, 2, 2, 3),
    domain: fc.constantFrom('db', 'net', 'dns', 'queue'), diagnosisCorrect: fc.boolean(), operatorAgreed: fc.boolean(),
  }) },
  { weight: 2, arbitrary: fc.record({ type: fc.constant('signoff'), agent: fc.constant(AGENT), at, by: fc.constantFrom('ann', 'Ann ', 'bo'), transition: fc.constantFrom('1->2', '2->3') }) },
  { weight: 2, arbitrary: fc.record({ type: fc.constant('investigation-closed'), agent: fc.constant(AGENT), at, by: fc.constantFrom('oncall', 'ann'), note: fc.constantFrom('', 'ok') }) },
  { weight: 2, arbitrary: fc.record({ type: fc.constant('scope-violation'), agent: fc.constant(AGENT), at, source: fc.constant('falco'), detail: fc.constantFrom('exec', 'delete') }) },
);
/** Written as a line holding the byte 0xff, which is not UTF-8. */
const INVALID_UTF8 = '<0xff>';
/** A line as written: a record, now and then a blank line or a broken one. */
const lineArb = fc.oneof(
  { weight: 40, arbitrary: recordArb.map((r) => JSON.stringify(r)) },
  { weight: 1, arbitrary: fc.constantFrom('', '   ', '{"type":"incident"}', 'not json', '\ufeff{"type":"incident"}', INVALID_UTF8) },
);
const stateArb = fc.record({ phase: fc.constantFrom<Phase>(1, 2, 3), sinceDays: fc.integer({ min: 1, max: 40 }) })
  .map(({ phase, sinceDays }): StateFile => ({ agent: AGENT, phase, since: new Date(NOW_MS - sinceDays * DAY).toISOString() }));

/** Writes `lines` into `files` files (the cuts at random), each ending with a newline or not. */
function write(dir: string, lines: string[], cuts: number[], lastNewline: boolean): string[] {
  const bounds = [0, ...cuts.map((c) => c % (lines.length + 1)).sort((a, b) => a - b), lines.length];
  return bounds.slice(1).map((end, i) => {
    const file = join(dir, `e${i}.jsonl`);
    const part = lines.slice(bounds[i], end);
    const text = part.join('\n') + (part.length > 0 && (lastNewline || i < bounds.length - 2) ? '\n' : '');
    writeFileSync(file, Buffer.concat(text.split(INVALID_UTF8).flatMap((t, j) => (j === 0 ? [Buffer.from(t)] : [Buffer.from([0x7b, 0xff, 0x7d]), Buffer.from(t)]))));
    return file;
  });
}

describe('two threads give what one reader gives', () => {
  it('the same aggregates, or the same first error naming the same FILE:LINE, and the same digest, over random evidence, files and cuts', async () => {
    const dir = tempDir('gt-split-');
    let planned = 0;
    let errors = 0;
    let kept = 0; // runs where the first part kept incidents in a window: the second part was read again for their ids
    const counting: FirstPartReader = (job) => {
      const read = here(job);
      return { ...read, result: read.result.then((r) => (r && 'partial' in r && r.partial.incidents.size > 0 && kept++, r)) };
    };
    await fc.assert(fc.asyncProperty(
      fc.array(lineArb, { minLength: 1, maxLength: 80 }), fc.array(fc.nat(), { maxLength: 2 }), fc.boolean(), stateArb, fc.double({ min: 0.01, max: 0.99, noNaN: true }),
      async (lines, cuts, lastNewline, state, share) => {
        const files = write(dir, lines, cuts, lastNewline);
        const got = await split({ state, now: NOW, evidence: files }, counting, share);
        if (got === undefined) return;
        planned++;
        const want = await inOrder(state, files);
        if ('error' in want) {
          errors++;
          expect(got).toEqual({ error: want.error });
          return;
        }
        expect(got).toEqual({ aggregates: want.aggregates, digest: sha256(files) });
      },
    ), { numRuns: 400 });
    expect(planned).toBeGreaterThan(300); // most runs were cut: the property tested the split
    expect(errors).toBeGreaterThan(8);
    expect(kept).toBeGreaterThan(100);
  }, 120_000);

  it('an id the first part kept in a window and the second part moved out of every window is not counted, and is a duplicate', async () => {
    const dir = tempDir('gt-split-');
    const file = join(dir, 'e.jsonl');
    const inc = (atIso: string, phase: number) => JSON.stringify({ type: 'incident', agent: AGENT, at: atIso, id: 'INC-1', phase, domain: 'db', diagnosisCorrect: true });
    const recent = new Date(NOW_MS - DAY).toISOString();
    const old = new Date(NOW_MS - 400 * DAY).toISOString();
    writeFileSync(file, [inc(recent, 2), inc(old, 2)].join('\n') + '\n');
    const state: StateFile = { agent: AGENT, phase: 2, since: new Date(NOW_MS - 10 * DAY).toISOString() };
    const got = await split({ state, now: NOW, evidence: [file] }, here, 0.1);
    expect(got).toBeDefined();
    expect(got!.aggregates!.evidence.phaseWindow.incidents).toBe(0);
    expect(got!.aggregates!.evidence.counts.duplicates).toBe(1);
    expect(got).toEqual({ ...(await inOrder(state, [file])), digest: sha256([file]) });
  });

  it('across the cut, a person\'s first sign-off, the first of equally new closures and the first record of a violation win', async () => {
    const dir = tempDir('gt-split-');
    const file = join(dir, 'e.jsonl');
    const t = new Date(NOW_MS - DAY).toISOString();
    const records = [
      { type: 'signoff', agent: AGENT, at: t, by: 'Ann', transition: '2->3' },
      { type: 'investigation-closed', agent: AGENT, at: t, by: 'oncall', note: 'first' },
      { type: 'scope-violation', agent: AGENT, at: t, source: 'falco', detail: 'exec' },
    ];
    writeFileSync(file, [...records, ...records].map((r) => JSON.stringify(r)).join('\n') + '\n');
    const state: StateFile = { agent: AGENT, phase: 2, since: new Date(NOW_MS - 10 * DAY).toISOString() };
    const got = await split({ state, now: NOW, evidence: [file] }, here, 0.5);
    expect(got!.aggregates!.evidence.signers.map((p) => p.where)).toEqual([`${file}:1`]);
    expect(got!.aggregates!.evidence.closures.map((p) => p.where)).toEqual([`${file}:2`]);
    expect(got!.aggregates!.violations.new.map((v) => v.where)).toEqual([`${file}:3`]);
    expect(got).toEqual({ ...(await inOrder(state, [file])), digest: sha256([file]) });
  });

  it('a line of the second part is named by its number in the whole file', async () => {
    const dir = tempDir('gt-split-');
    const file = join(dir, 'e.jsonl');
    const good = JSON.stringify({ type: 'incident', agent: AGENT, at: NOW.toISOString(), id: 'INC-1', phase: 1, domain: 'db' });
    writeFileSync(file, Buffer.concat([Buffer.from(`${good}\n`.repeat(900)), Buffer.from([0xff, 0x0a]), Buffer.from(`${good}\n`.repeat(99)), Buffer.from('{"type":"x"}\n')]));
    const state: StateFile = { agent: AGENT, phase: 1, since: new Date(NOW_MS - DAY).toISOString() };
    const got = await split({ state, now: NOW, evidence: [file] }, here, 0.5);
    expect(got?.error).toContain(`${file}:901: is not valid UTF-8 (byte 0xff)`);
    writeFileSync(file, `${good}\n`.repeat(900) + '{"type":"x"}\n');
    expect((await split({ state, now: NOW, evidence: [file] }, here, 0.5))?.error).toContain(`${file}:901: field "agent"`);
  });
});

describe('the thread', () => {
  const dir = tempDir('gt-split-thread-');
  const file = join(dir, 'e.jsonl');
  const audit = join(dir, 'audit.jsonl');
  const records = Array.from({ length: 20_000 }, (_, i) => JSON.stringify({
    type: i % 50 === 0 ? 'signoff' : 'incident', agent: AGENT, at: new Date(NOW_MS - (20_000 - i) * 60_000).toISOString(), id: `INC-${i % 7000}`,
    phase: 2, domain: ['db', 'net'][i % 2], diagnosisCorrect: i % 9 !== 0, by: `sre-${i % 3}`, transition: '2->3',
  }));
  writeFileSync(file, records.join('\n') + '\n');
  writeFileSync(audit, '');
  const state: StateFile = { agent: AGENT, phase: 2, since: new Date(NOW_MS - 8 * DAY).toISOString() };

  it('reads the first part on a thread of its own, hashes every input in order, and merges exactly', async () => {
    const events: string[] = [];
    const plan = planSplit([file], { fromBytes: 0 })!;
    expect(plan.first).toHaveLength(1);
    const got = await aggregateSplit({
      state, now: NOW, evidence: [file], digestAlso: [audit],
      onThread: () => events.push('thread'), onFallback: (why) => events.push(`fallback: ${why}`),
    }, plan);
    expect(events).toEqual(['thread']);
    expect(got.aggregates).toEqual((await inOrder(state, [file])).aggregates);
    expect(got.digest).toBe(await digestFiles([file, audit]));
  });

  it('names the first error of the first part, read on the thread, by its FILE:LINE', async () => {
    const bad = join(dir, 'bad.jsonl');
    writeFileSync(bad, [...records.slice(0, 10), '{"type":"incident","agent":""}', ...records.slice(10), '{}'].join('\n') + '\n');
    await expect(aggregateSplit({ state, now: NOW, evidence: [bad] }, planSplit([bad], { fromBytes: 0 })!)).rejects.toThrow(`${bad}:11: field "agent" is ""`);
  });

  it('reads everything on the main thread when the first part could not be read, with no digest', async () => {
    const failing: FirstPartReader = () => ({ result: Promise.resolve(undefined), stop: async () => undefined });
    const got = await aggregateParts({ state, now: NOW, evidence: [file] }, planSplit([file], { fromBytes: 0 })!, failing);
    expect(got).toEqual({ aggregates: (await inOrder(state, [file])).aggregates, digest: undefined });
  });

  it('is not planned for gzip, for small evidence, or without a line start near the cut', () => {
    const gz = join(dir, 'e.jsonl.gz');
    writeFileSync(gz, Buffer.from([0x1f, 0x8b, 0, 0]));
    expect(planSplit([file, gz], { fromBytes: 0 })).toBeUndefined();
    expect(planSplit([file])).toBeUndefined(); // under 64 MiB
    const long = join(dir, 'long.jsonl');
    writeFileSync(long, `"${'x'.repeat(3 * 1024 * 1024)}"\n`);
    expect(planSplit([long], { fromBytes: 0 })).toBeUndefined();
  });
});

describe('trust-gate evaluate on evidence of 64 MiB and more', () => {
  it('evaluates on two threads and prints what one reader in order decides, with the digest of every input', async () => {
    const dir = tempDir('gt-split-cli-');
    const evidence = join(dir, 'evidence.jsonl');
    const audit = join(__dirname, '../fixtures/audit/k8s-audit-v1-agent.jsonl');
    const stateFile = join(dir, 'agent.json');
    const state: StateFile = { agent: AGENT, phase: 2, since: new Date(NOW_MS - 20 * DAY).toISOString() };
    writeFileSync(stateFile, JSON.stringify(state));
    const line = (i: number) => JSON.stringify({
      type: 'incident', agent: AGENT, at: new Date(NOW_MS - (450_000 - i) * 10_000).toISOString(), id: `INC-${i % 200_000}`, phase: 2,
      domain: ['db', 'net', 'dns'][i % 3], diagnosisCorrect: i % 11 !== 0, operatorAgreed: i % 13 !== 0, edits: 'minimal', outOfScopeRecommendation: false,
    });
    const chunks: string[] = [];
    for (let i = 0; i < 450_000; i++) chunks.push(line(i));
    writeFileSync(evidence, chunks.join('\n') + '\n');
    expect(planSplit([evidence])).toBeDefined(); // 64 MiB and more: the CLI cuts it
    const sa = 'system:serviceaccount:ops-agents:incident-responder';
    const r = await runCli(['evaluate', '--state', stateFile, '--evidence', evidence, '--k8s-audit', audit, '--k8s-user', sa, '--now', NOW.toISOString(), '--format', 'json'], NOW.toISOString());
    expect(r.stderr).toBe(''); // no 'the second thread failed'
    const decision = await evaluate({
      state, now: NOW, evidence: [fileSource(evidence)],
      audit: [{ kind: 'k8s-audit', source: fileSource(audit), user: sa }],
    });
    expect(r.stdout).toBe(formatDecision(decision, { evidence: await digestFiles([evidence, audit]), policy: policyDigest(DEFAULT_POLICY) }, 'json'));
    expect(decision.counts.records).toBe(450_000);
    rmSync(dir, { recursive: true });
  }, 60_000);
});
