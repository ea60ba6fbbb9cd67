/**
 * The trust report as one self-contained HTML file: inline CSS and SVG, no scripts, no fonts,
 * images or styles fetched from anywhere (a Content-Security-Policy forbids it), so it opens
 * offline, from a CI artifact or a mail attachment. Deterministic: the same data gives the same
 * bytes.
 */
import { describeBound, describeInterval, describeObserved, describeThreshold, formatInstant, parseInstant, percent, type Digests, type GateResult, type Measurement } from '../gate';
import { usageSection } from './usage';
import { PHASES, PHASE_VALUES, phaseAbove, phaseLabel } from '../phase/table';
import { backtestChart } from './backtest-chart';
import { describeStep, firstReached } from '../gate/backtest-format';
import { chartKit, metricChart, phaseChart, volumeChart, type ChartKit } from './charts';
import type { ReportData } from './collect';
import { CHARTED_METRICS, reportModel, type ChartedMetric, type PhaseChange, type ReportModel } from './model';
import { DAY_MS } from './timeline';
import { esc } from './svg';

const STYLE = `
:root{--fg:#1f2328;--muted:#59636e;--line:#d1d9e0;--alt:#f6f8fa;--blue:#0969da;--green:#1a7f37;--red:#cf222e;--orange:#bc4c00;--grey:#afb8c1}
*{box-sizing:border-box}
body{margin:0;font:14px/1.5 system-ui,-apple-system,"Segoe UI",Helvetica,Arial,sans-serif;color:var(--fg);background:#fff}
main{max-width:960px;margin:0 auto;padding:24px 20px 40px}
h1{font-size:22px;margin:0 0 2px}
h2{font-size:17px;margin:28px 0 8px;padding-bottom:4px;border-bottom:1px solid var(--line)}
h3{font-size:14px;margin:18px 0 0}
h3 .now{font-weight:400;color:var(--muted)}
p{margin:4px 0}
.sub,.note,footer{color:var(--muted)}
.note{font-size:12px}
code{font:12px ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;overflow-wrap:anywhere}
.cards{display:grid;grid-template-columns:repeat(4,minmax(0,1fr));gap:12px;margin-top:16px}
.card{border:1px solid var(--line);border-radius:6px;padding:8px 12px;min-width:0}
.card .k{color:var(--muted);font-size:12px}
.card .v{font-size:16px;font-weight:600;overflow-wrap:anywhere}
.badge{display:inline-block;padding:0 8px;border-radius:10px;font-size:12px;font-weight:600;color:#fff;background:var(--muted)}
.badge.promote{background:var(--green)}.badge.demote{background:var(--red)}
.chart{display:block;width:100%;height:auto;margin-top:4px}
.chart text{font-size:11px;fill:var(--muted)}
.chart .row-label{fill:var(--fg)}
.axis line{stroke:#8c959f}.axis line.grid{stroke:#eaeef2}
.row{fill:#fff}.row.alt{fill:var(--alt)}
.phase-line{fill:none;stroke:var(--blue);stroke-width:2.5}
.marker{stroke:#fff;stroke-width:1}.marker.promote{fill:var(--green)}.marker.demote{fill:var(--red)}
.marker.restart{fill:var(--orange)}.marker.created{fill:var(--muted)}.marker.manual{fill:#fff;stroke:var(--fg);stroke-width:1.5}
.hold rect{fill:var(--orange);fill-opacity:.13}.chart .hold text{fill:var(--orange);font-weight:600}
.violation{stroke:var(--red);stroke-width:2}
.bars{fill:#8c959f}
.metric-line{fill:none;stroke:var(--blue);stroke-width:2}.metric-line.faint{stroke:var(--grey);stroke-width:1.5}
.threshold{stroke-dasharray:5 4;stroke-width:1.2}.threshold.demotion{stroke:var(--red)}.threshold.promotion{stroke:var(--green)}
.chart .threshold-label.demotion{fill:var(--red)}.chart .threshold-label.promotion{fill:var(--green)}
circle.now{fill:var(--blue)}circle.now.faint{fill:var(--grey)}
.legend{color:var(--muted);font-size:12px;margin:2px 0 0}
.key{display:inline-block;width:18px;border-top:2px solid;vertical-align:middle;margin:0 4px 0 10px}
.key:first-child{margin-left:0}
.key.strong{border-color:var(--blue)}.key.faint{border-color:var(--grey)}
.key.demotion{border-top:2px dashed var(--red)}.key.promotion{border-top:2px dashed var(--green)}
.sym{margin:0 3px 0 10px;font-weight:700}.sym.promote{color:var(--green)}.sym.demote{color:var(--red)}
.sym.restart{color:var(--orange)}.sym.violation{color:var(--red)}.sym.hold{color:var(--orange)}
.wide{overflow-x:auto}
table{width:100%;border-collapse:collapse;font-size:13px}
th,td{text-align:left;padding:4px 8px;border-bottom:1px solid var(--line);vertical-align:top;overflow-wrap:anywhere}
th{color:var(--muted);font-weight:600}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
td.nw{white-space:nowrap}
.pass{color:var(--green);font-weight:600}.fail{color:var(--red);font-weight:600}.unsure{color:var(--orange);font-weight:600}
.bt-line{fill:none;stroke-width:2.5}.bt-run-0{stroke:var(--blue);color:var(--blue)}.bt-run-1{stroke:#8250df;color:#8250df}.bt-run-2{stroke:var(--green);color:var(--green)}.bt-run-3{stroke:var(--orange);color:var(--orange)}
.bt-recorded{fill:none;stroke:var(--fg);stroke-width:1.2;stroke-dasharray:3 3}
.bt-hold{fill-opacity:.55}.bt-failing{fill:var(--red)}.bt-inconclusive{fill:var(--orange)}.bt-investigation{fill:#8250df}.bt-other{fill:var(--grey)}
.bt-key{stroke:none;fill:currentColor;font-weight:700}
.bar{display:block;height:4px;background:var(--blue);border-radius:2px;margin-top:2px}
ul{margin:4px 0;padding-left:20px}
footer{margin-top:32px;font-size:12px;border-top:1px solid var(--line);padding-top:8px}
`.trim();

