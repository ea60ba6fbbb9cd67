import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { incidentResponder } from '../../examples/incident-responder';
import { runCli, tempDir } from '../support/cli';

/** The phase-3 fixture output was synthesized for this phase entry. */
const DIST = 'test/fixtures/synth/phase-3/dist';
const SINCE = '2026-10-01T00:00:00Z';
const KEY = '20261001T000000Z_restart_apps_deployments_shop_checkout_48213';

function stateFile(phase: number, since = SINCE): string {
  const file = join(tempDir(), 'incident-responder.json');
  writeFileSync(file, JSON.stringify({ agent: 'incident-responder', phase, since }));
  return file;
}

const k8s = (state: string, ...extra: string[]) => ['approve', 'kubernetes', '--agent', 'incident-responder', '--state', state, '--action', 'restart',
  '--resource', 'apps/deployments', '--namespace', 'shop', '--name', 'checkout', '--resource-version', '48213', '--by', 'alice@example.com', ...extra];

/** A directory on PATH holding `program`, a script that records its argv (NUL-separated) and exits with `code`. */
function stub(program: string, code = 0): { dir: string; argv: () => string[] | undefined } {
  const dir = tempDir('gt-bin-');
  const record = join(dir, 'argv');
  writeFileSync(join(dir, program), `#!/bin/sh\nprintf '%s\\0' "$@" > '${record}'\necho "${program} stub ran"\nexit ${code}\n`);
  chmodSync(join(dir, program), 0o755);
  return { dir, argv: () => (existsSync(record) ? readFileSync(record, 'utf8').split('\0').slice(0, -1) : undefined) };
}

afterEach(() => vi.unstubAllEnvs());

describe('trust-gate approve kubernetes', () => {
  it('prints the kubectl merge patch adding one approval, checked against --dist', async () => {
    const run = await runCli(k8s(stateFile(3), '--dist', DIST));
    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(run.stdout).toContain(`\n  kubectl -n ops-agents patch configmap incident-responder-approvals --type merge -p '{"data":{"${KEY}":"alice@example.com"}}'\n`);
  });

  it('checks against a definition file as well', async () => {
    const def = join(tempDir(), 'incident-responder.json');
    writeFileSync(def, JSON.stringify(incidentResponder));
    const run = await runCli(k8s(stateFile(3), '--definition', def, '--format', 'json'));
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ backend: 'kubernetes', details: { key: KEY, value: 'alice@example.com', configMap: { namespace: 'ops-agents', name: 'incident-responder-approvals' } } });
  });

  it('fails without --dist when there is no dist/ in the working directory, saying what to pass', async () => {
    // In an empty working directory, whatever the repository's own dist/ holds.
    const cwd = process.cwd();
    process.chdir(tempDir());
    try {
      const run = await runCli(k8s(stateFile(3)));
      expect(run.code).toBe(1);
      expect(run.stderr).toContain('there is no synthesized output at dist/ to check the approval against');
    } finally {
      process.chdir(cwd);
    }
  });

  it.each([1, 2, 4])('fails in phase %i, naming the phase, and prints no command', async (phase) => {
    const run = await runCli(k8s(stateFile(phase), '--dist', DIST));
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(new RegExp(`incident-responder is in phase ${phase} \\(.*\\), where .*; an approval would admit nothing`));
  });

  it('fails an undeclared action, naming what may be approved', async () => {
    const run = await runCli(k8s(stateFile(3), '--dist', DIST).map((a) => (a === 'checkout' ? 'search' : a)));
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('declares no remediate write on apps/deployments shop/search; approvals can be given for: restart on apps/deployments checkout, cart in shop');
  });

  it('fails an output synthesized for another phase entry', async () => {
    const run = await runCli(k8s(stateFile(3, '2026-11-25T08:00:00Z'), '--dist', DIST));
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('was synthesized for phase 3 (Limited Remediation) entered at epoch 20261001T000000Z');
  });

  it('with --apply runs kubectl from PATH with exactly the printed argv', async () => {
    const kubectl = stub('kubectl');
    vi.stubEnv('PATH', `${kubectl.dir}:${process.env['PATH']}`);
    const run = await runCli(k8s(stateFile(3), '--dist', DIST, '--apply'));
    expect(run.code).toBe(0);
    expect(kubectl.argv()).toEqual(['-n', 'ops-agents', 'patch', 'configmap', 'incident-responder-approvals', '--type', 'merge', '-p', `{"data":{"${KEY}":"alice@example.com"}}`]);
    expect(run.stdout).toContain('kubectl stub ran');
  });

  it('with --apply and --format json keeps stdout one JSON document', async () => {
    const kubectl = stub('kubectl');
    vi.stubEnv('PATH', `${kubectl.dir}:${process.env['PATH']}`);
    const run = await runCli(k8s(stateFile(3), '--dist', DIST, '--apply', '--format', 'json'));
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout).command).toEqual(['kubectl', ...kubectl.argv()!]);
    expect(run.stderr).toContain('kubectl stub ran');
  });

  it('with --apply fails when kubectl fails', async () => {
    const kubectl = stub('kubectl', 3);
    vi.stubEnv('PATH', kubectl.dir);
    const run = await runCli(k8s(stateFile(3), '--dist', DIST, '--apply'));
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('kubectl exited with 3');
  });

  it('with --apply fails clearly when kubectl is not on PATH', async () => {
    vi.stubEnv('PATH', tempDir('gt-empty-'));
    const run = await runCli(k8s(stateFile(3), '--dist', DIST, '--apply'));
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('kubectl is not on PATH, so --apply cannot run it');
  });

  it('fails a missing flag with the usage line', async () => {
    const run = await runCli(['approve', 'kubernetes', '--agent', 'incident-responder']);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/--state is required\nusage: trust-gate approve kubernetes/);
  });
});

