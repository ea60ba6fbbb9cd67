/**
 * Evaluating on two threads (src/gate/split.ts) gives exactly what one reader gives reading the
 * same files in order: the same aggregates, the same first error with the same FILE:LINE, the
 * same digest. Most runs read the first part on the main thread (`aggregateParts` with
 * `readFirstPart`, through a structured clone as a thread would); a few start the real thread.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildSync } from 'esbuild';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { digestFiles } from '../../src/gate/digest';
import { aggregate, evaluate } from '../../src/gate/evaluate';
import { formatDecision } from '../../src/gate/format';
import { DEFAULT_POLICY, policyDigest } from '../../src/gate/policy';
import { fileSource } from '../../src/gate/files';
import { aggregateParts, aggregateSplit, planSplit, type SplitInput } from '../../src/gate/split';
import { readFirstPart, type FirstPartResult } from '../../src/gate/split-thread';
import type { FirstPartReader } from '../../src/gate/split-worker';
import type { Phase } from '../../src/phase/table';
import type { StateFile } from '../../src/state/schema';
import { runCli, tempDir } from '../support/cli';
import { AGENT, DAY, NOW, NOW_MS, type Rec } from './helpers';

/** The first part read here, through structured clones both ways. */
const here: FirstPartReader = (job) => {
  let hand!: (r: FirstPartResult | undefined) => void;
  const part = new Promise<FirstPartResult | undefined>((resolve) => void (hand = resolve));
  const digest = readFirstPart(structuredClone(job), (r) => hand(structuredClone(r)));
  return { part, digest, stop: async () => undefined };
};

