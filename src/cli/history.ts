import { phaseLabel } from '../phase/table';
import { readState } from '../state/file';
import { EXIT, formatFlag, parseFlags, required, warnings, type Io } from './io';

const USAGE = 'trust-gate history --state FILE [--format text|json]';

/** `trust-gate history`: the phase changes recorded in the state file, oldest first. */
export function historyCommand(argv: string[], io: Io): number {
  const { values } = parseFlags(argv, { state: { type: 'string' }, format: { type: 'string' } }, USAGE);
  const file = required(values.state, '--state', USAGE);
  const format = formatFlag(values.format, ['text', 'json'] as const, 'text');
  const state = readState(file, warnings(io, 'history'));
  const history = state.history ?? [];
  if (format === 'json') {
    io.stdout(JSON.stringify({ agent: state.agent, phase: state.phase, since: state.since, history }, null, 2) + '\n');
    return EXIT.ok;
  }
  if (history.length === 0) {
    io.stdout(`${state.agent}: no recorded phase changes; ${phaseLabel(state.phase)} since ${state.since}\n`);
    return EXIT.ok;
  }
  const lines = [`${state.agent}: ${history.length} phase change${history.length === 1 ? '' : 's'}, oldest first`];
  for (const h of history) {
    lines.push('', `${h.at}  ${h.from === null ? 'created' : phaseLabel(h.from)} -> ${phaseLabel(h.to)}  (${h.kind} by ${h.by})`);
    lines.push(...h.reasons.map((r) => `    ${r}`));
    if (h.revision) lines.push(`    revision ${h.revision}`);
    if (h.evidenceDigest) lines.push(`    evidence ${h.evidenceDigest}`);
    if (h.policyDigest) lines.push(`    policy ${h.policyDigest}`);
  }
  io.stdout(lines.join('\n') + '\n');
  return EXIT.ok;
}
