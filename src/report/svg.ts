/**
 * Small pieces for writing SVG and HTML as text, deterministically: escaping, rounded numbers,
 * and axes drawn from a d3 scale's own ticks and tick format.
 */

/** Escapes text for HTML and SVG content and attribute values. */
export function esc(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** A coordinate rounded to a tenth of a pixel, without `-0` or trailing zeros. */
export function num(value: number): string {
  const rounded = Math.round(value * 10) / 10;
  return String(rounded === 0 ? 0 : rounded);
}

/** What an axis needs from a d3 scale. */
export interface TickScale<T> {
  (value: T): number;
  ticks(count?: number): T[];
  tickFormat(count?: number, specifier?: string): (value: T) => string;
  range(): number[];
}

/**
 * A horizontal axis at `y`: the scale's ticks with its own multi-scale time or number format.
 * @param count about how many ticks (d3 picks round values near it)
 */
export function bottomAxis<T>(scale: TickScale<T>, y: number, count: number): string {
  const [x0, x1] = scale.range() as [number, number];
  const format = scale.tickFormat(count);
  const ticks = scale.ticks(count).map((t) => {
    const x = num(scale(t));
    return `<line x1="${x}" x2="${x}" y1="${num(y)}" y2="${num(y + 4)}"/><text x="${x}" y="${num(y + 18)}" text-anchor="middle">${esc(format(t))}</text>`;
  });
  return `<g class="axis"><line x1="${num(x0)}" x2="${num(x1)}" y1="${num(y)}" y2="${num(y)}"/>${ticks.join('')}</g>`;
}

/**
 * A vertical axis at `x` with grid lines across the plot to `gridTo`.
 * @param specifier a d3-format specifier for the labels, e.g. `%` or `d`
 */
export function leftAxis(scale: TickScale<number>, x: number, gridTo: number, count: number, specifier: string): string {
  const format = scale.tickFormat(count, specifier);
  const ticks = scale.ticks(count).map((t) => {
    const y = num(scale(t));
    return `<line class="grid" x1="${num(x)}" x2="${num(gridTo)}" y1="${y}" y2="${y}"/><text x="${num(x - 6)}" y="${y}" dy="0.32em" text-anchor="end">${esc(format(t))}</text>`;
  });
  return `<g class="axis">${ticks.join('')}</g>`;
}

/**
 * Vertical positions for labels wanted at `ys`, moved apart so none is closer than `gap` to the
 * next, and kept within `[top, bottom]`. Returns positions in the order given.
 */
export function spreadLabels(ys: readonly number[], gap: number, top: number, bottom: number): number[] {
  const order = ys.map((y, i) => ({ y, i })).sort((a, b) => a.y - b.y || a.i - b.i);
  const placed = order.map((o) => o.y);
  for (let k = 0; k < placed.length; k++) placed[k] = Math.max(placed[k]!, k === 0 ? top : placed[k - 1]! + gap);
  const overflow = placed.length > 0 ? placed[placed.length - 1]! - bottom : 0;
  if (overflow > 0) {
    placed[placed.length - 1] = bottom;
    for (let k = placed.length - 2; k >= 0; k--) placed[k] = Math.min(placed[k]!, placed[k + 1]! - gap);
  }
  const out = new Array<number>(ys.length);
  order.forEach((o, k) => (out[o.i] = placed[k]!));
  return out;
}
