/**
 * How the trust report scales: generates N incidents (default 100,000) over two years into
 * .bench/, writes the report with `trust-gate report`, and opens it in headless Chromium.
 * Prints the time to write it (and, for comparison, `trust-gate evaluate` on the same input),
 * its size, and the browser's time to load it and to lay out and paint all of it.
 *
 *   npx tsx scripts/bench-report.ts [INCIDENTS]
 */
import { existsSync, mkdirSync, mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { main } from '../src/cli/main';

const DIR = join(__dirname, '..', '.bench');
const AGENT = 'incident-responder';
const NOW = '2027-03-03T00:00:00Z';
const DAYS = 730;
const DOMAINS = ['database', 'network', 'kubernetes', 'dns', 'storage', 'queue', 'auth', 'cdn'];

/** Deterministic evidence: `count` incidents spread evenly over DAYS days before NOW, the phase climbing 1 to 4. */
function evidence(count: number): string {
  const end = Date.parse(NOW);
  const step = (DAYS * 86_400_000) / count;
  const lines: string[] = [];
  for (let i = 0; i < count; i++) {
    const at = new Date(end - DAYS * 86_400_000 + (i + 0.5) * step).toISOString();
    const phase = 1 + Math.min(3, Math.floor((i / count) * 4));
    const record: Record<string, unknown> = {
      type: 'incident', agent: AGENT, at, id: `INC-${i}`, phase, domain: DOMAINS[i % DOMAINS.length],
      diagnosisCorrect: i % 23 !== 0, operatorAgreed: i % 13 !== 0, edits: i % 9 === 0 ? 'major' : 'none', escalationCorrect: i % 31 !== 0,
    };
    if (phase >= 3) record.remediation = { completed: i % 101 !== 0, rolledBack: i % 97 === 0 };
    lines.push(JSON.stringify(record));
    if (i % 20_000 === 10_000) lines.push(JSON.stringify({ type: 'scope-violation', agent: AGENT, at, source: 'k8s-audit', detail: 'delete pods in shop' }));
  }
  return lines.join('\n') + '\n';
}

function state(): string {
  const entry = (from: number | null, to: number, daysAgo: number) => ({
    from, to, at: new Date(Date.parse(NOW) - daysAgo * 86_400_000).toISOString().replace('.000Z', 'Z'),
    by: from === null ? 'alice' : 'trust-gate evaluate', reasons: ['bench'], kind: from === null ? 'set-phase' : 'evaluate',
  });
  const history = [entry(null, 1, DAYS), entry(1, 2, 548), entry(2, 3, 365), entry(3, 2, 300), entry(2, 3, 250), entry(3, 4, 183)];
  return JSON.stringify({ agent: AGENT, phase: 4, since: history.at(-1)!.at, history }, null, 2) + '\n';
}

const CHROMIUM = '/usr/bin/chromium';
const mib = (n: number) => (n / 1024 / 1024).toFixed(1);

async function run(): Promise<void> {
  const count = Number(process.argv[2] ?? 100_000);
  mkdirSync(DIR, { recursive: true });
  const evidenceFile = join(DIR, `report-evidence-${count}.jsonl`);
  const stateFile = join(DIR, 'report-state.json');
  const out = join(DIR, `report-${count}.html`);
  writeFileSync(evidenceFile, evidence(count));
  writeFileSync(stateFile, state());

  const quiet = { stdout: () => undefined, stderr: () => undefined, now: () => new Date(NOW), stderrIsTty: false };
  const started = performance.now();
  const code = await main(['report', '--state', stateFile, '--evidence', evidenceFile, '--now', NOW, '--out', out], quiet);
  const writeMs = performance.now() - started;
  if (code !== 0) throw new Error(`trust-gate report exited ${code}`);
  const evaluateStarted = performance.now();
  await main(['evaluate', '--state', stateFile, '--evidence', evidenceFile, '--now', NOW], quiet);
  const evaluateMs = performance.now() - evaluateStarted;

  const summary = [
    `incidents: ${count.toLocaleString('en-US')} (${mib(statSync(evidenceFile).size)} MiB of evidence, ${DAYS} days)`,
    `trust-gate report: ${writeMs.toFixed(0)} ms to read, decide, render and write`,
    `report.html: ${(statSync(out).size / 1024).toFixed(0)} KiB`,
    `trust-gate evaluate on the same input, for comparison: ${evaluateMs.toFixed(0)} ms`,
  ];
  if (!existsSync(CHROMIUM)) {
    process.stdout.write([...summary, `chromium: skipped, no browser at ${CHROMIUM} (install Debian's chromium to time the page)`, ''].join('\n'));
    return;
  }
  const context = await chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), 'gt-chromium-')), {
    executablePath: CHROMIUM, headless: true, viewport: { width: 1024, height: 800 },
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  try {
    const page = await context.newPage();
    const loadStart = performance.now();
    await page.goto(`file://${out}`, { waitUntil: 'load' });
    const loadMs = performance.now() - loadStart;
    const loadEventEnd = await page.evaluate<number>("performance.getEntriesByType('navigation')[0].loadEventEnd"); // plain JS: no DOM types here
    const shotStart = performance.now();
    await page.screenshot({ path: join(DIR, `report-${count}.png`), fullPage: true });
    const shotMs = performance.now() - shotStart;
    process.stdout.write([
      ...summary,
      `chromium: navigation ${loadMs.toFixed(0)} ms (load event at ${loadEventEnd.toFixed(0)} ms); full-page screenshot (layout and paint) ${shotMs.toFixed(0)} ms`,
      '',
    ].join('\n'));
  } finally {
    await context.close();
  }
}

run().catch((e: unknown) => {
  process.stderr.write(`${(e as Error).stack ?? String(e)}\n`);
  process.exitCode = 1;
});
