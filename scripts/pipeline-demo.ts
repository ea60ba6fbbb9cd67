/**
 * The GitOps loop of examples/pipeline/, run locally against the example agent, without GitHub:
 * for each scheduled run, evaluate the gate, synthesize before and after, diff them, and write
 * the pull request the workflow would open (body, title, labels, commit message) and the trust
 * report it would attach.
 *
 *   npm run pipeline:demo [-- --out DIR]
 *
 * Everything happens in a copy (DIR, default a fresh temp folder): the committed state file
 * examples/trust/incident-responder.json is never written. Six runs, at fixed times, over the
 * committed evidence plus examples/pipeline/evidence/incident-responder.jsonl (the same export,
 * three months on) and examples/pipeline/evidence/incident-responder-violations.jsonl (two scope
 * violations and the investigation that closed them, in March 2027):
 *   1. 2026-12-15: phase 2 → 3 (38 more agreed recommendations came in): a promotion PR;
 *   2. 2027-02-05: phase 3 → 4 (110 clean remediations, two sign-offs): a promotion PR that
 *      needs two approving reviewers;
 *   3. 2027-03-03: phase 4 → 3 (4 of 80 remediations rolled back, above 2%): a demotion PR
 *      labelled urgent;
 *   4. 2027-03-12: phase 3 → 1 (a scope violation): a demotion PR that places a hold, urgent;
 *   5. 2027-03-22: phase 1 stays (another scope violation): evaluate exits 0, but the state file
 *      changes (the phase restarts, the hold is extended, the violation is recorded as acted on):
 *      an urgent bookkeeping PR, without a blast radius;
 *   6. 2027-03-28: phase 1 stays (an investigation-closed record lifts the hold): exit 0, the
 *      state file changes: a bookkeeping PR.
 * A run opens a pull request whenever the state file changed, as the workflow does.
 * The CLI runs in-process (`main`), the apps through examples/k8s-app.ts and examples/tf-app.ts
 * as `cdk8s synth` and `cdktf synth` would run them. Output is deterministic.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { App as TfApp } from 'cdktf';
import { exampleApp } from '../examples/k8s-app';
import { buildStack } from '../examples/tf-app';
import { main } from '../src/cli/main';

const ROOT = join(__dirname, '..');

/** The scheduled runs of the demo, oldest first. */
export const DEMO_RUNS = [
  { name: '1-promote-2-to-3', now: '2026-12-15T00:00:00Z' },
  { name: '2-promote-3-to-4', now: '2027-02-05T00:00:00Z' },
  { name: '3-demote-4-to-3', now: '2027-03-03T00:00:00Z' },
  { name: '4-violation-demote-3-to-1', now: '2027-03-12T00:00:00Z' },
  { name: '5-violation-restart-1', now: '2027-03-22T00:00:00Z' },
  { name: '6-hold-lifted', now: '2027-03-28T00:00:00Z' },
] as const;

/** Inputs, as paths inside the demo folder (copied there from the repository). */
const STATE = 'trust/incident-responder.json';
const POLICY = 'trust/policy.yaml';
const EVIDENCE = ['evidence/incident-responder.jsonl', 'evidence/incident-responder-2027.jsonl', 'evidence/incident-responder-violations.jsonl'];
const SOURCES: Record<string, string> = {
  [STATE]: 'examples/trust/incident-responder.json',
  [EVIDENCE[0]!]: 'examples/evidence/incident-responder.jsonl',
  [EVIDENCE[1]!]: 'examples/pipeline/evidence/incident-responder.jsonl',
  [EVIDENCE[2]!]: 'examples/pipeline/evidence/incident-responder-violations.jsonl',
  [POLICY]: 'examples/pipeline/policy.yaml',
};

/** The pull request one run opens. */
export interface DemoPullRequest {
  readonly title: string;
  readonly body: string;
  readonly labels: readonly string[];
  readonly commitMessage: string;
}

