import { statSync } from 'node:fs';
import { reboundYoungGeneration } from './heap';
import { readPolicyFlag } from './policy';
import { TrustError } from '../errors';
import { nextState } from '../gate/apply';
import { digestFiles } from '../gate/digest';
import type { Digests } from '../gate/apply';
import type { Decision } from '../gate/decide';
import { evaluate, type AuditInput } from '../gate/evaluate';
import { changedWhileRead, fileSource } from '../gate/files';
import { FORMATS, formatDecision } from '../gate/format';
import { ReadAhead } from '../gate/read-ahead';
import { aggregateSplit, planSplit, type SplitPlan } from '../gate/split';
import { policyDigest, type GatePolicy } from '../gate/policy';
import type { Source } from '../gate/source';
import { phaseLabel } from '../phase/table';
import { parseState, readStateText, writeState } from '../state/file';
import { withStateLock } from '../state/lock';
import { durationFlag, EXIT, formatFlag, nowFlag, parseFlags, required, warnings, type Flags, type Io } from './io';
import type { StateFile } from '../state/schema';

const USAGE = 'trust-gate evaluate --state FILE --evidence FILE [--evidence FILE ...] [--policy FILE] [--now ISO] ' +
  '[--format text|json|markdown|commit] [--write [--lock-timeout 30s]] [--detailed-exitcode] [--k8s-audit FILE --k8s-user USERNAME] ' +
  '[--cloudtrail FILE --aws-role-arn ARN] [--vault-audit FILE --vault-role ROLE]';

/** Inputs at least this large get a progress line on a terminal. */
const PROGRESS_MIN_BYTES = 64 * 1024 * 1024;
const PROGRESS_EVERY_MS = 500;

/** Size and modification time: what must not change while the gate reads a file. */
function fingerprint(file: string, flag: string): { size: number; mtimeMs: number } {
  try {
    const stat = statSync(file);
    if (!stat.isFile()) throw new TrustError('GT_INPUT', `is not a file; ${flag} takes a file`, file);
    return { size: stat.size, mtimeMs: stat.mtimeMs };
  } catch (e) {
    if (e instanceof TrustError) throw e;
    throw new TrustError('GT_INPUT', `cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); check ${flag}`, file);
  }
}

/** Pairs `--<log> FILE...` with the identity flag it needs. */
function paired(files: string[] | undefined, identity: string | undefined, logFlag: string, identityFlag: string): string | undefined {
  if ((files?.length ?? 0) > 0 && !identity) throw new TrustError('GT_USAGE', `${logFlag} needs ${identityFlag}: whose denials to count\nusage: ${USAGE}`);
  if (identity && !(files?.length)) throw new TrustError('GT_USAGE', `${identityFlag} is given without ${logFlag} FILE\nusage: ${USAGE}`);
  return identity;
}

/** Progress on stderr while the inputs are read. */
interface Progress {
  readonly onBytes?: (n: number) => void;
  /** Prints `text` (a line of its own) and counts again from 0 of `total` bytes. */
  restart(text: string, total: number): void;
  done(): void;
}

/**
 * Progress on stderr: one rewritten line, at most every half second, for inputs of `inputBytes`
 * of which the main thread reads `total` (all but the first part of a split evaluation).
 */
function progress(io: Io, total: number, inputBytes = total): Progress {
  if (!io.stderrIsTty || inputBytes < PROGRESS_MIN_BYTES) return { restart: (text) => io.stderr(text), done: () => undefined };
  let read = 0;
  let last = 0;
  const mb = (n: number) => (n / 1024 / 1024).toFixed(0);
  return {
    onBytes: (n) => {
      read += n;
      const t = Date.now();
      if (t - last < PROGRESS_EVERY_MS) return;
      last = t;
      io.stderr(`\rtrust-gate evaluate: read ${mb(read)} of ${mb(total)} MiB (${Math.floor((read / total) * 100)}%)`);
    },
    restart: (text, bytes) => {
      io.stderr(`\r\x1b[K${text}`);
      read = 0;
      total = bytes;
    },
    done: () => io.stderr('\r\x1b[K'),
  };
}

const FLAGS = {
  state: { type: 'string' }, evidence: { type: 'string', multiple: true }, policy: { type: 'string' }, now: { type: 'string' },
  format: { type: 'string' }, write: { type: 'boolean' }, 'detailed-exitcode': { type: 'boolean' }, 'lock-timeout': { type: 'string' },
  'k8s-audit': { type: 'string', multiple: true }, 'k8s-user': { type: 'string' },
  cloudtrail: { type: 'string', multiple: true }, 'aws-role-arn': { type: 'string' },
  'vault-audit': { type: 'string', multiple: true }, 'vault-role': { type: 'string' },
} as const;

