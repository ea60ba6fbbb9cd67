/**
 * The report's charts as inline SVG strings: the phase over time, incidents per day, and one
 * chart per rolling metric with the policy's lines. Scales, ticks, tick formats and paths come
 * from d3 (`d3-scale`, `d3-shape`); styling is by class, from the report's stylesheet.
 *
 * Every chart shares one horizontal layout (same margins, same time scale), so they line up
 * one under the other. Output is deterministic: coordinates are rounded to 0.1 px and nothing
 * depends on the clock or on randomness.
 */
import { PHASES, PHASE_VALUES, type Phase } from '../phase/table';
import { formatInstant, percent } from '../gate';
import { DAY_MS } from './timeline';
import type { MetricPanel, PhaseChange, ReportModel } from './model';
import { bottomAxis, esc, leftAxis, num, spreadLabels } from './svg';

/** d3's scale and shape modules (ESM-only, loaded with `import()`). */
export interface ChartKit {
  readonly scale: typeof import('d3-scale');
  readonly shape: typeof import('d3-shape');
}

let loading: Promise<ChartKit> | undefined;

/** Loads d3 once. */
export function chartKit(): Promise<ChartKit> {
  loading ??= Promise.all([import('d3-scale'), import('d3-shape')]).then(([scale, shape]) => ({ scale, shape }));
  return loading;
}

/** Width of every chart's view box, px. */
export const CHART_WIDTH = 920;
const LEFT = 52;
const RIGHT = CHART_WIDTH - 172; // the right margin holds phase names and threshold labels
const TOP = 10;
const AXIS_HEIGHT = 30;
const TIME_TICKS = 8;
const LABEL_GAP = 15;
const LABEL_INSET = 12; // from the plot's right edge to the labels in the margin

/** The layout every chart shares, for charts drawn in other modules. */
export const FRAME = { left: LEFT, right: RIGHT, top: TOP, axisHeight: AXIS_HEIGHT, timeTicks: TIME_TICKS, labelInset: LABEL_INSET } as const;

/** A d3 UTC time scale onto the charts' x range. */
export type Time = ReturnType<typeof import('d3-scale').scaleUtc<number, number>>;

/** The shared time scale: the report's buckets onto the plot's width. */
export function timeScale(kit: ChartKit, model: ReportModel): Time {
  return kit.scale.scaleUtc().domain([new Date(model.startMs), new Date(model.endMs)]).range([LEFT, RIGHT]).clamp(true);
}

/** x of the end of bucket `i`. */
function bucketX(x: Time, model: ReportModel, i: number): number {
  return x(new Date(model.startMs + (i + 1) * DAY_MS));
}

/** An SVG chart element of the shared width. */
export function svg(height: number, label: string, body: string): string {
  return `<svg class="chart" viewBox="0 0 ${CHART_WIDTH} ${height}" role="img" aria-label="${esc(label)}">${body}</svg>`;
}

function day(ms: number): string {
  return formatInstant(ms).slice(0, 10);
}

const MARKER_SIZE = 6;

function markerPath(kind: PhaseChange['kind'], cx: number, cy: number): string {
  const s = MARKER_SIZE;
  switch (kind) {
    case 'promote': return `M${num(cx)},${num(cy - s)}L${num(cx + s)},${num(cy + s * 0.7)}L${num(cx - s)},${num(cy + s * 0.7)}Z`;
    case 'demote': return `M${num(cx)},${num(cy + s)}L${num(cx + s)},${num(cy - s * 0.7)}L${num(cx - s)},${num(cy - s * 0.7)}Z`;
    case 'restart': return `M${num(cx - s)},${num(cy)}a${s},${s} 0 1,0 ${2 * s},0a${s},${s} 0 1,0 ${-2 * s},0Z`;
    case 'created': return `M${num(cx)},${num(cy - s)}L${num(cx + s)},${num(cy)}L${num(cx)},${num(cy + s)}L${num(cx - s)},${num(cy)}Z`;
  }
}

function changeTitle(c: PhaseChange): string {
  const move = c.from === null ? `created at phase ${c.to}` : c.from === c.to ? `phase ${c.to} restarted` : `phase ${c.from} → ${c.to}`;
  const reason = c.reasons[0] ? `: ${c.reasons[0]}` : '';
  return `${c.at} ${move} (${c.manual ? 'set by hand' : c.kind} by ${c.by})${reason}`;
}