describe('trust-gate approve aws', () => {
  const ARN = 'arn:aws:ecs:eu-west-1:111122223333:service/shop/checkout';
  const aws = (state: string, ...extra: string[]) => ['approve', 'aws', '--agent', 'incident-responder', '--state', state, '--resource-arn', ARN, '--by', 'alice', ...extra];

  it('prints the tag command with the epoch, and how the tag is removed', async () => {
    const run = await runCli(aws(stateFile(3)));
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`  aws resourcegroupstaggingapi tag-resources --resource-arn-list ${ARN} --tags graduated-trust.dev/approved-for=incident-responder@20261001T000000Z\n`);
    expect(run.stdout).toContain('Not single-use by itself');
    expect(run.stdout).toContain(`aws resourcegroupstaggingapi untag-resources --resource-arn-list ${ARN} --tag-keys graduated-trust.dev/approved-for`);
  });

  it('with --apply runs aws', async () => {
    const bin = stub('aws');
    vi.stubEnv('PATH', `${bin.dir}:${process.env['PATH']}`);
    expect((await runCli(aws(stateFile(3), '--apply'))).code).toBe(0);
    expect(bin.argv()).toEqual(['resourcegroupstaggingapi', 'tag-resources', '--resource-arn-list', ARN, '--tags', 'graduated-trust.dev/approved-for=incident-responder@20261001T000000Z']);
  });

  it('fails a wildcard ARN and phase 4', async () => {
    expect((await runCli(aws(stateFile(3)).map((a) => (a === ARN ? 'arn:aws:ecs:eu-west-1:111122223333:service/shop/*' : a)))).stderr).toContain('is not one exact ARN');
    expect((await runCli(aws(stateFile(4)))).stderr).toContain('incident-responder is in phase 4 (Autonomous), where its declared actions need no approval');
  });
});

describe('trust-gate approve vault', () => {
  it('prints the wrapped token create of the approval role', async () => {
    const run = await runCli(['approve', 'vault', '--agent', 'incident-responder', '--by', 'alice', '--ttl', '2m']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('  vault write -wrap-ttl=120s auth/token/create/incident-responder-approval display_name=approved-by-alice\n');
  });

  it('fails with a state file in a phase without approvals, and an unknown backend', async () => {
    expect((await runCli(['approve', 'vault', '--agent', 'incident-responder', '--by', 'alice', '--state', stateFile(2)])).code).toBe(1);
    const run = await runCli(['approve', 'gcp']);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('unknown backend "gcp"; use kubernetes, aws or vault');
  });
});

describe('trust-gate approvals', () => {
  const yaml = (data: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: incident-responder-approvals\n  namespace: ops-agents\n  resourceVersion: "7"\n${data}`;
  const file = (text: string) => {
    const f = join(tempDir(), 'cm.yaml');
    writeFileSync(f, text);
    return f;
  };
  const STALE = '20260801T000000Z_restart_apps_deployments_shop_checkout_40000';
  const args = (cm: string, ...extra: string[]) => ['approvals', '--agent', 'incident-responder', '--state', stateFile(3), '--configmap', cm, ...extra];

  it('lists current and stale entries with the command removing the stale ones; exit 2 with --detailed-exitcode', async () => {
    const cm = file(yaml(`data:\n  ${KEY}: alice@example.com\n  ${STALE}: bob@example.com\n`));
    const run = await runCli(args(cm, '--dist', DIST));
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/current +restart apps\/deployments shop\/checkout at resourceVersion 48213, approved by "alice@example\.com"/);
    expect(run.stdout).toMatch(/stale +restart apps\/deployments shop\/checkout at resourceVersion 40000/);
    expect(run.stdout).toContain(`kubectl -n ops-agents patch configmap incident-responder-approvals --type merge -p '{"data":{"${STALE}":null}}'`);
    expect((await runCli(args(cm, '--detailed-exitcode'))).code).toBe(2);
  });

  it('exits 0 with --detailed-exitcode when every entry is current', async () => {
    const run = await runCli(args(file(yaml(`data:\n  ${KEY}: alice@example.com\n`)), '--detailed-exitcode', '--format', 'json'));
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ agent: 'incident-responder', epoch: '20261001T000000Z', entries: [{ key: KEY, status: 'current', approver: 'alice@example.com' }] });
  });

  it('fails a file that is not the agent\'s approvals ConfigMap, naming the file', async () => {
    const cm = file(yaml('data: {}\n').replace('incident-responder-approvals', 'cart-approvals'));
    const run = await runCli(args(cm));
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`${cm}: is ConfigMap "cart-approvals", not incident-responder-approvals`);
  });

  it('fails invalid YAML naming the line', async () => {
    const cm = file('kind: ConfigMap\ndata:\n  a: [\n');
    const run = await runCli(args(cm));
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(new RegExp(`${cm}:\\d+: not valid YAML or JSON`));
  });
});