/** The fields of `evaluate --format json` the workflow reads. */
export interface DemoDecision {
  readonly action: 'promote' | 'demote' | 'hold';
  readonly from: number;
  readonly to: number;
  readonly hold: unknown;
  readonly violations: { readonly new: readonly unknown[] };
  readonly changesState: boolean;
}

/** Whether a decision acts on new scope violations and leaves a hold (the workflow's `places-hold`). */
export function placesHold(decision: Pick<DemoDecision, 'hold' | 'violations'>): boolean {
  return decision.violations.new.length > 0 && decision.hold !== null;
}

/** What one scheduled run did. */
export interface DemoRun {
  readonly name: string;
  readonly now: string;
  /** The decision as `evaluate --format json` prints it (the fields the demo reads). */
  readonly decision: DemoDecision;
  /** `evaluate --write --detailed-exitcode`: 2 when the phase changed, 0 when not. */
  readonly exitCode: number;
  /** Whether `evaluate --write` changed the state file (the workflow's `git diff --quiet` failing). */
  readonly stateChanged: boolean;
  /** Undefined when the state file did not change (no PR). */
  readonly pullRequest: DemoPullRequest | undefined;
  /** The run's folder: before/, after/ (when the phase changed), decision.json, pr-body.md, labels.txt, commit-message.txt, report.html. */
  readonly dir: string;
}

/** Runs `trust-gate ARGS` in-process; throws on exit 1. */
async function trustGate(args: string[], now: string, log: (line: string) => void): Promise<{ code: number; stdout: string }> {
  log(`$ trust-gate ${args.join(' ')}`);
  let stdout = '';
  let stderr = '';
  const code = await main(args, { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t), now: () => new Date(now), stderrIsTty: false });
  if (stderr) log(stderr.trimEnd());
  if (code === 1) throw new Error(`trust-gate ${args[0]} failed:\n${stderr}`);
  return { code, stdout };
}

/** `cdk8s synth` and `cdktf synth` of the example apps at the phase in `stateFile`, into `dir`. */
function synth(stateFile: string, dir: string, log: (line: string) => void): void {
  log(`$ npm run synth  # dist/ and cdktf.out/ → ${dir}`);
  mkdirSync(join(dir, 'dist'), { recursive: true });
  writeFileSync(join(dir, 'dist', 'incident-responder.k8s.yaml'), exampleApp(stateFile).synthYaml());
  const app = new TfApp({ outdir: join(dir, 'cdktf.out') });
  buildStack(app, stateFile);
  app.synth();
}

/**
 * Labels of a state-file PR: `trust-promotion`, `trust-demotion`, or `trust-bookkeeping` when the
 * phase stays; demotions and decisions that place (or extend) a hold are `urgent`.
 */
export function pullRequestLabels(action: DemoDecision['action'], to: number, holdPlaced = false): string[] {
  const kind = action === 'demote' ? 'trust-demotion' : action === 'promote' ? 'trust-promotion' : 'trust-bookkeeping';
  return ['trust-gate', kind, `trust-phase-${to}`, ...(action === 'demote' || holdPlaced ? ['urgent'] : [])];
}

/**
 * The PR body: the gate's decision (markdown), the blast radius of the synthesized change when
 * the phase changed (undefined when not), and where the trust report is.
 */
export function pullRequestBody(decisionMarkdown: string, blastRadiusMarkdown: string | undefined, reportLink: string): string {
  return `${decisionMarkdown}\n${blastRadiusMarkdown === undefined ? '' : `${blastRadiusMarkdown}\n`}---\nTrust report: ${reportLink} (one HTML file, opens offline).\n`;
}

