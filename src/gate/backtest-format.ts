/**
 * Reports of a backtest: text for people (periods per policy, when each phase was first
 * reached, and what the state file records), JSON for tools. Deterministic.
 */
import { phaseLabel, PHASE_VALUES, type Phase } from '../phase/table';
import { periods, type BacktestResult, type BacktestRun } from './backtest';
import { parseInstant } from './instant';

const DAY_MS = 86_400_000;

/** `1 day`, `12 hours`, `90 minutes`. */
export function describeStep(ms: number): string {
  const [n, unit] = ms % DAY_MS === 0 ? [ms / DAY_MS, 'day'] : ms % 3_600_000 === 0 ? [ms / 3_600_000, 'hour'] : [ms / 60_000, 'minute'];
  return `${n} ${unit}${n === 1 ? '' : 's'}`;
}

/** When a run first reached each phase it reached after the start. */
export function firstReached(run: BacktestRun): Partial<Record<Phase, string>> {
  const out: Partial<Record<Phase, string>> = {};
  for (const s of run.changes) if (out[s.to] === undefined) out[s.to] = s.at;
  return out;
}

function days(fromIso: string, toIso: string): string {
  const d = (parseInstant(toIso) - parseInstant(fromIso)) / DAY_MS;
  return `${d > 0 ? '+' : ''}${Number(d.toFixed(1))} days`;
}

function runLines(run: BacktestRun): string[] {
  const lines = [`policy ${run.name} (${run.policyDigest})`];
  for (const p of periods(run)) {
    const when = p.steps === 1 ? p.from : `${p.from} .. ${p.to} (${p.steps} steps)`;
    const what = p.action === 'hold'
      ? `hold at ${p.phase}${p.holdKind ? ` (${p.holdKind})` : ''}${p.criteria.length > 0 ? `: ${p.criteria.join(', ')}` : ''}`
      : `${p.action.toUpperCase()} ${p.phase} -> ${p.toPhase}${p.criteria.length > 0 ? `: ${p.criteria.join(', ')}` : ''}`;
    lines.push(`  ${when}  ${what}`);
  }
  lines.push(`  ends at ${phaseLabel(run.final.phase)} since ${run.final.since}${run.final.held ? ', on hold' : ''}`);
  return lines;
}

/** A readable report: each policy's periods, then how the policies compare, then the recorded history. */
export function formatBacktestText(result: BacktestResult): string {
  const r = result;
  const lines = [
    `${r.agent}: backtest from ${r.from} to ${r.to}, every ${describeStep(r.stepMs)}: ${r.evaluations} evaluations per policy`,
    `start: ${phaseLabel(r.start.phase)} since ${r.start.since}${r.start.revision ? `, revision ${r.start.revision}` : ''}`,
  ];
  for (const run of r.runs) lines.push('', ...runLines(run));
  if (r.runs.length > 1) {
    lines.push('', 'first reached:');
    const reached = r.runs.map(firstReached);
    const base = reached[0]!;
    for (const p of PHASE_VALUES) {
      if (reached.every((x) => x[p] === undefined)) continue;
      const cells = r.runs.map((run, i) => {
        const at = reached[i]![p];
        const delta = i > 0 && at && base[p] ? ` (${days(base[p]!, at)})` : '';
        return `${run.name} ${at ?? 'never'}${delta}`;
      });
      lines.push(`  ${phaseLabel(p)}: ${cells.join('; ')}`);
    }
  }
  lines.push('', r.recorded.length === 0 ? 'recorded in the state file in this range: nothing' : 'recorded in the state file in this range:');
  for (const h of r.recorded) lines.push(`  ${h.at}  ${h.from === null ? 'created' : phaseLabel(h.from)} -> ${phaseLabel(h.to)}  (${h.kind} by ${h.by})`);
  return lines.join('\n') + '\n';
}

/** Exactly one JSON object and a newline. */
export function formatBacktestJson(result: BacktestResult): string {
  return JSON.stringify({ ...result, runs: result.runs.map((run) => ({ ...run, periods: periods(run) })) }, null, 2) + '\n';
}
