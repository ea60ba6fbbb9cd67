/**
 * Benchmark of the gate evaluator against a bare loop that only reads lines and JSON.parses them.
 *
 * Generates evidence into .bench/ (gitignored): an append-only log at a fixed rate of incidents
 * per day, oldest first, so a longer file reaches further back in time while the windows the gate
 * keeps in memory stay the same size. Each measurement runs in its own plain `node` child process
 * on the compiled library (no TypeScript loader in the numbers), so peak RSS (maxRSS) is that
 * run's alone; runs are interleaved (bare, stream, readline, evaluator, cli, repeat), times (wall and CPU)
 * are medians and exclude process start-up, and each ratio is the median of the per-round
 * ratios; the ratios of the fastest runs are reported beside them (`fastestRatio`: why). Prints one JSON object and keeps it in .bench/bench-gate.json.
 *
 *   npm run build && npx tsx scripts/bench-gate.ts [--lines 1000000] [--runs 5] [--lib lib] [--flat-lines 10000000] [--flat-runs 3] [--no-flat] [--no-shuffled]
 *
 * Besides the library evaluator it times the whole CLI in the same process model
 * (`main(['evaluate', ...])`: flag parsing, state file, policy, evaluation, digest, text report),
 * the bare loop and the CLI once more on a file `--flat-lines` long (10x by default: ten times
 * the history, same windows) for the ratio and the peak RSS there (`--flat-runs` interleaved rounds, medians), the bare
 * loop, the CLI and the library evaluator on the same lines in a random order (`shuffled`: not in time order, so a split
 * evaluation reads its second part again for the first part's ids), one 50 MiB evidence line, and
 * `trust-gate backtest` over the last year of the evidence with a 1-day step. The CLI and
 * backtest programs set V8's flags as `bin/trust-gate.js` does (src/cli/heap.ts); the bare loop
 * and the library evaluator keep Node's defaults.
 *
 * The evaluator runs on the example's state (phase 2 since October 1) and on a phase entered in
 * June, whose windows hold three times as many incident ids: the gate's memory and a good part
 * of its cost grow with the ids in its windows, not with the lines.
 *
 * The bare loop reads the file as the evaluator does (synchronous 64 KiB reads: the fastest and
 * steadiest read measured) and uses the same chunked splitter, with no await at all, so a ratio
 * is the gate's own cost: checking every record, the per-incident map and the decision, and the
 * evidence digest (the library evaluator here hashes it on a worker that reads the file again, also
 * measured without it; the CLI reads and hashes on a second thread with its ReadAhead, and the
 * main thread takes the bytes from there: src/gate/read-ahead.ts). The same loop over a read stream
 * (`bareStreamLoop`, and the CLI against it) and a readline loop are reported beside it.
 */
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { StateFile } from '../src/state/schema';

const DIR = join(__dirname, '..', '.bench');
const NOW = new Date('2026-11-25T00:00:00Z');
const DAY = 86_400_000;
const LINES_PER_DAY = 1370; // 1,000,000 lines reach two years back
/** The example's state (examples/trust/incident-responder.json): phase 2 since October 1, about 74,000 incident ids in its windows. */
const STATE: StateFile = { agent: 'incident-responder', phase: 2, since: '2026-10-01T00:00:00Z' };
/** A phase entered in June: about 240,000 incident ids in the windows, the memory the gate must keep. */
const LONG_PHASE: StateFile = { ...STATE, since: '2026-06-01T00:00:00Z' };
const PHASE_2_FROM = '2026-06-01T00:00:00Z';
const DOMAINS = ['database', 'network', 'kubernetes', 'storage', 'dns', 'auth', 'queue', 'cache'];

