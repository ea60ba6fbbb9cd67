import { phaseLabel, PHASES } from '../phase/table';
import { readState } from '../state/file';
import { EXIT, formatFlag, parseFlags, required, warnings, type Io } from './io';

const USAGE = 'trust-gate status --state FILE [--format text|json]';

/** `trust-gate status`: the committed phase. */
export function statusCommand(argv: string[], io: Io): number {
  const { values } = parseFlags(argv, { state: { type: 'string' }, format: { type: 'string' } }, USAGE);
  const file = required(values.state, '--state', USAGE);
  const format = formatFlag(values.format, ['text', 'json'] as const, 'text');
  const state = readState(file, warnings(io, 'status'));
  if (format === 'json') {
    io.stdout(JSON.stringify({
      agent: state.agent, phase: state.phase, phaseName: PHASES[state.phase].name, since: state.since,
      hold: state.hold ?? null, revision: state.revision ?? null, changes: state.history?.length ?? 0,
    }) + '\n');
    return EXIT.ok;
  }
  const lines = [
    `agent:  ${state.agent}`,
    `phase:  ${phaseLabel(state.phase)}: ${PHASES[state.phase].summary}`,
    `since:  ${state.since}`,
  ];
  if (state.revision) lines.push(`revision: ${state.revision.id} (since ${state.revision.since})`);
  if (state.hold) lines.push(`hold:   ${state.hold.reason} (since ${state.hold.since})`);
  io.stdout(lines.join('\n') + '\n');
  return EXIT.ok;
}