/** Height of one phase row in the phase chart, px. */
const ROW_HEIGHT = 30;

/**
 * The phase over time: a step line through one row per phase, with markers for promotions (▲),
 * demotions (▼), restarts at the floor (●) and the first phase (◆; hollow when set by hand),
 * the current hold as a shaded band, and scope violations as ✕ on the time axis.
 */
/** One row per phase, highest on top, with the phase names in the right margin. */
export function phaseRows(rowHeight: number): { readonly y: (p: Phase) => number; readonly bottom: number; readonly parts: string[] } {
  const rows = [...PHASE_VALUES].reverse();
  const y = (p: Phase) => TOP + rows.indexOf(p) * rowHeight + rowHeight / 2;
  const parts = rows.flatMap((p, i) => [
    `<rect class="row${i % 2 ? ' alt' : ''}" x="${LEFT}" y="${TOP + i * rowHeight}" width="${RIGHT - LEFT}" height="${rowHeight}"/>`,
    `<text class="row-label" x="${RIGHT + LABEL_INSET}" y="${num(y(p))}" dy="0.32em">${p} ${esc(PHASES[p].name)}</text>`,
  ]);
  return { y, bottom: TOP + rows.length * rowHeight, parts };
}

export function phaseChart(kit: ChartKit, model: ReportModel): string {
  const { y, bottom, parts } = phaseRows(ROW_HEIGHT);
  const x = timeScale(kit, model);
  const { steps, changes, hold } = model.phases;
  if (hold) {
    const x0 = x(new Date(hold.sinceMs));
    parts.push(`<g class="hold"><title>${esc(`hold since ${formatInstant(hold.sinceMs)}: ${hold.reason}; no promotion until an investigation-closed record later than ${hold.violationAt}`)}</title>` +
      `<rect x="${num(x0)}" y="${TOP}" width="${num(Math.max(2, RIGHT - x0))}" height="${bottom - TOP}"/><text x="${num(Math.min(x0 + 4, RIGHT - 30))}" y="${TOP + 11}">hold</text></g>`);
  }
  const points: [number, number][] = steps.map((s) => [x(new Date(s.atMs)), y(s.phase)]);
  const last = steps[steps.length - 1];
  if (last) points.push([RIGHT, y(last.phase)]);
  const line = kit.shape.line().curve(kit.shape.curveStepAfter).digits(1);
  parts.push(`<path class="phase-line" d="${line(points) ?? ''}"/>`);
  for (const c of changes) {
    const cx = x(new Date(c.atMs));
    parts.push(`<path class="marker ${c.kind}${c.manual ? ' manual' : ''}" d="${markerPath(c.kind, cx, y(c.to))}"><title>${esc(changeTitle(c))}</title></path>`);
  }
  for (const v of model.violations) {
    const cx = bucketX(x, model, v.bucket);
    const cy = bottom - 7;
    const what = `${v.count} scope violation${v.count === 1 ? '' : 's'} in the 24 hours to ${formatInstant(model.startMs + (v.bucket + 1) * DAY_MS)}; first at ${v.first.at} (${v.first.source}): ${v.first.detail}`;
    parts.push(`<path class="violation" d="M${num(cx - 4)},${num(cy - 4)}L${num(cx + 4)},${num(cy + 4)}M${num(cx + 4)},${num(cy - 4)}L${num(cx - 4)},${num(cy + 4)}"><title>${esc(what)}</title></path>`);
  }
  parts.push(bottomAxis(x, bottom, TIME_TICKS));
  return svg(bottom + AXIS_HEIGHT, 'Trust phase over time, with promotions, demotions, holds and scope violations', parts.join(''));
}

const VOLUME_HEIGHT = 56;