/** One scheduled run, as the workflow's `evaluate` job does it. */
async function scheduledRun(run: (typeof DEMO_RUNS)[number], log: (line: string) => void): Promise<DemoRun> {
  const dir = run.name;
  mkdirSync(dir, { recursive: true });
  const inputs = ['--state', STATE, ...EVIDENCE.flatMap((e) => ['--evidence', e]), '--policy', POLICY, '--now', run.now];
  log(`\n# ${run.name}: scheduled evaluation at ${run.now}`);
  const json = (await trustGate(['evaluate', ...inputs, '--format', 'json'], run.now, log)).stdout;
  writeFileSync(join(dir, 'decision.json'), json);
  const decision = JSON.parse(json) as DemoDecision;
  const commitMessage = (await trustGate(['evaluate', ...inputs, '--format', 'commit'], run.now, log)).stdout;
  await trustGate(['report', ...inputs, '--out', join(dir, 'report.html')], run.now, log);
  synth(resolve(STATE), join(dir, 'before'), log);
  const committed = readFileSync(STATE, 'utf8');
  const written = await trustGate(['evaluate', ...inputs, '--write', '--detailed-exitcode', '--format', 'markdown'], run.now, log);
  const stateChanged = readFileSync(STATE, 'utf8') !== committed; // the workflow's `git diff --quiet -- "$STATE_FILE"`
  const done = { name: run.name, now: run.now, decision, exitCode: written.code, stateChanged, dir: resolve(dir) };
  if (!stateChanged) {
    log('state file unchanged: no pull request');
    return { ...done, pullRequest: undefined };
  }
  let diff: string | undefined;
  if (written.code === 2) {
    synth(resolve(STATE), join(dir, 'after'), log);
    diff = (await trustGate(['diff', join(dir, 'before'), join(dir, 'after'), '--format', 'markdown'], run.now, log)).stdout;
  } else {
    log('phase unchanged, state file changed: a pull request without a blast radius');
  }
  const pullRequest: DemoPullRequest = {
    title: commitMessage.split('\n')[0]!,
    body: pullRequestBody(written.stdout, diff, 'report.html'),
    labels: pullRequestLabels(decision.action, decision.to, placesHold(decision)),
    commitMessage,
  };
  writeFileSync(join(dir, 'pr-body.md'), pullRequest.body);
  writeFileSync(join(dir, 'labels.txt'), pullRequest.labels.join('\n') + '\n');
  writeFileSync(join(dir, 'commit-message.txt'), commitMessage);
  log(`would open: "${pullRequest.title}" [${pullRequest.labels.join(', ')}] with ${join(dir, 'pr-body.md')}`);
  return { ...done, pullRequest };
}

/**
 * Copies the example's state and evidence into `outDir` and runs every scheduled run of
 * `DEMO_RUNS` there, in order, on the same (copied) state file. Paths inside are relative to
 * `outDir`, so outputs do not depend on where it is. Returns what each run did.
 * @param log receives each command and note, like a CI log
 */
export async function runPipelineDemo(outDir: string, log: (line: string) => void = () => undefined): Promise<DemoRun[]> {
  const previous = process.cwd();
  mkdirSync(outDir, { recursive: true });
  process.chdir(outDir);
  try {
    for (const [copy, original] of Object.entries(SOURCES)) {
      mkdirSync(join(copy, '..'), { recursive: true });
      copyFileSync(join(ROOT, original), copy);
    }
    const runs: DemoRun[] = [];
    for (const run of DEMO_RUNS) runs.push(await scheduledRun(run, log));
    writeFileSync('history.txt', (await trustGate(['history', '--state', STATE], DEMO_RUNS.at(-1)!.now, log)).stdout);
    return runs;
  } finally {
    process.chdir(previous);
  }
}

if (require.main === module) {
  const at = process.argv.indexOf('--out');
  const outDir = resolve(at >= 0 && process.argv[at + 1] ? process.argv[at + 1]! : mkdtempSync(join(tmpdir(), 'trust-pipeline-')));
  runPipelineDemo(outDir, (line) => process.stdout.write(line + '\n')).then((runs) => {
    process.stdout.write(`\n${runs.filter((r) => r.pullRequest).length} pull requests written under ${outDir}\n`);
  }, (e: unknown) => {
    process.stderr.write(`pipeline demo failed: ${(e as Error).message}\n`);
    process.exitCode = 1;
  });
}
