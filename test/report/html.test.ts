import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fileSource } from '../../src/gate';
import { collectReport, renderReport } from '../../src/report';
import { readState } from '../../src/state/file';
import { collect, DIGESTS, incident, state, steadyEvidence } from './helpers';

const EXAMPLES = join(__dirname, '../../examples');

async function exampleReport(): Promise<string> {
  const data = await collectReport({
    state: readState(join(EXAMPLES, 'trust/incident-responder.json')),
    now: new Date('2026-11-25T00:00:00Z'),
    evidence: [fileSource(join(EXAMPLES, 'evidence/incident-responder.jsonl'))],
  });
  return renderReport(data, DIGESTS);
}

describe('renderReport', () => {
  it('shows the example agent: its phase, the gate table and what phase 3 still needs', async () => {
    const html = await exampleReport();
    expect(html).toContain('<h1>Trust report: incident-responder</h1>');
    expect(html).toContain('hold at phase 2');
    expect(html).toContain('<tr class="inconclusive"><td>2-&gt;3 operatorVerdicts</td><td class="n">112</td><td class="n"></td><td class="n"></td><td class="n">≥ 150</td><td class="n">112</td><td><span class="unsure">inconclusive</span></td></tr>');
    // A share shows the bound it was judged on next to the observed share, and its interval.
    expect(html).toContain('<th class="n">Observed</th><th class="n">Judged on</th><th class="n">95% interval</th>');
    expect(html).toContain('<tr class="inconclusive"><td>2-&gt;3 agreement</td><td class="n">94.64% (106/112)</td><td class="n">lower 88.8%</td><td class="n">88.8–97.52%</td><td class="n">&gt; 90% (if ≥ 30 samples)</td><td class="n">112</td><td><span class="unsure">inconclusive</span></td></tr>');
    expect(html).toContain('<li>15 more agreed recommendations in a row (operator agreement (operatorAgreed) now 94.64% (106/112), lower 95% bound 88.8%, needs &gt; 90%)</li>');
    expect(html).toContain('<h3>Missing for phase 3 (Limited Remediation)</h3>\n<ul><li>38 more incidents with operatorAgreed</li>');
    expect(html).toContain('demotes &lt; 92%');
    expect(html).toContain('1-&gt;2 needs &gt; 95%');
  });

  it('draws the phase chart, incidents per day and one chart per rolling metric', async () => {
    const html = await exampleReport();
    expect(html.match(/<svg class="chart"/g)).toHaveLength(6);
    expect(html.match(/<path class="marker /g)).toHaveLength(2); // created by hand, promoted by the gate
    expect(html).toContain('<path class="marker promote"');
    expect(html.match(/<path class="metric-line"/g)).toHaveLength(4);
  });

  it('is self-contained: no scripts, no external references, and a policy that forbids fetching', async () => {
    const html = await exampleReport();
    expect(html).not.toMatch(/<script|<link|<img|<iframe|@import|url\(/i);
    expect(html).not.toMatch(/(src|href)=/i);
    expect(html).toContain(`<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">`);
  });

  it('writes the same bytes for the same input', async () => {
    expect(await exampleReport()).toBe(await exampleReport());
  });

  it('escapes what the evidence and the state file say', async () => {
    const st = state(2, 30, {
      history: [{ from: 1, to: 2, at: '2026-10-26T00:00:00Z', by: '<b>mallory</b>', reasons: ['"quoted" & <script>alert(1)</script>'], kind: 'set-phase' }],
    });
    const html = await renderReport(await collect(st, [incident(1, { domain: '<img src=x>' })]), DIGESTS);
    expect(html).not.toContain('<script>');
    expect(html).not.toContain('<img');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('&lt;b&gt;mallory&lt;/b&gt;');
  });

  it('plots one point per day: twenty times the incidents make the same size of file', async () => {
    const small = await renderReport(await collect(state(3, 200), steadyEvidence(120, 2)), DIGESTS);
    const large = await renderReport(await collect(state(3, 200), steadyEvidence(120, 40)), DIGESTS);
    expect(large.length).toBeLessThan(small.length * 1.2);
    expect(large.length).toBeLessThan(120_000);
  });

  it('renders an agent without any evidence', async () => {
    const html = await renderReport(await collect(state(1, 3), []), DIGESTS);
    expect(html).toContain('no samples in this period');
    expect(html).toContain('No incidents.');
  });
});
