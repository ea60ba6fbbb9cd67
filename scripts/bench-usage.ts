/**
 * Benchmark of `trust-gate usage`: generates Kubernetes audit logs of the example agent into
 * .bench/ (gitignored) — 1 M and 2 M records by default, with 10% other users, 2% denials and
 * a distinct object name and audit ID per request — and counts them against the phase-3
 * fixture output, each run in its own node child process (`--import tsx`, so the TypeScript
 * loader is in the numbers), reporting wall seconds and peak RSS (maxRSS). Twice the records
 * with the same memory shows that nothing is kept per record.
 *
 *   npx tsx scripts/bench-usage.ts [--records 1000000]
 */
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const DIR = join(__dirname, '..', '.bench');
const OUTPUT = join(__dirname, '..', 'test', 'fixtures', 'synth', 'phase-3');
const AGENT = 'system:serviceaccount:ops-agents:incident-responder';
const READS: ReadonlyArray<readonly [string, string, string]> = [['', 'pods', 'get'], ['', 'events', 'list'], ['apps', 'deployments', 'get'], ['', 'pods', 'watch'], ['', 'nodes', 'list']];

function generate(file: string, records: number): void {
  if (existsSync(file)) return;
  const fd = openSync(file, 'w');
  let buffer = '';
  const start = Date.parse('2026-11-01T00:00:00Z');
  for (let i = 0; i < records; i++) {
    const [group, resource, verb] = READS[i % READS.length]!;
    const user = i % 10 === 9 ? 'system:serviceaccount:shop:web' : AGENT;
    const denied = i % 50 === 7;
    const ns = resource === 'nodes' ? undefined : 'shop';
    buffer += JSON.stringify({
      kind: 'Event', apiVersion: 'audit.k8s.io/v1', level: 'Metadata', auditID: `a-${i}`, stage: 'ResponseComplete',
      requestURI: `/api/v1/${ns ? `namespaces/${ns}/` : ''}${resource}`, verb, user: { username: user, groups: ['system:authenticated'] },
      objectRef: { resource, ...(ns ? { namespace: ns } : {}), ...(group ? { apiGroup: group } : {}), name: `${resource}-${i}`, apiVersion: 'v1' },
      responseStatus: { code: denied ? 403 : 200 }, stageTimestamp: new Date(start + i * 1000).toISOString(),
      annotations: { 'authorization.k8s.io/decision': denied ? 'forbid' : 'allow' },
    }) + '\n';
    if (buffer.length > 1 << 20) {
      writeSync(fd, buffer);
      buffer = '';
    }
  }
  writeSync(fd, buffer);
  closeSync(fd);
}

async function child(file: string): Promise<void> {
  const { readSynthOutput } = await import('../src/analysis/read');
  const { fileSource } = await import('../src/gate/files');
  const { readUsage } = await import('../src/usage/read');
  const output = readSynthOutput(OUTPUT);
  const t = performance.now();
  const { report } = await readUsage(output, { namespace: 'ops-agents', name: 'incident-responder' }, [{ kind: 'k8s-audit', source: fileSource(file) }]);
  const seconds = (performance.now() - t) / 1000;
  process.stdout.write(JSON.stringify({ records: report.records, allowed: report.kubernetes.allowed, denied: report.kubernetes.denied, seconds: Number(seconds.toFixed(2)), peakRssMiB: Math.round(process.resourceUsage().maxRSS / 1024) }));
}

async function run(): Promise<void> {
  const { values } = parseArgs({ options: { records: { type: 'string' }, child: { type: 'string' } } });
  if (values.child) return child(values.child);
  const records = Number(values.records ?? 1_000_000);
  mkdirSync(DIR, { recursive: true });
  const results = [];
  for (const n of [records, records * 2]) {
    const file = join(DIR, `usage-k8s-${n}.jsonl`);
    generate(file, n);
    const r = spawnSync(process.execPath, ['--import', 'tsx', __filename, '--child', file], { encoding: 'utf8', maxBuffer: 1 << 20 });
    if (r.status !== 0) throw new Error(r.stderr);
    results.push(JSON.parse(r.stdout));
  }
  process.stdout.write(JSON.stringify({ node: process.version, results }, null, 2) + '\n');
}

void run();