/** A small deterministic PRNG (mulberry32), so every run benchmarks the same bytes. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function generate(file: string, lines: number): void {
  const rnd = random(42);
  const phase2Ms = Date.parse(PHASE_2_FROM);
  const startMs = NOW.getTime() - (lines / LINES_PER_DAY) * DAY;
  const fd = openSync(file, 'w');
  let out = '';
  let nextId = 1;
  for (let i = 0; i < lines; i++) {
    const atMs = startMs + (i / LINES_PER_DAY) * DAY + (rnd() < 0.001 ? 2 * DAY : 0); // 0.1% stamped in the future
    const at = new Date(Math.floor(atMs / 1000) * 1000).toISOString().replace('.000Z', 'Z');
    const agent = rnd() < 0.02 ? 'billing-agent' : 'incident-responder';
    const r = rnd();
    let record: Record<string, unknown>;
    if (r < 0.97) {
      const id = rnd() < 0.05 && nextId > 100 ? nextId - 1 - Math.floor(rnd() * 100) : nextId++; // 5% re-reports: the last wins
      const phase = atMs < phase2Ms ? 1 : 2;
      record = { type: 'incident', agent, at, id: `INC-${id}`, phase, domain: DOMAINS[Math.floor(rnd() * DOMAINS.length)], diagnosisCorrect: rnd() < 0.96 };
      if (phase === 2) {
        record.operatorAgreed = rnd() < 0.93;
        record.edits = rnd() < 0.85 ? 'minimal' : 'major';
        record.outOfScopeRecommendation = false;
      }
      if (rnd() < 0.3) record.confidence = Math.round(rnd() * 100) / 100;
    } else if (r < 0.985) {
      record = { type: 'signoff', agent, at, by: `sre-${Math.floor(rnd() * 20)}`, transition: '2->3' };
    } else if (r < 0.99998) {
      record = { type: 'investigation-closed', agent, at, by: 'oncall', note: 'closed after review' };
    } else {
      record = { type: 'scope-violation', agent, at, source: 'falco', detail: `exec into pod ${i}` };
    }
    out += JSON.stringify(record) + '\n';
    if (out.length > 1 << 20) {
      writeSync(fd, out);
      out = '';
    }
  }
  writeSync(fd, out);
  closeSync(fd);
}

/**
 * The measured programs, run with plain `node -e` (no TypeScript loader in the measurement) on
 * the compiled library. Each prints `{ ms, cpuMs, maxRssMB, result }`.
 */
function program(body: string): string {
  return `(async () => {
  const file = process.argv[1];
  const cpu = process.cpuUsage();
  const start = process.hrtime.bigint();
  const result = await (async () => { ${body} })();
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  const used = process.cpuUsage(cpu);
  console.log(JSON.stringify({ ms, cpuMs: (used.user + used.system) / 1000, maxRssMB: Math.round(process.resourceUsage().maxRSS / 1024), result }));
})();`;
}

/** The bare loops' body for one decoded chunk `text`: split lines after `carry`, JSON.parse each, count them in `n`. */
const SPLIT_AND_PARSE = `
      let start = 0;
      let end = text.indexOf('\\n');
      while (end !== -1) {
        JSON.parse(text.slice(start, end));
        n++;
        start = end + 1;
        end = text.indexOf('\\n', start);
      }
      carry = text.slice(start);`;