function dayOf(ms: number): string {
  return formatInstant(ms).slice(0, 10);
}

/** `12,345`: digits grouped by three, the same on every machine. */
function grouped(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

function plural(n: number, one: string, many: string): string {
  return `${grouped(n)} ${n === 1 ? one : many}`;
}

function requiredText(g: GateResult): string {
  const text = describeThreshold(g.metric, g.required);
  return g.minSamples === undefined ? text : `${text} (if ≥ ${g.minSamples} samples)`;
}

function resultCell(g: GateResult): string {
  if (g.verdict === 'pass') return '<span class="pass">pass</span>';
  if (g.verdict === 'inconclusive') return '<span class="unsure">inconclusive</span>';
  return `<span class="fail">${g.kind === 'demotion' ? 'demotes' : 'fail'}</span>`;
}

function header(data: ReportData): string {
  const { state, decision: d } = data;
  const days = Math.floor((data.nowMs - parseInstant(state.since)) / DAY_MS);
  const decision = d.action === 'hold' ? `hold at phase ${d.from}${d.holdKind ? ` (${d.holdKind})` : ''}` : `${d.action} ${d.from} → ${d.to}`;
  const cards: [string, string][] = [
    ['Committed phase', `${esc(phaseLabel(state.phase))}`],
    ['Gate decision now', `<span class="badge ${d.action}">${esc(decision)}</span>`],
    ['Incidents counted', grouped(data.timeline.incidents)],
    ['Hold', state.hold ? `since ${esc(dayOf(parseInstant(state.hold.since)))}` : 'none'],
  ];
  return [
    `<h1>Trust report: ${esc(state.agent)}</h1>`,
    `<p class="sub">Evaluated at ${esc(d.at)} · ${esc(phaseLabel(state.phase))} since ${esc(state.since)} (${plural(days, 'day', 'days')}): ${esc(PHASES[state.phase].summary)}</p>`,
    `<div class="cards">${cards.map(([k, v]) => `<div class="card"><div class="k">${k}</div><div class="v">${v}</div></div>`).join('')}</div>`,
  ].join('\n');
}

function phaseSection(kit: ChartKit, model: ReportModel): string {
  return [
    '<section id="phase"><h2>Phase over time</h2>',
    phaseChart(kit, model),
    '<p class="legend"><span class="sym promote">▲</span>promotion<span class="sym demote">▼</span>demotion<span class="sym restart">●</span>restart at the floor after a scope violation' +
      '<span class="sym">◆</span>first phase (hollow: set by hand)<span class="sym hold">▆</span>hold<span class="sym violation">✕</span>scope violation. Hover a marker for the reasons.</p>',
    volumeChart(kit, model),
    '</section>',
  ].join('\n');
}

function current(m: Measurement | undefined, metric: ChartedMetric): string {
  if (!m) return 'no samples';
  return describeObserved({ metric, observed: m.observed, hits: m.hits, samples: m.samples });
}

function metricsSection(kit: ChartKit, model: ReportModel, windowBuckets: number): string {
  const out = [`<section id="metrics"><h2>Rolling ${windowBuckets}-day metrics</h2>`,
    `<p class="legend"><span class="key strong"></span>value over the ${windowBuckets} days up to each day<span class="key faint"></span>fewer samples than the demotion trigger needs` +
      '<span class="key demotion"></span>demotion line<span class="key promotion"></span>promotion bar</p>'];
  for (const panel of model.panels) {
    out.push(`<h3>${esc(panel.label)} <span class="now">now ${esc(current(panel.points[panel.points.length - 1], panel.metric))}</span></h3>`);
    out.push(metricChart(kit, model, panel));
  }
  out.push('</section>');
  return out.join('\n');
}

function gatesSection(data: ReportData): string {
  const d = data.decision;
  const rows = d.gates.map((g) => `<tr class="${g.verdict}"><td>${esc(g.name)}</td><td class="n">${esc(describeObserved(g))}</td><td class="n">${esc(describeBound(g))}</td><td class="n">${esc(describeInterval(g))}</td>` +
    `<td class="n">${esc(requiredText(g))}</td><td class="n">${g.metric === 'daysInPhase' ? '' : g.samples}</td><td>${resultCell(g)}</td></tr>`);
  const next = phaseAbove(d.from);
  const level = typeof data.policy.confidence === 'number' ? `${percent(data.policy.confidence)} interval` : 'Interval';
  const out = [
    '<section id="gates"><h2>Gates now</h2>',
    `<p>The gate would <strong>${esc(d.action)}</strong>${d.holdKind ? ` (${esc(d.holdKind)})` : ''}: ${esc(phaseLabel(d.from))} → ${esc(phaseLabel(d.to))}.</p>`,
    `<div class="wide"><table><thead><tr><th>Gate</th><th class="n">Observed</th><th class="n">Judged on</th><th class="n">${level}</th><th class="n">Required</th><th class="n">Samples</th><th>Result</th></tr></thead>`,
    `<tbody>${rows.join('')}</tbody></table></div>`,
    '<h3>Why</h3>',
    `<ul>${d.reasons.map((r) => `<li>${esc(r)}</li>`).join('')}</ul>`,
    '<p class="note">A share passes a promotion gate when its whole confidence interval is on the passing side of the threshold; ' +
      '<span class="unsure">inconclusive</span> means the evidence cannot tell yet (too few records carrying the field, an interval across the threshold, soak time running).</p>',
  ];
  if (next !== undefined) {
    out.push(`<h3>Missing for ${esc(phaseLabel(next))}</h3>`);
    if (d.missing.length > 0) out.push(`<ul>${d.missing.map((m) => `<li>${esc(m.text)}</li>`).join('')}</ul>`);
    else if (d.action === 'promote') out.push('<p>Nothing: every gate passes. Commit the promotion with <code>trust-gate evaluate --write</code>.</p>');
    else if (d.action === 'demote') out.push('<p>The gate demotes first; commit the demotion with <code>trust-gate evaluate --write</code>.</p>');
  } else if (d.action === 'hold') {
    out.push(`<p class="note">${esc(phaseLabel(d.from))} is the highest phase.</p>`);
  }
  out.push('</section>');
  return out.join('\n');
}

function backtestSection(kit: ChartKit, model: ReportModel, data: ReportData): string {
  const r = data.backtest;
  if (!r) return '';
  const reached = r.runs.map(firstReached);
  const shownPhases = PHASE_VALUES.filter((p) => reached.some((x) => x[p] !== undefined));
  const head = `<tr><th>Policy</th><th class="n">Promotions</th><th class="n">Demotions</th><th class="n">Held (inconclusive)</th>${shownPhases.map((p) => `<th class="n">First at ${p}</th>`).join('')}<th>Ends at</th></tr>`;
  const rows = r.runs.map((run, i) => {
    const count = (f: (s: (typeof run.steps)[number]) => boolean) => run.steps.filter(f).length;
    return `<tr><td><span class="bt-key bt-run-${i % 4}">━</span> <code>${esc(run.name)}</code></td><td class="n">${count((s) => s.action === 'promote')}</td>` +
      `<td class="n">${count((s) => s.action === 'demote')}</td><td class="n">${count((s) => s.action === 'hold')} (${count((s) => s.holdKind === 'inconclusive')})</td>` +
      `${shownPhases.map((p) => `<td class="n">${esc(reached[i]![p]?.slice(0, 10) ?? 'never')}</td>`).join('')}<td>${esc(phaseLabel(run.final.phase))}${run.final.held ? ', on hold' : ''}</td></tr>`;
  });
  return [
    '<section id="backtest"><h2>Backtest</h2>',
    `<p>The evidence replayed from ${esc(r.from)} to ${esc(r.to)}, one evaluation every ${esc(describeStep(r.stepMs))} (${plural(r.evaluations, 'evaluation', 'evaluations')} per policy), ` +
      `starting from ${esc(phaseLabel(r.start.phase))} as the state file's history records it. Nothing was written.</p>`,
    backtestChart(kit, model, r),
    '<p class="legend"><span class="key strong"></span>phase under each policy<span class="sym promote">▲</span>promotion<span class="sym demote">▼</span>demotion' +
      '<span class="key" style="border-top:2px dashed var(--fg)"></span>recorded phase; strips: why each policy held ' +
      '<span class="sym demote">▆</span>failing<span class="sym hold">▆</span>inconclusive<span class="sym" style="color:#8250df">▆</span>investigation. Hover for the criteria.</p>',
    `<div class="wide"><table><thead>${head}</thead><tbody>${rows.join('')}</tbody></table></div>`,
    '</section>',
  ].join('\n');
}

function changeText(c: PhaseChange): string {
  if (c.from === null) return `created at ${phaseLabel(c.to)}`;
  if (c.from === c.to) return `${phaseLabel(c.to)} restarted`;
  return `${c.kind} ${phaseLabel(c.from)} → ${phaseLabel(c.to)}`;
}

function historySection(model: ReportModel): string {
  const rows = model.phases.changes.map((c) => `<tr><td class="n">${esc(c.at)}</td><td>${esc(changeText(c))}</td><td class="nw">${esc(c.manual ? `${c.by} (by hand)` : c.by)}</td>` +
    `<td>${c.reasons.map(esc).join('<br>')}</td></tr>`);
  return [
    '<section id="history"><h2>Phase changes</h2>',
    rows.length === 0
      ? '<p class="note">No recorded phase changes.</p>'
      : `<div class="wide"><table><thead><tr><th class="n">At</th><th>Change</th><th>By</th><th>Reasons</th></tr></thead><tbody>${rows.join('')}</tbody></table></div>`,
    '</section>',
  ].join('\n');
}

const COLUMN: Record<ChartedMetric, string> = { accuracy: 'Accuracy', rollback: 'Rollback', agreement: 'Agreement', escalationAccuracy: 'Escalation' };

function domainsSection(model: ReportModel, windowBuckets: number): string {
  const top = Math.max(1, ...model.domains.map((d) => d.incidents));
  const cell = (m: Measurement, metric: ChartedMetric) => `<td class="n">${m.observed === null ? '—' : esc(describeObserved({ metric, ...m }))}</td>`;
  const rows = model.domains.map((d) => `<tr><td>${esc(d.domain)}</td><td class="n">${grouped(d.incidents)}<span class="bar" style="width:${Math.round((d.incidents / top) * 100)}%"></span></td>` +
    `<td class="n">${grouped(d.recent)}</td>${CHARTED_METRICS.map((m) => cell(d.metrics[m], m)).join('')}</tr>`);
  return [
    '<section id="domains"><h2>Per domain</h2>',
    `<p class="note">Incidents over all evidence read and in the last ${windowBuckets} days; shares over all evidence.</p>`,
    rows.length === 0
      ? '<p class="note">No incidents.</p>'
      : `<div class="wide"><table><thead><tr><th>Domain</th><th class="n">Incidents</th><th class="n">Last ${windowBuckets} days</th>${CHARTED_METRICS.map((m) => `<th class="n">${COLUMN[m]}</th>`).join('')}</tr></thead><tbody>${rows.join('')}</tbody></table></div>`,
    '</section>',
  ].join('\n');
}

function footer(data: ReportData, digests: Digests, model: ReportModel): string {
  const c = data.decision.counts;
  const older = data.timeline.beforeBuckets > 0 ? ` ${plural(data.timeline.beforeBuckets, 'incident is', 'incidents are')} older than the charts and counted in the domain table only.` : '';
  return [
    '<footer>',
    `<p>Generated by <code>trust-gate report</code> from ${data.sources.map((s) => `<code>${esc(s)}</code>`).join(', ')}: ${plural(c.records, 'record', 'records')} read, ` +
      `${c.otherAgents} of other agents and ${c.future} later than now ignored.${older}</p>`,
    `<p>Evidence <code>${esc(digests.evidence)}</code> · policy <code>${esc(digests.policy)}</code></p>`,
    `<p>Each point is a 24-hour bucket ending at ${esc(dayOf(model.endMs))} ${esc(formatInstant(model.endMs).slice(11))} or a whole number of days before; ` +
      `incidents count once (their last record). Rolling values cover the ${data.windowBuckets} buckets up to the point, the gate's demotion window; ` +
      'unlike the gate, the chart does not restart after a demotion.</p>',
    '</footer>',
  ].join('\n');
}

/**
 * The report's HTML for collected data, given the loaded charting modules.
 * @param digests of the evidence and policy the data was collected from, shown in the footer
 */
export function reportHtml(kit: ChartKit, data: ReportData, digests: Digests): string {
  const model = reportModel(data);
  return [
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8">',
    '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; style-src \'unsafe-inline\'">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>Trust report: ${esc(data.state.agent)} at ${esc(data.decision.at)}</title>`,
    `<style>${STYLE}</style></head>`,
    '<body><main>',
    header(data),
    phaseSection(kit, model),
    metricsSection(kit, model, data.windowBuckets),
    gatesSection(data),
    backtestSection(kit, model, data),
    historySection(model),
    domainsSection(model, data.windowBuckets),
    ...(data.usage ? [usageSection(data.usage)] : []),
    footer(data, digests, model),
    '</main></body></html>',
    '',
  ].join('\n');
}

/**
 * Renders the trust report for collected data.
 * @param digests of the evidence and policy, as `trust-gate evaluate` records them
 * @example
 * const html = await renderReport(await collectReport({ state, now, evidence: [fileSource('evidence.jsonl')] }), digests);
 */
export async function renderReport(data: ReportData, digests: Digests): Promise<string> {
  return reportHtml(await chartKit(), data, digests);
}
