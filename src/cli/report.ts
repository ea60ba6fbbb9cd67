import { reboundYoungGeneration } from './heap';
import { statSync } from 'node:fs';
import { readPolicyFlag } from './policy';
import { dirname } from 'node:path';
import { TrustError } from '../errors';
import { digestFiles, fileSource, policyDigest } from '../gate';
import { collectReport, renderReport, type ReportInput } from '../report';
import { BACKTEST_FLAGS, backtestPolicies, backtestRange } from './backtest';
import { readState, writeFileAtomic } from '../state/file';
import { readUsageReportFile } from '../usage/report-file';
import { EXIT, nowFlag, parseFlags, required, warnings, type Io } from './io';

const USAGE = 'trust-gate report --state FILE --evidence FILE [--evidence FILE ...] [--policy FILE] [--now ISO] --out FILE ' +
  '[--backtest [--compare FILE ...] [--from ISO] [--step 1d]] [--usage FILE (trust-gate usage --format json)]';

function checkOutFolder(out: string): void {
  const folder = dirname(out);
  let isFolder = false;
  try {
    isFolder = statSync(folder).isDirectory();
  } catch {
    // reported below
  }
  if (!isFolder) throw new TrustError('GT_USAGE', `the folder "${folder}" does not exist; create it or choose another --out`, out);
}

/**
 * `trust-gate report`: writes the trust report, one self-contained HTML file, atomically to
 * `--out`. Reads the evidence as `trust-gate evaluate` does and shows its decision.
 */
export async function reportCommand(argv: string[], io: Io): Promise<number> {
  const { values } = parseFlags(argv, {
    state: { type: 'string' }, evidence: { type: 'string', multiple: true }, policy: { type: 'string' }, now: { type: 'string' }, out: { type: 'string' },
    usage: { type: 'string' }, backtest: { type: 'boolean' }, compare: BACKTEST_FLAGS.compare, from: BACKTEST_FLAGS.from, step: BACKTEST_FLAGS.step,
  }, USAGE);
  if (!values.backtest && (values.compare || values.from !== undefined || values.step !== undefined)) {
    throw new TrustError('GT_USAGE', `--compare, --from and --step belong to --backtest; add --backtest to chart a replay\nusage: ${USAGE}`);
  }
  const file = required(values.state, '--state', USAGE);
  const out = required(values.out, '--out', USAGE);
  const evidence = values.evidence ?? [];
  if (evidence.length === 0) throw new TrustError('GT_USAGE', `--evidence is required\nusage: ${USAGE}`);
  const now = values.now === undefined ? new Date(Math.floor(io.now().getTime() / 1000) * 1000) : nowFlag(values.now, io);
  checkOutFolder(out);
  const state = readState(file, warnings(io, 'report'));
  const policy = await readPolicyFlag(values.policy);
  const digest = digestFiles(evidence);
  digest.then(reboundYoungGeneration, () => undefined); // hashed on a worker while the report reads; awaited below; its worker reset V8's flags
  let replay: ReportInput['backtest'];
  if (values.backtest) {
    const range = backtestRange({ ...values, to: undefined }, now, io);
    const policies = await backtestPolicies(values.policy, values.compare);
    replay = { policies: [{ ...policies[0]!, policy }, ...policies.slice(1)], stepMs: range.stepMs, ...(range.fromMs !== undefined ? { fromMs: range.fromMs } : {}) };
  }
  const usage = values.usage === undefined ? undefined : readUsageReportFile(values.usage);
  const data = await collectReport({ state, policy, now, evidence: evidence.map((f) => fileSource(f)), ...(usage ? { usage } : {}), ...(replay ? { backtest: { ...replay, evidenceDigest: await digest } } : {}) });
  const html = await renderReport(data, { evidence: await digest, policy: policyDigest(policy) });
  writeFileAtomic(out, html);
  const t = data.timeline;
  io.stderr(`trust-gate report: wrote ${out} (${Math.ceil(Buffer.byteLength(html) / 1024)} KiB): ${t.incidents} incidents over ${t.buckets} days, gate would ${data.decision.action}\n`);
  return EXIT.ok;
}