/** Incidents per 24-hour bucket, as bars. */
export function volumeChart(kit: ChartKit, model: ReportModel): string {
  const bottom = TOP + VOLUME_HEIGHT;
  const x = timeScale(kit, model);
  let max = 0;
  for (const n of model.incidents) if (n > max) max = n;
  const y = kit.scale.scaleLinear().domain([0, Math.max(1, max)]).nice(3).range([bottom, TOP]);
  const width = Math.max(1, (RIGHT - LEFT) / model.buckets - 0.5);
  let d = '';
  model.incidents.forEach((n, i) => {
    if (n > 0) d += `M${num(bucketX(x, model, i) - width)},${bottom}V${num(y(n))}h${num(width)}V${bottom}Z`;
  });
  const body = [
    leftAxis(y, LEFT, RIGHT, 3, 'd'),
    `<path class="bars" d="${d}"/>`,
    `<text class="row-label" x="${RIGHT + LABEL_INSET}" y="${TOP + 8}" dy="0.32em">incidents / day</text>`,
    bottomAxis(x, bottom, TIME_TICKS),
  ];
  return svg(bottom + AXIS_HEIGHT, 'Incidents per day', body.join(''));
}

const METRIC_HEIGHT = 104;

/** The y range of a metric chart: its values with enough samples and its lines, padded, within 0..1. */
function metricDomain(panel: MetricPanel): [number, number] {
  const enough = panel.points.filter((p) => p.observed !== null && p.samples >= (panel.minSamples ?? 0));
  const shown = (enough.length > 0 ? enough : panel.points.filter((p) => p.observed !== null)).map((p) => p.observed!);
  const values = [...shown, ...panel.thresholds.map((t) => t.value)];
  if (values.length === 0) return [0, 1];
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) { // a loop, not Math.min(...values): one value per day of history
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  const pad = Math.max((hi - lo) * 0.15, 0.01);
  return [Math.max(0, lo - pad), Math.min(1, hi + pad)];
}

/**
 * One rolling metric: the value over the trailing window at each bucket (faint where it has
 * fewer samples than the demotion trigger needs), the demotion line (red, dashed) and the
 * promotion bars (green, dashed) labelled in the right margin, and a dot at now.
 */
export function metricChart(kit: ChartKit, model: ReportModel, panel: MetricPanel): string {
  const bottom = TOP + METRIC_HEIGHT;
  const x = timeScale(kit, model);
  const y = kit.scale.scaleLinear().domain(metricDomain(panel)).nice(4).range([bottom, TOP]).clamp(true);
  const parts = [leftAxis(y, LEFT, RIGHT, 4, '%')];
  const at = (i: number): [number, number] => [bucketX(x, model, i), y(panel.points[i]!.observed ?? 0)];
  const indexes = panel.points.map((_, i) => i);
  const line = kit.shape.line<number>().x((i) => at(i)[0]).y((i) => at(i)[1]).digits(1);
  const minSamples = panel.minSamples ?? 0;
  const any = panel.points.some((p) => p.observed !== null);
  if (minSamples > 0) parts.push(`<path class="metric-line faint" d="${line.defined((i) => panel.points[i]!.observed !== null)(indexes) ?? ''}"/>`);
  parts.push(`<path class="metric-line" d="${line.defined((i) => panel.points[i]!.observed !== null && panel.points[i]!.samples >= minSamples)(indexes) ?? ''}"/>`);
  const labelYs = spreadLabels(panel.thresholds.map((t) => y(t.value)), LABEL_GAP, TOP + 4, bottom - 4);
  panel.thresholds.forEach((t, i) => {
    const ty = num(y(t.value));
    parts.push(`<line class="threshold ${t.kind}" x1="${LEFT}" x2="${RIGHT}" y1="${ty}" y2="${ty}"/>`);
    parts.push(`<text class="threshold-label ${t.kind}" x="${RIGHT + LABEL_INSET}" y="${num(labelYs[i]!)}" dy="0.32em">${esc(t.label)}</text>`);
  });
  const now = panel.points[panel.points.length - 1];
  if (now && now.observed !== null) {
    const [cx, cy] = at(panel.points.length - 1);
    parts.push(`<circle class="now${now.samples >= minSamples ? '' : ' faint'}" cx="${num(cx)}" cy="${num(cy)}" r="3.5"><title>${esc(`${percent(now.observed)} (${now.hits}/${now.samples}) at ${day(model.endMs)}`)}</title></circle>`);
  }
  if (!any) parts.push(`<text class="empty" x="${num((LEFT + RIGHT) / 2)}" y="${num((TOP + bottom) / 2)}" text-anchor="middle">no samples in this period</text>`);
  parts.push(bottomAxis(x, bottom, TIME_TICKS));
  return svg(bottom + AXIS_HEIGHT, `${panel.label}, rolling window`, parts.join(''));
}
