/**
 * Regenerates the README's screenshots in docs/img/ from the pipeline demo, with headless
 * Chromium (Debian's `chromium` at /usr/bin/chromium):
 * - trust-report.png: the trust report of the demo's third run (the rollback rate crossed 2%, a
 *   demotion is due), its charts and gate table;
 * - pr-body.png: the pull request of the demo's second run (promotion to phase 4, two approving
 *   reviewers), its markdown rendered as GitHub would show it.
 *
 *   npx tsx scripts/screenshots.ts
 */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { marked } from 'marked';
import { chromium } from 'playwright-core';
import { runPipelineDemo } from './pipeline-demo';

const OUT = join(__dirname, '..', 'docs', 'img');
const CHROMIUM = '/usr/bin/chromium';
const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** A GitHub-like page around rendered markdown (no network: system fonts, inline CSS). */
function prPage(title: string, labels: readonly string[], markdown: string): string {
  const style = `
body{margin:0;background:#fff;font:14px/1.5 system-ui,-apple-system,"Segoe UI",Helvetica,Arial,sans-serif;color:#1f2328}
main{max-width:860px;margin:0 auto;padding:20px}
h1.title{font-size:24px;font-weight:400;margin:0 0 8px}
.labels span{display:inline-block;font-size:12px;font-weight:600;padding:0 8px;border-radius:10px;margin-right:4px;background:#ddf4ff;color:#0969da}
.labels span.urgent{background:#ffebe9;color:#cf222e}
.comment{border:1px solid #d1d9e0;border-radius:6px;margin-top:16px}
.comment header{background:#f6f8fa;border-bottom:1px solid #d1d9e0;padding:8px 16px;color:#59636e;border-radius:6px 6px 0 0}
.body{padding:8px 16px}
h2{font-size:20px;border-bottom:1px solid #d1d9e0;padding-bottom:4px}h3{font-size:16px}h4{font-size:14px}
table{border-collapse:collapse;margin:8px 0}th,td{border:1px solid #d1d9e0;padding:4px 10px}tr:nth-child(2n){background:#f6f8fa}
code{font:12px ui-monospace,SFMono-Regular,Menlo,monospace;background:#eff1f3;padding:2px 4px;border-radius:4px}
pre{background:#f6f8fa;padding:12px;border-radius:6px}pre code{background:none;padding:0}
hr{border:0;border-top:1px solid #d1d9e0}`;
  const chips = labels.map((l) => `<span class="${l}">${l}</span>`).join('');
  return `<!doctype html><html><head><meta charset="utf-8"><style>${style}</style></head><body><main>` +
    `<h1 class="title">${title}</h1><div class="labels">${chips}</div>` +
    `<div class="comment"><header><strong>trust-gate</strong> opened this pull request</header><div class="body">${marked.parse(markdown) as string}</div></div>` +
    '</main></body></html>';
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'gt-screenshots-'));
  const runs = await runPipelineDemo(dir);
  const promotion = runs[1]!.pullRequest!;
  const prHtml = join(dir, 'pr.html');
  writeFileSync(prHtml, prPage(promotion.title, promotion.labels, promotion.body));
  mkdirSync(OUT, { recursive: true });
  const context = await chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), 'gt-chromium-')), {
    executablePath: CHROMIUM, headless: true, args: ARGS, viewport: { width: 1000, height: 800 },
  });
  try {
    const page = await context.newPage();
    await page.goto(`file://${join(runs[2]!.dir, 'report.html')}`);
    const gates = await page.locator('#history').boundingBox(); // everything above the history table
    await page.screenshot({ path: join(OUT, 'trust-report.png'), fullPage: true, clip: { x: 0, y: 0, width: 1000, height: Math.ceil(gates!.y) } });
    await page.setViewportSize({ width: 900, height: 800 });
    await page.goto(`file://${prHtml}`);
    await page.screenshot({ path: join(OUT, 'pr-body.png'), fullPage: true });
  } finally {
    await context.close();
  }
  for (const name of ['trust-report.png', 'pr-body.png']) {
    process.stdout.write(`wrote docs/img/${name} (${Math.round(readFileSync(join(OUT, name)).length / 1024)} KiB)\n`);
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`${(e as Error).stack ?? String(e)}\n`);
  process.exitCode = 1;
});