type Values = Flags<typeof FLAGS>['values'];

/** Every input file with its flag: evidence first, then audit logs, each in argument order (the digest's order). */
function inputFiles(values: Values): [string, string][] {
  return [
    ...(values.evidence ?? []).map((f): [string, string] => [f, '--evidence']),
    ...(values['k8s-audit'] ?? []).map((f): [string, string] => [f, '--k8s-audit']),
    ...(values.cloudtrail ?? []).map((f): [string, string] => [f, '--cloudtrail']),
    ...(values['vault-audit'] ?? []).map((f): [string, string] => [f, '--vault-audit']),
  ];
}

/** The agent's identity in each kind of audit log given; a usage error when a log lacks its identity flag or an identity its log. */
function auditIdentityFlags(values: Values): { readonly k8sUser?: string; readonly roleArn?: string; readonly vaultRole?: string } {
  return {
    k8sUser: paired(values['k8s-audit'], values['k8s-user'], '--k8s-audit', '--k8s-user'),
    roleArn: paired(values.cloudtrail, values['aws-role-arn'], '--cloudtrail', '--aws-role-arn'),
    vaultRole: paired(values['vault-audit'], values['vault-role'], '--vault-audit', '--vault-role'),
  };
}

/** The audit inputs of the flags. */
export function auditInputs(values: Values, source: (file: string) => Source): AuditInput[] {
  const { k8sUser, roleArn, vaultRole } = auditIdentityFlags(values);
  return [
    ...(values['k8s-audit'] ?? []).map((f): AuditInput => ({ kind: 'k8s-audit', source: source(f), user: k8sUser! })),
    ...(values.cloudtrail ?? []).map((f): AuditInput => ({ kind: 'cloudtrail', source: source(f), roleArn: roleArn! })),
    ...(values['vault-audit'] ?? []).map((f): AuditInput => ({ kind: 'vault-audit', source: source(f), role: vaultRole! })),
  ];
}

/**
 * Evaluates the inputs and hashes them for the evidence digest: large plain evidence on two
 * threads (`decideSplit`), anything else through a `ReadAhead`. Fails when an input changed
 * while it was read.
 */
async function decideFromFiles(values: Values, state: StateFile, policy: GatePolicy, now: Date, io: Io): Promise<{ decision: Decision; digests: Digests }> {
  const inputs = inputFiles(values);
  const before = inputs.map(([f, flag]) => fingerprint(f, flag));
  const plan = planSplit(values.evidence ?? []);
  const bytes = before.reduce((sum, f) => sum + f.size, 0);
  const found = plan ? await decideSplit(values, state, policy, now, io, plan, bytes) : await decideAhead(values, inputs, state, policy, now, io, bytes);
  inputs.forEach(([f, flag], i) => {
    const after = fingerprint(f, flag);
    if (after.size !== before[i]!.size || after.mtimeMs !== before[i]!.mtimeMs) {
      throw changedWhileRead(f);
    }
  });
  return { decision: found.decision, digests: { evidence: found.evidence, policy: policyDigest(policy) } };
}

/** Large plain evidence: evaluated on two threads (gate/split.ts); the first part's thread also hashes every input. */
async function decideSplit(values: Values, state: StateFile, policy: GatePolicy, now: Date, io: Io, plan: SplitPlan, inputBytes: number): Promise<{ decision: Decision; evidence: string }> {
  const auditFiles = inputFiles(values).slice((values.evidence ?? []).length).map(([f]) => f);
  const auditBytes = auditFiles.reduce((sum, f) => sum + statSync(f).size, 0);
  const report = progress(io, secondPartBytes(plan) + auditBytes, inputBytes);
  const onBytes = report.onBytes;
  try {
    const { aggregates, digest } = await aggregateSplit({
      state, policy, now, evidence: values.evidence ?? [], audit: auditInputs(values, (f) => fileSource(f, onBytes ? { onBytes } : {})),
      digestAlso: auditFiles, onThread: reboundYoungGeneration, ...(onBytes ? { onBytes } : {}),
      onFallback: (why) => report.restart(`trust-gate evaluate: the second thread failed (${why.split('\n')[0]}); reading everything on one thread\n`, inputBytes),
    }, plan);
    const decision = await evaluate({ state, policy, now, evidence: aggregates });
    return { decision, evidence: digest ?? (await digestFiles(inputFiles(values).map(([f]) => f))) };
  } finally {
    report.done();
  }
}

