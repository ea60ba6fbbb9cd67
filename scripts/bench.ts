/**
 * `npm run bench`: every benchmark of the project, in separate processes so each peak RSS
 * belongs to one job. Cold import times are measured on the built library (`npm run build`
 * first; the npm script does it), the median of 5 fresh `node` processes per entry point.
 * The per-area scripts print their own numbers; run one alone with `npx tsx scripts/bench-X.ts`.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

const root = join(__dirname, '..');
const ENTRIES = ['lib/index.js', 'lib/terraform/index.js', 'lib/gate/index.js', 'lib/analysis/index.js', 'lib/testing/index.js', 'lib/cli/main.js'];
const AREAS = ['bench-k8s.ts', 'bench-terraform.ts', 'bench-gate.ts', 'bench-analysis.ts', 'bench-testing.ts', 'bench-report.ts'];

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

function coldImport(entry: string): { ms: number; rssMb: number } {
  const code = `const t=process.hrtime.bigint();require(${JSON.stringify(join(root, entry))});` +
    `process.stdout.write(JSON.stringify({ms:Number(process.hrtime.bigint()-t)/1e6,rssMb:process.resourceUsage().maxRSS/1024}))`;
  const runs = Array.from({ length: 5 }, () => JSON.parse(execFileSync(process.execPath, ['-e', code], { encoding: 'utf8' })) as { ms: number; rssMb: number });
  return { ms: median(runs.map((r) => r.ms)), rssMb: median(runs.map((r) => r.rssMb)) };
}

process.stdout.write('## cold import (built library, median of 5 processes)\n');
for (const entry of ENTRIES) {
  const { ms, rssMb } = coldImport(entry);
  process.stdout.write(`${entry.padEnd(26)} ${ms.toFixed(0).padStart(5)} ms  peak RSS ${rssMb.toFixed(0)} MiB\n`);
}
for (const script of AREAS) {
  process.stdout.write(`\n## ${script}\n`);
  const tsx = join(root, 'node_modules', '.bin', 'tsx');
  process.stdout.write(execFileSync(tsx, [join(__dirname, script)], { encoding: 'utf8', cwd: root, maxBuffer: 64 * 2 ** 20 }));
}
