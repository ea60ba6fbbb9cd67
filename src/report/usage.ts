/**
 * The trust report's "Grant usage" section: each grant of the agent with its uses per day over
 * the usage window, as a row of bars, from `trust-gate usage --format json`.
 */
import type { UsageReport } from '../usage/model';
import { esc } from './svg';

const BACKENDS = [['kubernetes', 'Kubernetes API'], ['vault', 'Vault'], ['aws', 'AWS IAM']] as const;
const BARS = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
const DAY_MS = 86_400_000;

/** Every day from the first to the last day with a use in the report, `YYYY-MM-DD`. */
function days(r: UsageReport): string[] {
  const all = BACKENDS.flatMap(([k]) => r[k].used.flatMap((g) => Object.keys(g.daily))).sort();
  if (all.length === 0) return [];
  const out: string[] = [];
  for (let t = Date.parse(all[0]!); t <= Date.parse(all[all.length - 1]!); t += DAY_MS) out.push(new Date(t).toISOString().slice(0, 10));
  return out;
}

/** The section's HTML; empty without a usage report. */
export function usageSection(r: UsageReport | null): string {
  if (!r) return '';
  const span = days(r);
  const rows: string[] = [];
  for (const [key, title] of BACKENDS) {
    if (!r[key].read) continue;
    for (const g of [...r[key].used, ...r[key].unused]) {
      const top = Math.max(1, ...Object.values(g.daily));
      const bars = span.map((d) => (g.daily[d] ? BARS[Math.min(BARS.length - 1, Math.floor((g.daily[d]! / top) * (BARS.length - 1)))] : '·')).join('');
      rows.push(`<tr><td>${esc(title)}</td><td><code>${esc(g.grant)}</code></td><td class="n">${g.count}</td><td class="n">${esc(g.lastUse ?? 'never')}</td>` +
        `<td class="nw"><code>${esc(bars)}</code></td></tr>`);
    }
  }
  return [
    '<section id="usage"><h2>Grant usage</h2>',
    `<p class="note">From the audit logs (trust-gate usage): uses per day of each grant${span.length > 0 ? `, ${esc(span[0]!)} to ${esc(span[span.length - 1]!)}` : ''}; · is a day without use.</p>`,
    rows.length === 0
      ? '<p class="note">No audit log was read.</p>'
      : `<div class="wide"><table><thead><tr><th>Backend</th><th>Grant</th><th class="n">Uses</th><th class="n">Last use</th><th>Per day</th></tr></thead><tbody>${rows.join('')}</tbody></table></div>`,
    '</section>',
  ].join('\n');
}
