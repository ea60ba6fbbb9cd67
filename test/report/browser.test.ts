/**
 * The trust report in a real browser: headless Chromium (Debian's `chromium`) opens the file,
 * and the tests check that the charts are drawn, nothing overflows, nothing is fetched, and take
 * a screenshot. Skipped where /usr/bin/chromium is absent; .ci/run installs it.
 */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, tempDir } from '../support/cli';

const CHROMIUM = '/usr/bin/chromium';
const EXAMPLES = join(__dirname, '../../examples');
const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** The example agent three months on: promoted twice, with a scope violation, a restart and a hold. */
function writeInputs(dir: string): { state: string; evidence: string[] } {
  const state = join(dir, 'state.json');
  const committed = JSON.parse(readFileSync(join(EXAMPLES, 'trust/incident-responder.json'), 'utf8')) as { history: unknown[] };
  const entry = (from: number, to: number, at: string, reason: string) => ({ from, to, at, by: 'trust-gate evaluate', reasons: [reason], kind: 'evaluate' });
  writeFileSync(state, JSON.stringify({
    ...committed,
    phase: 4,
    since: '2027-02-20T00:00:00Z',
    history: [...committed.history, entry(2, 3, '2026-12-15T00:00:00Z', '2->3 gates passed'), entry(3, 4, '2027-02-05T00:00:00Z', '3->4 gates passed'),
      entry(4, 4, '2027-02-20T00:00:00Z', 'scope violation: restart')],
    hold: { reason: 'scope violation (k8s-audit): delete pods', since: '2027-02-20T00:00:00Z', violationAt: '2027-02-19T08:00:00Z', violations: 1 },
  }));
  const violation = join(dir, 'violation.jsonl');
  writeFileSync(violation, JSON.stringify({ type: 'scope-violation', agent: 'incident-responder', at: '2027-02-19T08:00:00Z', source: 'k8s-audit', detail: 'delete pods in shop' }) + '\n');
  return { state, evidence: [join(EXAMPLES, 'evidence/incident-responder.jsonl'), join(EXAMPLES, 'pipeline/evidence/incident-responder.jsonl'), violation] };
}

// Run in the page (plain JavaScript: this project's TypeScript has no DOM types).
const COUNT_ELEMENTS = `(() => {
  const n = (selector) => document.querySelectorAll(selector).length;
  const drawn = (selector) => [...document.querySelectorAll(selector)].filter((p) => p.getTotalLength() > 0).length;
  return {
    charts: n('svg.chart'), phaseLine: drawn('path.phase-line'), markers: n('path.marker'), metricLines: drawn('path.metric-line:not(.faint)'),
    thresholds: n('line.threshold'), bars: drawn('path.bars'), hold: n('g.hold rect'), violations: n('path.violation'), tickLabels: n('g.axis text'),
  };
})()`;

const FIND_OVERFLOWS = `(() => {
  const out = [];
  const root = document.documentElement;
  if (root.scrollWidth > root.clientWidth) out.push('page is ' + root.scrollWidth + 'px wide in a ' + root.clientWidth + 'px window');
  for (const svg of document.querySelectorAll('svg.chart')) {
    const box = svg.viewBox.baseVal;
    const labels = [];
    for (const t of svg.querySelectorAll('text')) {
      const b = t.getBBox();
      if (b.x < 0 || b.y < 0 || b.x + b.width > box.width || b.y + b.height > box.height) out.push('"' + t.textContent + '" leaves its chart');
      labels.push({ text: t.textContent, b });
    }
    labels.forEach((a, i) => labels.slice(i + 1).forEach((c) => {
      const overlap = a.b.x < c.b.x + c.b.width && c.b.x < a.b.x + a.b.width && a.b.y < c.b.y + c.b.height && c.b.y < a.b.y + a.b.height;
      if (overlap) out.push('"' + a.text + '" overlaps "' + c.text + '"');
    }));
  }
  for (const el of document.querySelectorAll('main > *, section > *:not(.wide), .card')) {
    if (el.scrollWidth > el.clientWidth + 1) out.push('<' + el.tagName.toLowerCase() + ' class="' + el.className + '"> overflows by ' + (el.scrollWidth - el.clientWidth) + 'px');
  }
  return out;
})()`;

describe.skipIf(!existsSync(CHROMIUM))('the trust report in headless Chromium', () => {
  let context: BrowserContext;
  let page: Page;
  let file: string;
  const requests: string[] = [];

  beforeAll(async () => {
    const dir = tempDir('gt-browser-');
    const inputs = writeInputs(dir);
    file = join(dir, 'report.html');
    const r = await runCli(['report', '--state', inputs.state, ...inputs.evidence.flatMap((e) => ['--evidence', e]), '--now', '2027-03-03T00:00:00Z', '--out', file]);
    expect(r.code).toBe(0);
    context = await chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), 'gt-chromium-')), {
      executablePath: CHROMIUM, headless: true, args: ARGS, viewport: { width: 1024, height: 800 },
    });
    page = await context.newPage();
    page.on('request', (req) => requests.push(req.url()));
    await page.goto(`file://${file}`);
  }, 60_000);

  afterAll(async () => {
    await context?.close();
  });

  it('draws the phase chart, incidents per day and the four rolling metrics with their lines', async () => {
    const counts = await page.evaluate<Record<string, number>>(COUNT_ELEMENTS);
    expect(counts).toMatchObject({ charts: 6, phaseLine: 1, markers: 5, metricLines: 4, thresholds: 6, bars: 1, hold: 1, violations: 1 });
    expect(counts.tickLabels).toBeGreaterThan(40);
  });

  it('fits the window: nothing overflows the page, a chart or a table, and no two labels overlap', async () => {
    for (const width of [1024, 640]) {
      await page.setViewportSize({ width, height: 800 });
      const problems = await page.evaluate<string[]>(FIND_OVERFLOWS);
      expect(problems, `at ${width}px`).toEqual([]);
    }
    await page.setViewportSize({ width: 1024, height: 800 });
  });

  it('fetches nothing but the file itself', () => {
    expect(requests).toEqual([`file://${file}`]);
  });

  it('takes a screenshot of the whole report', async () => {
    const png = await page.screenshot({ fullPage: true });
    expect(png.subarray(1, 4).toString()).toBe('PNG');
    expect(png.length).toBeGreaterThan(50_000);
  });
});
