import { reboundYoungGeneration } from './heap';
import { TrustError } from '../errors';
import { backtest, type BacktestPolicy } from '../gate/backtest';
import { formatBacktestJson, formatBacktestText } from '../gate/backtest-format';
import { digestFiles } from '../gate/digest';
import { fileSource } from '../gate/files';
import { loadStore } from '../gate/store';
import { readState } from '../state/file';
import { auditInputs } from './evaluate';
import { durationFlag, EXIT, formatFlag, nowFlag, parseFlags, required, warnings, type Io } from './io';
import { readPolicyFlag } from './policy';

const USAGE = 'trust-gate backtest --state FILE --evidence FILE [--evidence FILE ...] [--policy FILE] [--compare FILE ...] ' +
  '[--from ISO] [--to ISO] [--step 1d] [--format text|json] [--k8s-audit FILE --k8s-user USERNAME] [--cloudtrail FILE --aws-role-arn ARN] ' +
  '[--vault-audit FILE --vault-role ROLE]';

const DAY_MS = 86_400_000;

/** The options `backtest` and `report --backtest` share. */
export const BACKTEST_FLAGS = {
  compare: { type: 'string', multiple: true }, from: { type: 'string' }, to: { type: 'string' }, step: { type: 'string' },
} as const;

/** The policies under test: `--policy` (or the defaults), then each `--compare`, named by their files. */
export async function backtestPolicies(policy: string | undefined, compare: readonly string[] | undefined): Promise<BacktestPolicy[]> {
  const out: BacktestPolicy[] = [{ name: policy ?? 'default', policy: await readPolicyFlag(policy) }];
  for (const file of compare ?? []) out.push({ name: file, policy: await readPolicyFlag(file) });
  return out;
}

/** `--from`, `--to` (default: now) and `--step` (default: a day), in ms. */
export function backtestRange(values: { from?: string; to?: string; step?: string }, now: Date, io: Io): { fromMs?: number; toMs: number; stepMs: number } {
  const toMs = (values.to === undefined ? now : nowFlag(values.to, io)).getTime();
  const stepMs = durationFlag(values.step, '--step', DAY_MS);
  if (stepMs <= 0) throw new TrustError('GT_USAGE', `--step "${values.step}" must be longer than 0; use e.g. 1d or 12h`);
  return { ...(values.from !== undefined ? { fromMs: nowFlag(values.from, io).getTime() } : {}), toMs, stepMs };
}

/**
 * `trust-gate backtest`: replays the evidence step by step from the state's history under the
 * policy and each `--compare` policy, and prints when each would have promoted, held (why) or
 * demoted. Reads every input once. Writes nothing. Exit 0, or 1 on an error.
 */
export async function backtestCommand(argv: string[], io: Io): Promise<number> {
  const { values } = parseFlags(argv, {
    state: { type: 'string' }, evidence: { type: 'string', multiple: true }, policy: { type: 'string' }, format: { type: 'string' },
    ...BACKTEST_FLAGS,
    'k8s-audit': { type: 'string', multiple: true }, 'k8s-user': { type: 'string' },
    cloudtrail: { type: 'string', multiple: true }, 'aws-role-arn': { type: 'string' },
    'vault-audit': { type: 'string', multiple: true }, 'vault-role': { type: 'string' },
  }, USAGE);
  const file = required(values.state, '--state', USAGE);
  const evidence = values.evidence ?? [];
  if (evidence.length === 0) throw new TrustError('GT_USAGE', `--evidence is required\nusage: ${USAGE}`);
  const format = formatFlag(values.format, ['text', 'json'] as const, 'text');
  const range = backtestRange(values, new Date(Math.floor(io.now().getTime() / 1000) * 1000), io);
  const audit = auditInputs(values, (f) => fileSource(f));
  const policies = await backtestPolicies(values.policy, values.compare);
  const state = readState(file, warnings(io, 'backtest'));
  const files = [...evidence, ...audit.map((a) => a.source.name)];
  const digest = digestFiles(files);
  digest.then(reboundYoungGeneration, () => undefined); // awaited below, or abandoned when reading fails; its worker reset V8's flags
  const store = await loadStore({ agent: state.agent, toMs: range.toMs, evidence: evidence.map((f) => fileSource(f)), audit });
  const result = backtest(state, store, policies, { ...range, digests: { evidence: await digest } });
  io.stdout(format === 'json' ? formatBacktestJson(result) : formatBacktestText(result));
  return EXIT.ok;
}
