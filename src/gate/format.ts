/**
 * Reports of a decision: JSON for tools, a text table for people, a markdown PR body a reviewer
 * can approve from, and a conventional commit message with trust trailers. Pure and
 * deterministic: the same decision gives the same bytes. Lists that grow with the input (scope
 * violations acted on, pending ones) are complete in JSON and cut to their first
 * `LISTED` entries in text and markdown.
 */
import { PHASES, phaseAbove, phaseLabel } from '../phase/table';
import type { Digests } from './apply';
import { describeInterval, describeObserved, describeThreshold, percent, type GateResult } from './criteria';
import type { Decision } from './decide';
import type { Violation } from './violations';

/** The report formats `trust-gate evaluate --format` accepts. */
export const FORMATS = ['text', 'json', 'markdown', 'commit'] as const;

/** A report format. */
export type Format = (typeof FORMATS)[number];

/** How many violations text and markdown list; JSON lists them all. */
const LISTED = 20;

/** The JSON report as an object: the decision with its digests. */
export function decisionJson(decision: Decision, digests: Digests): Record<string, unknown> {
  return {
    agent: decision.agent,
    from: decision.from,
    to: decision.to,
    action: decision.action,
    holdKind: decision.holdKind,
    at: decision.at,
    reasons: decision.reasons,
    gates: decision.gates,
    missing: decision.missing,
    hold: decision.hold,
    holdLiftedBy: decision.holdLiftedBy,
    violations: decision.violations,
    refused: decision.refused,
    revision: decision.revision,
    counts: decision.counts,
    windows: decision.windows,
    changesState: decision.changesState,
    evidenceDigest: digests.evidence,
    policyDigest: digests.policy,
  };
}

/** Exactly one JSON object and a newline. */
export function formatJson(decision: Decision, digests: Digests): string {
  return JSON.stringify(decisionJson(decision, digests), null, 2) + '\n';
}

function headline(d: Decision): string {
  switch (d.action) {
    case 'promote': return `promote ${d.agent} to ${phaseLabel(d.to)}`;
    case 'demote': return `demote ${d.agent} to ${phaseLabel(d.to)}`;
    case 'hold': return `hold ${d.agent} at ${phaseLabel(d.from)}`;
  }
}

/** `HOLD (inconclusive)`, `PROMOTE`. */
function actionLabel(d: Decision): string {
  return `${d.action.toUpperCase()}${d.holdKind ? ` (${d.holdKind})` : ''}`;
}

function required(g: GateResult): string {
  const text = describeThreshold(g.metric, g.required);
  return g.minSamples === undefined ? text : `${text} (if ≥ ${g.minSamples} samples)`;
}

/** The samples column: empty for the soak time, which is not counted in samples. */
function samples(g: GateResult): string {
  return g.metric === 'daysInPhase' ? '' : String(g.samples);
}

/** The result column: pass, FAIL, INCONCLUSIVE, DEMOTES. */
export function resultText(g: GateResult): string {
  if (g.verdict === 'pass') return 'pass';
  if (g.verdict === 'inconclusive') return 'INCONCLUSIVE';
  return g.kind === 'demotion' ? 'DEMOTES' : 'FAIL';
}

/** The interval column's heading, e.g. `95% interval`. */
function intervalHeading(d: Decision): string {
  const level = d.gates.find((g) => g.interval)?.interval?.confidence;
  return level === undefined ? 'interval' : `${percent(level)} interval`;
}

function table(rows: string[][]): string[] {
  const widths = rows[0]!.map((_, i) => rows.reduce((w, r) => Math.max(w, r[i]!.length), 0));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd());
}

function countsLine(d: Decision): string {
  const c = d.counts;
  const revisions = c.otherRevisions > 0 ? `; ${c.otherRevisions} of another revision not counted for promotion` : '';
  return `${c.records} records read; ${c.otherAgents} of other agents ignored; ${c.future} later than now ignored; ${c.duplicates} replaced by a later record of the same incident${revisions}`;
}

function nextLabel(d: Decision): string | undefined {
  const next = phaseAbove(d.from);
  return next === undefined ? undefined : phaseLabel(next);
}

function violationLine(v: Violation): string {
  return `${v.at} (${v.source}): ${v.detail} [${v.where}]`;
}

/** At most LISTED items, and how many more there are. */
function listed<T>(items: readonly T[], line: (item: T) => string, more: (n: number) => string): string[] {
  const out = items.slice(0, LISTED).map(line);
  if (items.length > LISTED) out.push(more(items.length - LISTED));
  return out;
}

