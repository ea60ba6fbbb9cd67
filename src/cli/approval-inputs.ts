import { existsSync, readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { parse } from 'yaml';
import type { Manifest } from '../analysis/k8s/authorizer';
import { readSynthOutput } from '../analysis/read';
import { scopeFromDefinition, scopeFromManifests, type ApprovalScope } from '../approvals/scope';
import { shellLine } from '../approvals/shell';
import { resolveDefinition } from '../definition/validate';
import type { AgentDefinition } from '../definition/types';
import { TrustError } from '../errors';
import type { StateFile } from '../state/schema';
import type { Io } from './io';

/** cdk8s's default output folder (cdk8s.yaml `output: dist`). */
export const DEFAULT_DIST = 'dist';

/** Reads a text file or stdin (`-`). */
export function readInput(file: string, flag: string): string {
  try {
    return readFileSync(file === '-' ? 0 : file, 'utf8');
  } catch (e) {
    throw new TrustError('GT_INPUT', `cannot read ${flag} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); pass a readable file, or - for stdin`, file);
  }
}

/** Parses YAML or JSON text; errors name FILE:LINE. */
export function parseYaml(text: string, file: string): unknown {
  try {
    return parse(text, { prettyErrors: false });
  } catch (e) {
    const line = (e as { linePos?: [{ line: number }] }).linePos?.[0]?.line ?? 1;
    throw new TrustError('GT_INPUT', `not valid YAML or JSON (${(e as Error).message.split('\n')[0]}); fix the file`, `${file}:${line}`);
  }
}

/** The scope from `--definition FILE` (an AgentDefinition as JSON or YAML) or `--dist DIR`. */
export function readScope(values: { dist?: string | undefined; definition?: string | undefined }, state: StateFile, fallbackDist: string | undefined): ApprovalScope | undefined {
  if (values.dist !== undefined && values.definition !== undefined) throw new TrustError('GT_USAGE', 'pass --dist DIR or --definition FILE, not both');
  if (values.definition !== undefined) {
    const def = resolveDefinition(parseYaml(readInput(values.definition, '--definition'), values.definition) as AgentDefinition, values.definition);
    return scopeFromDefinition(def, state, values.definition);
  }
  const dir = values.dist ?? fallbackDist;
  if (dir === undefined) return undefined;
  if (values.dist === undefined && !existsSync(dir)) {
    throw new TrustError('GT_INPUT', `there is no synthesized output at ${dir}/ to check the approval against; run from the repository root after npx cdk8s synth, or pass --dist DIR or --definition FILE`);
  }
  const manifests: Manifest[] = readSynthOutput(dir).manifests.map((m) => m.manifest);
  return scopeFromManifests(manifests, state, dir);
}

/**
 * Runs `argv` (its program from PATH, no shell), passing its output on (its stdout to stderr with
 * `quiet`, so JSON output stays parseable). Throws GT_INPUT when the program is missing or fails.
 */
export function runTool(argv: readonly string[], io: Io, quiet = false): void {
  const [program, ...args] = argv as [string, ...string[]];
  const result = spawnSync(program, args, { encoding: 'utf8' });
  if (result.error) {
    const missing = (result.error as NodeJS.ErrnoException).code === 'ENOENT';
    throw new TrustError('GT_INPUT', missing
      ? `${program} is not on PATH, so --apply cannot run it; install ${program}, or run the printed command where it is: ${shellLine(argv)}`
      : `cannot run ${program} (${result.error.message}); run the printed command yourself: ${shellLine(argv)}`);
  }
  if (result.stdout) (quiet ? io.stderr : io.stdout)(result.stdout);
  if (result.stderr) io.stderr(result.stderr);
  if (result.status !== 0) throw new TrustError('GT_INPUT', `${program} exited with ${result.status ?? result.signal}; see its output above. Fix that and run it again: ${shellLine(argv)}`);
}
