import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { approvalCommand, OPERATOR_PLACEHOLDER, type ApprovalTarget } from '../../src/runtime';
import { runCli, tempDir } from '../support/cli';

/** The argv a POSIX shell makes of `line` (the real /bin/sh, not a re-implementation). */
function shellArgv(line: string): string[] {
  const run = spawnSync('/bin/sh', ['-c', `printf '%s\\0' ${line}`], { encoding: 'utf8' });
  expect(run.status, run.stderr).toBe(0);
  return run.stdout.split('\0').slice(0, -1);
}

/** A state file of incident-responder in `phase` since the phase-3 fixture's epoch. */
function stateFile(phase: number): string {
  const file = join(tempDir(), 'incident-responder.json');
  writeFileSync(file, JSON.stringify({ agent: 'incident-responder', phase, since: '2026-10-01T00:00:00Z' }));
  return file;
}

const DIST = 'test/fixtures/synth/phase-3/dist';
const restart: ApprovalTarget = { backend: 'kubernetes', action: 'restart', group: 'apps', resource: 'deployments', namespace: 'shop', name: 'checkout', resourceVersion: '48213' };

/** Runs the command line through the shell and the real `trust-gate` CLI (in-process). */
async function run(line: string) {
  const argv = shellArgv(line);
  expect(argv.slice(0, 2)).toEqual(['trust-gate', 'approve']);
  return runCli(argv.slice(1));
}

describe('approvalCommand', () => {
  it('gives a Kubernetes command trust-gate approve accepts, naming the key admission checks', async () => {
    const line = approvalCommand('incident-responder', restart, { stateFile: stateFile(3), dist: DIST, by: 'alice@example.com' });
    const result = await run(line);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toContain('"20261001T000000Z_restart_apps_deployments_shop_checkout_48213":"alice@example.com"');
  });

  it('leaves the approver a placeholder the CLI refuses until the operator replaces it', async () => {
    const line = approvalCommand('incident-responder', restart, { stateFile: stateFile(3), dist: DIST });
    expect(line.endsWith(`--by '${OPERATOR_PLACEHOLDER}'`)).toBe(true);
    const result = await run(line);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('--by is the placeholder "<operator>"; replace it with your own username');
  });

  it('gives AWS and Vault commands the CLI accepts', async () => {
    const arn = 'arn:aws:ecs:eu-west-1:111122223333:service/shop/checkout';
    const aws = approvalCommand('incident-responder', { backend: 'aws', resourceArn: arn }, { stateFile: stateFile(3), by: 'alice' });
    expect(aws).toMatch(/^trust-gate approve aws --agent incident-responder --state \S+ --resource-arn arn:aws:ecs:eu-west-1:111122223333:service\/shop\/checkout --by alice$/);
    expect(await run(aws)).toMatchObject({ code: 0, stderr: '' });
    const vault = approvalCommand('incident-responder', { backend: 'vault' }, { by: 'alice' });
    expect(vault).toBe('trust-gate approve vault --agent incident-responder --by alice');
    expect(await run(vault)).toMatchObject({ code: 0, stderr: '' });
    const vaultWithState = approvalCommand('incident-responder', { backend: 'vault' }, { stateFile: stateFile(3), by: 'alice' });
    expect(vaultWithState).toMatch(/^trust-gate approve vault --agent incident-responder --state \S+ --by alice$/);
    expect(await run(vaultWithState)).toMatchObject({ code: 0, stderr: '' });
  });

  it('names the core group "core" and a subresource after the resource', () => {
    expect(approvalCommand('a', { backend: 'kubernetes', action: 'scale', group: '', resource: 'replicationcontrollers', subresource: 'scale', namespace: 'n', name: 'x', resourceVersion: '1' }, { by: 'alice' }))
      .toBe('trust-gate approve kubernetes --agent a --state trust/a.json --action scale --resource core/replicationcontrollers/scale --namespace n --name x --resource-version 1 --by alice');
  });

  it('quotes values the shell would split or expand, so the CLI gets them unchanged', () => {
    const by = "o'brien $USER `id`";
    const line = approvalCommand('a', { backend: 'vault' }, { by });
    expect(line).toBe(`trust-gate approve vault --agent a --by 'o'\\''brien $USER \`id\`'`);
    expect(shellArgv(line).at(-1)).toBe(by);
  });
});