const PROGRAMS = {
  /** Read the file as the evaluator does (synchronous 64 KiB reads), split lines as it does and JSON.parse them: nothing else. */
  bare: program(`
    const { openSync, readSync, closeSync } = require('node:fs');
    const { StringDecoder } = require('node:string_decoder');
    const decoder = new StringDecoder('utf8');
    const fd = openSync(file, 'r');
    let carry = '';
    let n = 0;
    for (;;) {
      const buffer = Buffer.allocUnsafeSlow(64 * 1024);
      const read = readSync(fd, buffer, 0, buffer.length, null);
      if (read === 0) break;
      const text = carry + decoder.write(read === buffer.length ? buffer : buffer.subarray(0, read));
      ${SPLIT_AND_PARSE}
    }
    closeSync(fd);
    return n;`),
  /** The same over a read stream (this bench's bare loop until 2026-12-04: slower, so the ratios against it are lower). */
  stream: program(`
    const { createReadStream } = require('node:fs');
    const { StringDecoder } = require('node:string_decoder');
    const decoder = new StringDecoder('utf8');
    let carry = '';
    let n = 0;
    for await (const chunk of createReadStream(file, { highWaterMark: 64 * 1024 })) {
      const text = carry + decoder.write(chunk);
      ${SPLIT_AND_PARSE}
    }
    return n;`),
  /** The same with readline, the usual way to read lines in Node. */
  readline: program(`
    const { createReadStream } = require('node:fs');
    const { createInterface } = require('node:readline');
    let n = 0;
    for await (const line of createInterface({ input: createReadStream(file), crlfDelay: Infinity })) {
      JSON.parse(line);
      n++;
    }
    return n;`),
  /**
   * What trust-gate evaluate does, with the modules it loads: parse the state file (zod), read,
   * check, aggregate and decide, the evidence digest hashed on its worker meanwhile.
   */
  evaluator: program(`
    const lib = process.argv[2];
    const { parseState } = require(lib + '/state/file.js');
    const { evaluate } = require(lib + '/gate/evaluate.js');
    const { fileSource } = require(lib + '/gate/files.js');
    const { digestFiles } = require(lib + '/gate/digest.js');
    const digest = digestFiles([file]);
    const state = parseState(process.argv[3], 'state.json');
    const decision = await evaluate({ state, now: new Date('${NOW.toISOString()}'), evidence: [fileSource(file)] });
    await digest;
    return decision.action + ' ' + decision.from + '->' + decision.to;`),
  /** The whole CLI, as `trust-gate evaluate --state S --evidence F --now T` runs it, output discarded. */
  cli: program(`
    const lib = process.argv[2];
    require(lib + '/cli/heap.js').boundYoungGeneration(); // as bin/trust-gate.js does
    const { writeFileSync } = require('node:fs');
    const stateFile = file + '.state.json';
    writeFileSync(stateFile, process.argv[3]);
    let out = '';
    const code = await require(lib + '/cli/main.js').main(['evaluate', '--state', stateFile, '--evidence', file, '--now', '${NOW.toISOString()}'],
      { stdout: (t) => { out += t; }, stderr: (t) => process.stderr.write(t), now: () => new Date(), stderrIsTty: false });
    if (code !== 0) throw new Error('exit ' + code);
    return out.split('\\n')[0];`),
  /** trust-gate backtest over the last year, one evaluation a day. */
  backtest: program(`
    const lib = process.argv[2];
    require(lib + '/cli/heap.js').boundYoungGeneration(); // as bin/trust-gate.js does
    const { writeFileSync } = require('node:fs');
    const stateFile = file + '.state.json';
    writeFileSync(stateFile, process.argv[3]);
    let out = '';
    const code = await require(lib + '/cli/main.js').main(['backtest', '--state', stateFile, '--evidence', file, '--from', '${new Date(NOW.getTime() - 365 * DAY).toISOString()}', '--to', '${NOW.toISOString()}', '--step', '1d', '--format', 'json'],
      { stdout: (t) => { out += t; }, stderr: (t) => process.stderr.write(t), now: () => new Date(), stderrIsTty: false });
    if (code !== 0) throw new Error('exit ' + code);
    const r = JSON.parse(out);
    return r.evaluations + ' evaluations, ' + r.runs[0].changes.length + ' changes';`),
  /** The same without the digest. */
  evaluatorWithoutDigest: program(`
    const lib = process.argv[2];
    const { parseState } = require(lib + '/state/file.js');
    const { evaluate } = require(lib + '/gate/evaluate.js');
    const { fileSource } = require(lib + '/gate/files.js');
    const state = parseState(process.argv[3], 'state.json');
    const decision = await evaluate({ state, now: new Date('${NOW.toISOString()}'), evidence: [fileSource(file)] });
    return decision.action + ' ' + decision.from + '->' + decision.to;`),
};

type Mode = keyof typeof PROGRAMS;

/** One run: wall time, CPU time of all the process's threads (steadier on a busy machine), peak RSS. */
interface Run { ms: number; cpuMs: number; maxRssMB: number; result: unknown }

