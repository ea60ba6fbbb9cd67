/**
 * Benchmarks the Terraform entry point: cold `require('graduated-trust/terraform')` time (the
 * compiled lib/terraform/index.js in a fresh Node process, median of several runs) and, for
 * comparison, a require of the @cdktf/provider-aws package root; then synth time and peak RSS
 * for one stack with 100 agents (Vault and IRSA each). Results go to stdout and
 * .bench/terraform.json.
 *
 * Usage: npx tsx scripts/bench-terraform.ts [--runs N] [--skip-root]
 * Rebuilds lib/ (npx tsc -p tsconfig.build.json) when it is older than src/.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '..');
const ENTRY = join(ROOT, 'lib', 'terraform', 'index.js');

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(full) : statSync(full).mtimeMs);
  }
  return newest;
}

function ensureBuilt(): void {
  if (existsSync(ENTRY) && statSync(ENTRY).mtimeMs >= newestMtime(join(ROOT, 'src'))) return;
  console.log('lib/ is stale: npx tsc -p tsconfig.build.json');
  // tsc still emits when files outside the Terraform entry point have type errors; the entry is checked below.
  spawnSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: ROOT, stdio: 'inherit' });
  if (!existsSync(ENTRY)) throw new Error(`the build did not produce ${ENTRY}`);
}

/** Runs `code` in a fresh Node process and returns what it prints as JSON. */
function fresh(code: string): Record<string, number> {
  const out = execFileSync(process.execPath, ['-e', code], { cwd: ROOT, encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 });
  return JSON.parse(out.trim().split('\n').pop()!) as Record<string, number>;
}

function requireCode(target: string): string {
  return `const t=process.hrtime.bigint();require(${JSON.stringify(target)});const ms=Number(process.hrtime.bigint()-t)/1e6;console.log(JSON.stringify({ms,rssMb:process.resourceUsage().maxRSS/1024}));`;
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

const SYNTH_CODE = `
const { App, TerraformStack } = require('cdktf');
const { TrustPhasedAgent } = require(${JSON.stringify(ENTRY)});
const { mkdtempSync } = require('node:fs');
const { join } = require('node:path');
const { tmpdir } = require('node:os');
const issuer = 'oidc.eks.eu-west-1.amazonaws.com/id/BENCH';
const t = process.hrtime.bigint();
const app = new App({ outdir: mkdtempSync(join(tmpdir(), 'gt-bench-')) });
const stack = new TerraformStack(app, 'bench');
new (require('@cdktf/provider-vault/lib/provider').VaultProvider)(stack, 'Vault', {});
new (require('@cdktf/provider-aws/lib/provider').AwsProvider)(stack, 'Aws', { region: 'eu-west-1' });
for (let i = 0; i < 100; i++) {
  const name = 'agent-' + i;
  new TrustPhasedAgent(stack, 'Agent' + i, {
    phase: (i % 4) + 1,
    definition: {
      name, namespace: 'ops',
      observe: {
        vault: [{ path: 'secret/data/agents/' + name + '/*', capabilities: ['read'] }, { path: 'secret/metadata/agents/' + name + '/*', capabilities: ['list'] }],
        aws: [{ actions: ['cloudwatch:GetMetricData', 'ecs:DescribeServices'], resources: ['*'] }],
      },
      remediate: {
        vault: [{ path: 'secret/data/shop/' + name + '/flags', capabilities: ['read', 'update'] }],
        aws: [{ actions: ['ecs:UpdateService'], resources: ['arn:aws:ecs:eu-west-1:111122223333:service/shop/' + name], conditions: { ArnLikeIfExists: { 'ecs:task-definition': 'arn:aws:ecs:eu-west-1:111122223333:task-definition/' + name + ':*' }, StringEqualsIfExists: { 'ecs:enable-execute-command': 'false' } } }],
      },
      autonomous: { vault: [{ path: 'secret/data/shop/' + name + '/*', capabilities: ['read', 'update'] }] },
    },
    vault: { authBackendPath: 'kubernetes', approvers: { identityGroups: ['sre-oncall'] } },
    aws: { trust: { irsa: { oidcProviderArn: 'arn:aws:iam::111122223333:oidc-provider/' + issuer, issuerHostPath: issuer } } },
  });
}
const built = process.hrtime.bigint();
app.synth();
const done = process.hrtime.bigint();
console.log(JSON.stringify({ constructMs: Number(built - t) / 1e6, synthMs: Number(done - built) / 1e6, totalMs: Number(done - t) / 1e6, peakRssMb: process.resourceUsage().maxRSS / 1024 }));
`;

function main(): void {
  const args = process.argv.slice(2);
  const runsAt = args.indexOf('--runs');
  const runs = runsAt >= 0 ? Number(args[runsAt + 1]) : 7;
  ensureBuilt();

  const entryRuns = Array.from({ length: runs }, () => fresh(requireCode(ENTRY)));
  const results: Record<string, unknown> = {
    node: process.version,
    requireTerraformEntry: { medianMs: median(entryRuns.map((r) => r.ms!)), minMs: Math.min(...entryRuns.map((r) => r.ms!)), rssMb: median(entryRuns.map((r) => r.rssMb!)), runs },
  };
  if (!args.includes('--skip-root')) {
    const root = fresh(requireCode('@cdktf/provider-aws'));
    results.requireProviderAwsRoot = { ms: root.ms, rssMb: root.rssMb };
  }
  results.synth100Agents = fresh(SYNTH_CODE);

  mkdirSync(join(ROOT, '.bench'), { recursive: true });
  writeFileSync(join(ROOT, '.bench', 'terraform.json'), JSON.stringify(results, null, 2) + '\n');
  console.log(JSON.stringify(results, null, 2));
}

main();