/** The bytes of evidence the main thread reads under `plan`. */
function secondPartBytes(plan: SplitPlan): number {
  return statSync(plan.cut.path).size - plan.cut.at + plan.after.reduce((sum, f) => sum + statSync(f).size, 0);
}

/**
 * Evidence read on the main thread, with a `ReadAhead` reading (and hashing) on a second thread
 * when large. Read out of digest order, the files are hashed again.
 */
async function decideAhead(values: Values, inputs: [string, string][], state: StateFile, policy: GatePolicy, now: Date, io: Io, inputBytes: number): Promise<{ decision: Decision; evidence: string }> {
  const ahead = new ReadAhead(inputs.map(([f]) => f));
  void ahead.threadRunning().then(reboundYoungGeneration); // starting a thread resets V8's flags, whether or not it then runs
  const report = progress(io, inputBytes);
  // Each source reads its file's place in the digest order (a file given twice takes its places in turn).
  const places = new Map<string, number[]>();
  inputs.forEach(([f], i) => places.set(f, [...(places.get(f) ?? []), i]));
  const source = (f: string) => {
    const place = places.get(f)!.shift()!;
    return fileSource(f, { raw: () => ahead.chunks(place), ...(report.onBytes ? { onBytes: report.onBytes } : {}) });
  };
  let decision: Decision;
  let evidence: string;
  try {
    decision = await evaluate({ state, policy, now, evidence: (values.evidence ?? []).map(source), audit: auditInputs(values, source) });
    evidence = (await ahead.digest()) ?? (await digestFiles(inputs.map(([f]) => f)));
  } finally {
    report.done();
    await ahead.close();
  }
  return { decision, evidence };
}

/**
 * `trust-gate evaluate`: reads evidence, audit logs and the committed phase, prints the decision,
 * and with `--write` commits it atomically, holding the state file's lock from reading it to
 * writing it. Exit 0, 1 on error, 2 with `--detailed-exitcode` when the phase changes.
 */
export async function evaluateCommand(argv: string[], io: Io): Promise<number> {
  const { values } = parseFlags(argv, FLAGS, USAGE);
  const file = required(values.state, '--state', USAGE);
  if ((values.evidence ?? []).length === 0) throw new TrustError('GT_USAGE', `--evidence is required\nusage: ${USAGE}`);
  const format = formatFlag(values.format, FORMATS, 'text');
  // The clock is cut to whole seconds so written times stay tidy; a record in the current second counts next time.
  const now = values.now === undefined ? new Date(Math.floor(io.now().getTime() / 1000) * 1000) : nowFlag(values.now, io);
  auditIdentityFlags(values); // usage errors before anything is read
  const lockTimeout = durationFlag(values['lock-timeout'], '--lock-timeout', 0);
  if (values['lock-timeout'] !== undefined && !values.write) throw new TrustError('GT_USAGE', `--lock-timeout is for --write\nusage: ${USAGE}`);
  const policy = await readPolicyFlag(values.policy);

  const run = async (): Promise<number> => {
    const text = readStateText(file);
    const state = parseState(text, file, warnings(io, 'evaluate'));
    const { decision, digests } = await decideFromFiles(values, state, policy, now, io);
    if (values.write) {
      const next = nextState(state, decision, digests);
      if (!next) {
        io.stderr(`trust-gate evaluate: ${file} unchanged: nothing to write\n`);
      } else if (readStateText(file) !== text) { // a writer that does not take the lock: a person, git
        throw new TrustError('GT_STATE_IO', 'changed while the gate was evaluating; nothing was written; run the evaluation again', file);
      } else {
        writeState(file, next);
        io.stderr(`trust-gate evaluate: wrote ${file}: ${phaseLabel(decision.from)} -> ${phaseLabel(decision.to)}${decision.hold ? ', on hold' : ''}\n`);
      }
    }
    io.stdout(formatDecision(decision, digests, format));
    return values['detailed-exitcode'] && decision.to !== decision.from ? EXIT.changes : EXIT.ok;
  };
  return values.write ? withStateLock(file, { timeoutMs: lockTimeout, command: 'trust-gate evaluate --write' }, run) : run();
}