function measure(mode: Mode, file: string, lib: string, state: StateFile = STATE): Run {
  const r = spawnSync(process.execPath, ['-e', PROGRAMS[mode], file, lib, JSON.stringify(state)], { encoding: 'utf8', maxBuffer: 1 << 20 });
  if (r.status !== 0) throw new Error(`${mode} run failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as Run;
}

/** Medians of the runs, and the fastest run's wall time (see `fastestRatio`). */
function median(runs: Run[]): Run & { fastestMs: number } {
  const mid = (pick: (r: Run) => number) => [...runs].map(pick).sort((a, b) => a - b)[Math.floor(runs.length / 2)]!;
  return {
    ms: Math.round(mid((r) => r.ms)), fastestMs: Math.round(Math.min(...runs.map((r) => r.ms))), cpuMs: Math.round(mid((r) => r.cpuMs)),
    maxRssMB: Math.max(...runs.map((r) => r.maxRssMB)), result: runs[0]!.result,
  };
}

/**
 * The ratio of the fastest runs of two programs. On a shared 2-vCPU machine a run is either
 * undisturbed or, in a busy spell of the host, about 1.5x slower throughout (seen in every program,
 * the bare loop too, with no disk reads): the per-round ratios then spread from 0.8 to 1.9 and
 * their median depends on which rounds a spell hit. The fastest run of each program is its
 * undisturbed cost; both statistics are reported.
 */
function fastestRatio(runs: Run[], base: Run[]): number {
  return Math.round((Math.min(...runs.map((r) => r.ms)) / Math.min(...base.map((r) => r.ms))) * 100) / 100;
}

/** `file`'s lines in a random order (the same every run): evidence not in time order. */
function shuffledFor(file: string): string {
  const out = file.replace(/\.jsonl$/, '-shuffled.jsonl');
  if (existsSync(out)) return out;
  const lines = readFileSync(file, 'utf8').split('\n').filter((l) => l.length > 0);
  const rnd = random(7);
  for (let i = lines.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [lines[i], lines[j]] = [lines[j]!, lines[i]!];
  }
  writeFileSync(out, lines.join('\n') + '\n');
  return out;
}

function fileFor(lines: number): string {
  mkdirSync(DIR, { recursive: true });
  const file = join(DIR, `evidence-${lines}.jsonl`);
  if (!existsSync(file)) generate(file, lines);
  return file;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { lines: { type: 'string' }, runs: { type: 'string' }, lib: { type: 'string' }, 'flat-lines': { type: 'string' }, 'flat-runs': { type: 'string' }, 'no-flat': { type: 'boolean' }, 'no-shuffled': { type: 'boolean' } } });
  const lines = Number(values.lines ?? 1_000_000);
  const runs = Number(values.runs ?? 5);
  const flatRuns = Number(values['flat-runs'] ?? 3);
  const lib = values.lib ?? join(__dirname, '..', 'lib');
  if (!existsSync(join(lib, 'gate/digest.js'))) throw new Error(`${lib}/gate/digest.js is missing: run npm run build first (or pass --lib DIR)`);
  const file = fileFor(lines);
  // Interleaved, so a busy machine slows every program alike; each ratio is the median of the rounds' ratios.
  const rounds = Array.from({ length: runs }, () => ({
    bare: measure('bare', file, lib), stream: measure('stream', file, lib), readline: measure('readline', file, lib),
    evaluator: measure('evaluator', file, lib), withoutDigest: measure('evaluatorWithoutDigest', file, lib),
    longPhase: measure('evaluator', file, lib, LONG_PHASE), cli: measure('cli', file, lib),
  }));
  const round2 = (x: number) => Math.round(x * 100) / 100;
  type Round = (typeof rounds)[number];
  const ratioOf = (pick: (r: Round) => Run, time: 'ms' | 'cpuMs', base: (r: Round) => Run = (r) => r.bare) =>
    rounds.map((r) => pick(r)[time] / base(r)[time]).sort((a, b) => a - b).map(round2);
  const middle = (xs: number[]) => xs[Math.floor(xs.length / 2)]!;
  const evaluated = median(rounds.map((r) => r.evaluator));
  const report: Record<string, unknown> = {
    lines,
    megabytes: Math.round(statSync(file).size / 1024 / 1024),
    runs,
    node: process.version,
    bareLoop: median(rounds.map((r) => r.bare)),
    bareStreamLoop: median(rounds.map((r) => r.stream)),
    bareReadlineLoop: median(rounds.map((r) => r.readline)),
    evaluator: evaluated,
    evaluatorWithoutDigest: median(rounds.map((r) => r.withoutDigest)),
    evaluatorLongPhase: median(rounds.map((r) => r.longPhase)),
    ratio: middle(ratioOf((r) => r.evaluator, 'ms')),
    ratios: ratioOf((r) => r.evaluator, 'ms'),
    cpuRatio: middle(ratioOf((r) => r.evaluator, 'cpuMs')),
    ratioWithoutDigest: middle(ratioOf((r) => r.withoutDigest, 'ms')),
    ratioLongPhase: middle(ratioOf((r) => r.longPhase, 'ms')),
    ratioToReadline: middle(ratioOf((r) => r.evaluator, 'ms', (r) => r.readline)),
    cli: median(rounds.map((r) => r.cli)),
    cliRatio: middle(ratioOf((r) => r.cli, 'ms')),
    cliRatios: ratioOf((r) => r.cli, 'ms'),
    cliRatioToStream: middle(ratioOf((r) => r.cli, 'ms', (r) => r.stream)),
    fastestRatio: fastestRatio(rounds.map((r) => r.evaluator), rounds.map((r) => r.bare)),
    cliFastestRatio: fastestRatio(rounds.map((r) => r.cli), rounds.map((r) => r.bare)),
    linesPerSecond: Math.round(lines / (evaluated.ms / 1000)),
  };
  // Backtest: the state enters phase 1 a year before now, so the replay covers a year of evidence, one evaluation a day.
  const yearAgo = new Date(NOW.getTime() - 365 * DAY).toISOString();
  const backtestState: StateFile = { agent: STATE.agent, phase: 1, since: yearAgo, history: [{ from: null, to: 1, at: yearAgo, by: 'bench', reasons: ['bench'], kind: 'set-phase' }] };
  const bt = measure('backtest', file, lib, backtestState);
  report.backtest = { lines, days: 365, stepDays: 1, ms: Math.round(bt.ms), maxRssMB: bt.maxRssMB, result: bt.result };
  const longLine = join(DIR, 'evidence-50MiB-line.jsonl');
  if (!existsSync(longLine)) {
    writeFileSync(longLine, JSON.stringify({ type: 'incident', agent: STATE.agent, at: '2026-11-20T00:00:00Z', id: 'INC-1', phase: 2, domain: 'database', note: 'x'.repeat(50 * 1024 * 1024) }) + '\n');
  }
  const ll = measure('cli', longLine, lib);
  report.longLine = { megabytes: Math.round(statSync(longLine).size / 1024 / 1024), ms: Math.round(ll.ms), maxRssMB: ll.maxRssMB };
  if (!values['no-flat']) {
    const flatLines = Number(values['flat-lines'] ?? lines * 10);
    const flatFile = fileFor(flatLines);
    const flatRounds = Array.from({ length: flatRuns }, () => ({ bare: measure('bare', flatFile, lib), cli: measure('cli', flatFile, lib), evaluator: measure('evaluator', flatFile, lib) }));
    const bare = median(flatRounds.map((r) => r.bare));
    const cli = median(flatRounds.map((r) => r.cli));
    const evaluator = median(flatRounds.map((r) => r.evaluator));
    const cliRatios = flatRounds.map((r) => r.cli.ms / r.bare.ms).sort((a, b) => a - b).map(round2);
    report.flat = {
      lines: flatLines, runs: flatRuns, note: `${flatLines / lines}x the history, same windows`,
      bareMs: bare.ms, cliMs: cli.ms, cliRatio: middle(cliRatios), cliRatios, evaluatorMs: evaluator.ms,
      cliFastestRatio: fastestRatio(flatRounds.map((r) => r.cli), flatRounds.map((r) => r.bare)),
      evaluatorRatio: middle(flatRounds.map((r) => r.evaluator.ms / r.bare.ms).sort((a, b) => a - b).map(round2)),
      cliMaxRssMB: cli.maxRssMB, evaluatorMaxRssMB: evaluator.maxRssMB, bareMaxRssMB: bare.maxRssMB,
      rssGrowth: round2(cli.maxRssMB / (report.cli as Run).maxRssMB),
    };
  }
  if (!values['no-shuffled']) {
    // Not in time order: the first part of a split keeps incidents in a window, so the second part is read again for their ids.
    const shuffled = shuffledFor(file);
    const shuffledRounds = Array.from({ length: Math.max(3, Math.ceil(runs / 3)) }, () => ({ bare: measure('bare', shuffled, lib), cli: measure('cli', shuffled, lib), evaluator: measure('evaluator', shuffled, lib) }));
    const ratios = (pick: (r: (typeof shuffledRounds)[number]) => Run, base: (r: (typeof shuffledRounds)[number]) => Run) =>
      shuffledRounds.map((r) => pick(r).ms / base(r).ms).sort((a, b) => a - b).map(round2);
    report.shuffled = {
      lines, runs: shuffledRounds.length, note: 'the same lines in a random order',
      bareMs: median(shuffledRounds.map((r) => r.bare)).ms, cliMs: median(shuffledRounds.map((r) => r.cli)).ms, evaluatorMs: median(shuffledRounds.map((r) => r.evaluator)).ms,
      cliRatios: ratios((r) => r.cli, (r) => r.bare), cliToOneThread: ratios((r) => r.cli, (r) => r.evaluator),
      cliMaxRssMB: median(shuffledRounds.map((r) => r.cli)).maxRssMB, evaluatorMaxRssMB: median(shuffledRounds.map((r) => r.evaluator)).maxRssMB,
    };
  }
  writeFileSync(join(DIR, 'bench-gate.json'), JSON.stringify(report, null, 2) + '\n');
  process.stdout.write(JSON.stringify(report, null, 2) + '\n');
}

main().catch((e: unknown) => {
  process.stderr.write(`${(e as Error).stack ?? String(e)}\n`);
  process.exitCode = 1;
});