/** A readable report: headline, a table of observed vs required per gate, why, what is missing. */
export function formatText(decision: Decision, digests: Digests): string {
  const d = decision;
  const lines = [`${d.agent}: ${actionLabel(d)} ${phaseLabel(d.from)} -> ${phaseLabel(d.to)}`, `evaluated at ${d.at}`, ''];
  lines.push(...table([
    ['gate', 'observed', intervalHeading(d), 'required', 'samples', 'result'],
    ...d.gates.map((g) => [g.name, describeObserved(g), describeInterval(g), required(g), samples(g), resultText(g)]),
  ]).map((l) => `  ${l}`));
  lines.push('', 'why:', ...d.reasons.map((r) => `  - ${r}`));
  const next = nextLabel(d);
  if (d.missing.length > 0 && next) lines.push(`missing for ${next}:`, ...d.missing.map((m) => `  - ${m.text}`));
  lines.push(`hold: ${d.hold ? `since ${d.hold.since}, until an investigation-closed record later than ${d.hold.actedAt ?? d.hold.violationAt}` : 'none'}`);
  if (d.revision) lines.push(`revision: ${d.revision} (promotion counts its records and records without a revision)`);
  lines.push(`windows: ${phaseLabel(d.from)} from ${d.windows.phase.from}; recent from ${d.windows.recent.from}${d.windows.recent.afterDemotion ? ' (after the last demotion)' : ''} to ${d.windows.recent.to}`);
  lines.push(`records: ${countsLine(d)}`);
  for (const a of d.counts.audit) lines.push(`audit: ${a.kind} ${a.name}: ${a.records} records, ${a.denials} denials to the agent`);
  const v = d.violations;
  lines.push(`violations: ${v.new.length} new, ${v.seen} seen, ${v.actedBefore} acted on before, ${v.future} pending (later than now)`);
  if (v.pending.length > 0) {
    lines.push('pending violations (acted on once now passes them):', ...listed(v.pending, (p) => `  - ${violationLine(p)}`, (n) => `  - ... and ${n} more (all in --format json)`));
  }
  lines.push(`evidence ${digests.evidence}; policy ${digests.policy}`);
  return lines.join('\n') + '\n';
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

/** Approving reviewers a promotion needs: the phase table's minimum for the target phase, raised by the policy's sign-offs. */
function reviewersFor(d: Decision): number {
  const signoffs = d.gates.find((g) => g.kind === 'promotion' && g.metric === 'signoffs');
  const asked = signoffs && 'atLeast' in signoffs.required ? signoffs.required.atLeast : 0;
  return Math.max(PHASES[d.to].promotionApprovals, asked);
}

function violationRows(title: string, violations: readonly Violation[]): string[] {
  if (violations.length === 0) return [];
  return ['', title, '| At | Source | Detail | Where |', '|---|---|---|---|',
    ...listed(violations, (v) => `| ${v.at} | ${cell(v.source)} | ${cell(v.detail)} | \`${cell(v.where)}\` |`, (n) => `| … | | and ${n} more (all in \`--format json\`) | |`)];
}

const MARKS = { pass: '✅', fail: '❌', inconclusive: '❔' } as const;

/** A pull-request body a reviewer can approve from. */
export function formatMarkdown(decision: Decision, digests: Digests): string {
  const d = decision;
  const out = [
    `## Trust gate: ${headline(d)}`,
    '',
    '| | |',
    '|---|---|',
    `| Agent | \`${d.agent}\` |`,
    `| Decision | **${d.action}**${d.holdKind ? ` (${d.holdKind})` : ''}: ${phaseLabel(d.from)} → ${phaseLabel(d.to)} |`,
    `| ${phaseLabel(d.to)} | ${PHASES[d.to].summary} |`,
    `| Evaluated at | ${d.at} |`,
    ...(d.revision ? [`| Revision | \`${cell(d.revision)}\` |`] : []),
    `| Evidence | \`${digests.evidence}\` |`,
    `| Policy | \`${digests.policy}\` |`,
    '',
    '### Why',
    ...d.reasons.map((r) => `- ${cell(r)}`),
    '',
    '### Gates',
    `| Gate | Observed | ${intervalHeading(d)} | Required | Samples | |`,
    '|---|---|---|---|---|---|',
    ...d.gates.map((g) => `| ${g.name} | ${describeObserved(g)} | ${describeInterval(g)} | ${required(g)} | ${samples(g)} | ${MARKS[g.verdict]} |`),
  ];
  const next = nextLabel(d);
  if (d.missing.length > 0 && next) out.push('', `### Missing for ${next}`, ...d.missing.map((m) => `- ${cell(m.text)}`));
  out.push(...violationRows('### Scope violations acted on now', d.violations.new));
  out.push(...violationRows('### Pending scope violations (later than now: acted on once now passes them)', d.violations.pending));
  if (d.hold) out.push('', `**Hold** since ${d.hold.since}: no promotion until an \`investigation-closed\` record later than ${d.hold.actedAt ?? d.hold.violationAt}.`);
  out.push('', '### Review');
  if (d.action === 'demote') {
    out.push('**Urgent.** Demotions are never blocked on gates: merge this now so the reduced access is synthesized and deployed. Investigate afterwards.');
  } else if (d.action === 'promote') {
    const n = reviewersFor(d);
    out.push(`Approve this pull request to commit the promotion to ${phaseLabel(d.to)}. It needs ${n} approving reviewer${n === 1 ? '' : 's'}` +
      `${n > 1 ? ` (the policy asks ${n} distinct sign-offs for ${d.from}->${d.to})` : ''}. Check the gates above against the evidence digest.`);
  } else {
    out.push(d.changesState
      ? 'The phase stays; this records which violations were acted on and the hold. Merge to keep the bookkeeping.'
      : 'Nothing to approve: the phase stays and the state file would not change.');
  }
  out.push('', `Records: ${countsLine(d)}.`);
  return out.join('\n') + '\n';
}

/**
 * A conventional commit message for the state-file change, with trailers
 * `Trust-Phase: 2 -> 3`, `Trust-Evidence: sha256:…`, `Trust-Policy: sha256:…`.
 */
export function formatCommit(decision: Decision, digests: Digests): string {
  const d = decision;
  return [
    `chore(trust): ${headline(d)}`,
    '',
    ...d.reasons.map((r) => `- ${r}`),
    '',
    `Trust-Phase: ${d.from} -> ${d.to}`,
    `Trust-Evidence: ${digests.evidence}`,
    `Trust-Policy: ${digests.policy}`,
  ].join('\n') + '\n';
}

/** The report in `format`. */
export function formatDecision(decision: Decision, digests: Digests, format: Format): string {
  switch (format) {
    case 'text': return formatText(decision, digests);
    case 'json': return formatJson(decision, digests);
    case 'markdown': return formatMarkdown(decision, digests);
    case 'commit': return formatCommit(decision, digests);
  }
}
