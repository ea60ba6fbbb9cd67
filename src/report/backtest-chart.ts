/**
 * The backtest chart of `trust-gate report --backtest`: the phase each tested policy would have
 * had over the replayed range, one step line per policy over the phase rows, with ▲/▼ where it
 * would have promoted or demoted (hover: the criteria behind it), a strip per policy coloured
 * by why it held (failing, inconclusive, investigation), and the phase the state file records,
 * dashed, for comparison. Same layout and time scale as the report's other charts.
 */
import { formatInstant, parseInstant } from '../gate';
import { periods, type BacktestResult } from '../gate/backtest';
import { FRAME, phaseRows, svg, timeScale, type ChartKit } from './charts';
import type { ReportModel } from './model';
import { bottomAxis, esc, num } from './svg';

const ROW = 26;
const STRIP = 8;
const STRIP_GAP = 4;
const OFFSET = 3; // px between the lines of two policies, so equal phases stay visible

/** The CSS class of a hold period's colour in the strips. */
function holdClass(kind: string | null): string {
  return kind === 'failing' ? 'bt-failing' : kind === 'inconclusive' ? 'bt-inconclusive' : kind === 'investigation' || kind === 'violation' ? 'bt-investigation' : 'bt-other';
}

/** The chart, or an empty string without runs. */
export function backtestChart(kit: ChartKit, model: ReportModel, result: BacktestResult): string {
  if (result.runs.length === 0) return '';
  const { right, labelInset, timeTicks } = FRAME;
  const { y, bottom: phasesBottom, parts } = phaseRows(ROW);
  const x = timeScale(kit, model);
  const line = kit.shape.line().curve(kit.shape.curveStepAfter).digits(1);
  const startX = x(new Date(parseInstant(result.from)));
  const recorded: [number, number][] = [[startX, y(result.start.phase)]];
  for (const h of result.recorded) recorded.push([x(new Date(parseInstant(h.at))), y(h.to)]);
  recorded.push([right, recorded[recorded.length - 1]![1]]);
  parts.push(`<path class="bt-recorded" d="${line(recorded) ?? ''}"><title>the phase the state file records</title></path>`);
  result.runs.forEach((run, r) => {
    const dy = (r - (result.runs.length - 1) / 2) * OFFSET;
    const points: [number, number][] = [[startX, y(result.start.phase) + dy]];
    for (const s of run.changes) points.push([x(new Date(parseInstant(s.at))), y(s.to) + dy]);
    points.push([right, points[points.length - 1]![1]]);
    parts.push(`<path class="bt-line bt-run-${r % 4}" d="${line(points) ?? ''}"/>`);
    for (const s of run.changes) {
      const cx = x(new Date(parseInstant(s.at)));
      const cy = y(s.to) + dy;
      const up = s.action === 'promote';
      const d = up ? `M${num(cx)},${num(cy - 5)}L${num(cx + 5)},${num(cy + 4)}L${num(cx - 5)},${num(cy + 4)}Z` : `M${num(cx)},${num(cy + 5)}L${num(cx + 5)},${num(cy - 4)}L${num(cx - 5)},${num(cy - 4)}Z`;
      const why = s.criteria.length > 0 ? `: ${s.criteria.join(', ')}` : '';
      parts.push(`<path class="marker ${up ? 'promote' : 'demote'}" d="${d}"><title>${esc(`${run.name}: ${s.action} ${s.from} → ${s.to} at ${s.at}${why}`)}</title></path>`);
    }
  });
  let stripY = phasesBottom + STRIP_GAP;
  result.runs.forEach((run, r) => {
    for (const p of periods(run)) {
      if (p.action !== 'hold') continue;
      const x0 = x(new Date(parseInstant(p.from) - result.stepMs));
      const x1 = x(new Date(parseInstant(p.to)));
      const what = `${run.name}: hold at phase ${p.phase}${p.holdKind ? ` (${p.holdKind})` : ''} ${p.from} .. ${p.to}${p.criteria.length > 0 ? `: ${p.criteria.join(', ')}` : ''}`;
      parts.push(`<rect class="bt-hold ${holdClass(p.holdKind)}" x="${num(x0)}" y="${num(stripY)}" width="${num(Math.max(1, x1 - x0))}" height="${STRIP}"><title>${esc(what)}</title></rect>`);
    }
    parts.push(`<text class="row-label" x="${right + labelInset}" y="${num(stripY + STRIP / 2)}" dy="0.32em"><tspan class="bt-key bt-run-${r % 4}">━</tspan> ${esc(clipName(run.name))}</text>`);
    stripY += STRIP + STRIP_GAP;
  });
  parts.push(bottomAxis(x, stripY, timeTicks));
  return svg(stripY + FRAME.axisHeight, `Backtest from ${formatInstant(parseInstant(result.from))}: the phase under each policy`, parts.join(''));
}

function clipName(name: string): string {
  return name.length > 22 ? `…${name.slice(-21)}` : name;
}