/** `reader` whose part keeps incidents from its `after`-th question on (the main thread then collects the ids it drops). */
const keepingAfter = (after: number, reader: FirstPartReader = here): FirstPartReader => (job) => {
  let asked = 0;
  return { ...reader(job), keeps: () => ++asked > after };
};

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
    let kept = 0; // runs where the first part kept incidents in a window
    let replaced = 0; // runs where the second part holds a record that counts of one of them: the merge drops it
    const counting: FirstPartReader = (job) => {
      const read = here(job);
      return {
        ...read,
        part: read.part.then((r) => {
          if (!r || !('partial' in r) || r.partial.incidents.size === 0) return r;
          kept++;
          const rest = job.rest.map((seg) => readFileSync(seg.path).subarray(seg.from).toString()).join('\n').split('\n');
          const counts = (line: string) => {
            try {
              const x = JSON.parse(line) as Rec;
              return x.type === 'incident' && x.agent === AGENT && Date.parse(x.at as string) <= NOW_MS && r.partial.incidents.has(x.id as string);
            } catch {
              return false;
            }
          };
          if (rest.some(counts)) replaced++;
          return r;
        }),
      };
    };
    await fc.assert(fc.asyncProperty(
      fc.array(lineArb, { minLength: 1, maxLength: 80 }), fc.array(fc.nat(), { maxLength: 2 }), fc.boolean(), stateArb, fc.double({ min: 0.01, max: 0.99, noNaN: true }),
      fc.option(fc.nat({ max: 3 }), { nil: undefined }),
      async (lines, cuts, lastNewline, state, share, keepsAfter) => {
        const files = write(dir, lines, cuts, lastNewline);
        const got = await split({ state, now: NOW, evidence: files }, keepsAfter === undefined ? counting : keepingAfter(keepsAfter, counting), share);
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
    expect(replaced).toBeGreaterThan(20);
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

  it('the same aggregates whenever the main thread starts collecting the ids it drops, across many chunks', async () => {
    const dir = tempDir('gt-split-');
    const file = join(dir, 'e.jsonl');
    let seed = 7;
    const next = () => (seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648);
    const lines = Array.from({ length: 30_000 }, () => JSON.stringify({
      type: 'incident', agent: AGENT, at: new Date(NOW_MS - (next() % (50 * 86_400)) * 1000).toISOString(), id: `INC-${next() % 5000}`,
      phase: 2, domain: 'db', diagnosisCorrect: next() % 2 === 0,
    }));
    writeFileSync(file, lines.join('\n') + '\n');
    const state: StateFile = { agent: AGENT, phase: 2, since: new Date(NOW_MS - 10 * DAY).toISOString() };
    const want = await inOrder(state, [file]);
    expect(want.aggregates!.evidence.counts.duplicates).toBeGreaterThan(10_000);
    for (const after of [0, 1, 7, 40, 1000]) expect(await split({ state, now: NOW, evidence: [file] }, keepingAfter(after), 0.45)).toEqual({ ...want, digest: sha256([file]) });
  });

  it('reads again every line before the chunk where the main thread started collecting the ids it drops', async () => {
    const dir = tempDir('gt-split-');
    const file = join(dir, 'e.jsonl');
    const inc = (id: string, days: number) => JSON.stringify({ type: 'incident', agent: AGENT, at: new Date(NOW_MS - days * DAY).toISOString(), id, phase: 2, domain: 'db' });
    const lines = [inc('X-000000', 1), ...Array.from({ length: 8000 }, (_, i) => inc(`F-${String(i).padStart(6, '0')}`, 400))]; // all of one length
    writeFileSync(file, lines.join('\n') + '\n');
    const plan = planSplit([file], { fromBytes: 0, firstShare: 0.3 })!;
    // The only later record of X, out of every window, in the second chunk of the second part: the main thread collects from the third.
    const k = Math.ceil((plan.cut.at + 64 * 1024 + 100) / (lines[0]!.length + 1));
    lines[k] = inc('X-000000', 400);
    writeFileSync(file, lines.join('\n') + '\n');
    const state: StateFile = { agent: AGENT, phase: 2, since: new Date(NOW_MS - 10 * DAY).toISOString() };
    const want = await inOrder(state, [file]);
    expect(want.aggregates!.evidence.recentWindow.incidents).toBe(0); // X was replaced
    const got = await aggregateParts({ state, now: NOW, evidence: [file] }, plan, keepingAfter(2));
    expect(got).toEqual({ ...want, digest: sha256([file]) });
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
    const failing: FirstPartReader = () => ({ part: Promise.resolve(undefined), digest: Promise.resolve(undefined), stop: async () => undefined });
    const got = await aggregateParts({ state, now: NOW, evidence: [file] }, planSplit([file], { fromBytes: 0 })!, failing);
    expect(got).toEqual({ aggregates: (await inOrder(state, [file])).aggregates, digest: undefined });
  });

  it('stops reading its part as soon as the thread says it failed, and reads everything once', async () => {
    let bytes = 0;
    const failedAtOnce: FirstPartReader = () => ({ part: Promise.resolve(undefined), digest: Promise.resolve(undefined), stop: async () => undefined, started: () => true, failed: () => true });
    const got = await aggregateParts({ state, now: NOW, evidence: [file], onBytes: (n) => void (bytes += n) }, planSplit([file], { fromBytes: 0 })!, failedAtOnce);
    expect(got.aggregates).toEqual((await inOrder(state, [file])).aggregates);
    expect(bytes).toBe(statSync(file).size); // not the second part and then everything
  });

  it('fails as an input that changed when the second part, read again for the first part\'s ids, is not what was read', async () => {
    // The first part keeps recent incidents; the second part holds only old records of them, so it is read again for their ids.
    const changing = join(dir, 'changing.jsonl');
    const inc = (i: number, days: number) => JSON.stringify({ type: 'incident', agent: AGENT, at: new Date(NOW_MS - days * DAY).toISOString(), id: `INC-${i}`, phase: 2, domain: 'db' });
    const original = Buffer.from([...Array.from({ length: 100 }, (_, i) => inc(i, 1)), ...Array.from({ length: 100 }, (_, i) => inc(i, 400))].join('\n') + '\n');
    writeFileSync(changing, original);
    const plan = planSplit([changing], { fromBytes: 0, firstShare: 0.5 })!;
    const input = { state, now: NOW, evidence: [changing] };
    const want = (await inOrder(state, [changing])).aggregates!;
    expect(want.evidence.counts.duplicates).toBe(100); // each recent one replaced by an old one
    expect((await aggregateParts(input, plan, here)).aggregates).toEqual(want);
    // Once the main thread has read its part, the first line of it is rewritten: it names a kept id and is cut short.
    const changed = Buffer.concat([original.subarray(0, plan.cut.at), Buffer.from('{"id":"INC-0","type":\n'), original.subarray(plan.cut.at)]);
    let read = 0;
    let mainRead!: () => void;
    const mainDone = new Promise<void>((resolve) => void (mainRead = resolve));
    const onBytes = (n: number) => void ((read += n) === original.length - plan.cut.at && mainRead());
    const changesFirst: FirstPartReader = (job) => {
      const r = here(job);
      return { ...r, part: r.part.then(async (p) => (await mainDone, writeFileSync(changing, changed), p)) };
    };
    await expect(aggregateParts({ ...input, onBytes }, plan, changesFirst)).rejects.toThrow(`${changing}: changed while the gate was reading it (read again, `);
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
  const dir = tempDir('gt-split-cli-');
  const evidence = join(dir, 'evidence.jsonl');
  const audit = join(__dirname, '../fixtures/audit/k8s-audit-v1-agent.jsonl');
  const stateFile = join(dir, 'agent.json');
  const state: StateFile = { agent: AGENT, phase: 2, since: new Date(NOW_MS - 20 * DAY).toISOString() };
  const sa = 'system:serviceaccount:ops-agents:incident-responder';
  const args = ['--state', stateFile, '--evidence', evidence, '--k8s-audit', audit, '--k8s-user', sa, '--now', NOW.toISOString(), '--format', 'json'];
  /** What the CLI must print: the decision of one reader in order, with the digest of every input. */
  let expected: Promise<string> | undefined;
  const want = () => (expected ??= (async () => {
    writeFileSync(stateFile, JSON.stringify(state));
    const line = (i: number) => JSON.stringify({
      type: 'incident', agent: AGENT, at: new Date(NOW_MS - (450_000 - i) * 10_000).toISOString(), id: `INC-${i % 200_000}`, phase: 2,
      domain: ['db', 'net', 'dns'][i % 3], diagnosisCorrect: i % 11 !== 0, operatorAgreed: i % 13 !== 0, edits: 'minimal', outOfScopeRecommendation: false,
    });
    const chunks: string[] = [];
    for (let i = 0; i < 450_000; i++) chunks.push(line(i));
    writeFileSync(evidence, chunks.join('\n') + '\n');
    expect(planSplit([evidence])).toBeDefined(); // 64 MiB and more: the CLI cuts it
    const decision = await evaluate({ state, now: NOW, evidence: [fileSource(evidence)], audit: [{ kind: 'k8s-audit', source: fileSource(audit), user: sa }] });
    expect(decision.counts.records).toBe(450_000);
    return formatDecision(decision, { evidence: await digestFiles([evidence, audit]), policy: policyDigest(DEFAULT_POLICY) }, 'json');
  })());

  it('evaluates on two threads and prints what one reader in order decides, with the digest of every input', async () => {
    const wanted = await want();
    const r = await runCli(['evaluate', ...args], NOW.toISOString());
    expect(r.stderr).toBe(''); // no 'the second thread failed'
    expect(r.stdout).toBe(wanted);
  }, 60_000);

  it('where no thread may start (Node\'s permission model without --allow-worker), reads on one thread and prints the same', async () => {
    const wanted = await want();
    // The permission model forbids the threads tsx starts too, so the command runs bundled (esbuild), as a user's bundler would.
    const entry = join(dir, 'entry.ts');
    writeFileSync(entry, [
      `import { evaluateCommand } from ${JSON.stringify(join(__dirname, '../../src/cli/evaluate'))};`,
      `import { processIo } from ${JSON.stringify(join(__dirname, '../../src/cli/io'))};`,
      'evaluateCommand(process.argv.slice(2), processIo()).then((code) => { process.exitCode = code; });',
    ].join('\n'));
    const bundle = join(dir, 'cli.js');
    buildSync({ entryPoints: [entry], bundle: true, platform: 'node', format: 'cjs', packages: 'external', outfile: bundle, logLevel: 'silent' });
    const run = spawnSync(process.execPath, ['--experimental-permission', '--allow-fs-read=*', '--no-warnings', bundle, ...args], {
      encoding: 'utf8', env: { ...process.env, NODE_PATH: join(__dirname, '../../node_modules') },
    });
    expect(run.stderr).toMatch(/^trust-gate evaluate: the second thread failed \(cannot start: Access to this API has been restricted\); reading everything on one thread\n$/);
    expect(run.status).toBe(0);
    expect(run.stdout).toBe(wanted);
    rmSync(dir, { recursive: true });
  }, 60_000);
});
