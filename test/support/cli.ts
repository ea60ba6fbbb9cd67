import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli/main';

/** Result of one in-process CLI run. */
export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `trust-gate ARGS` in-process with a fixed clock. */
export async function runCli(args: string[], now = '2026-11-25T12:00:00Z', stderrIsTty = false): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const code = await main(args, {
    stdout: (t) => void (stdout += t),
    stderr: (t) => void (stderr += t),
    now: () => new Date(now),
    stderrIsTty,
  });
  return { code, stdout, stderr };
}

/** A fresh temp directory. */
export function tempDir(prefix = 'gt-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}
