import { approvalsConfigMapOf, approvalsReport, formatApprovalsJson, formatApprovalsText, hasDeadEntries } from '../approvals/list';
import { requireAgent } from '../approvals/scope';
import { approvalEpoch } from '../definition/approvals';
import { TrustError } from '../errors';
import { readState } from '../state/file';
import { parseYaml, readInput, readScope } from './approval-inputs';
import { EXIT, formatFlag, parseFlags, required, type Io } from './io';

const USAGE = 'trust-gate approvals --agent NAME --state FILE --configmap FILE|- [--dist DIR | --definition FILE] [--format text|json] [--detailed-exitcode]';

/**
 * `trust-gate approvals`: every entry of the approvals ConfigMap with what it still admits, and
 * the command removing those that admit nothing. Exit 2 with --detailed-exitcode when there are some.
 */
export function approvalsCommand(argv: string[], io: Io): number {
  const { values } = parseFlags(argv, {
    agent: { type: 'string' }, state: { type: 'string' }, configmap: { type: 'string' }, dist: { type: 'string' }, definition: { type: 'string' },
    format: { type: 'string' }, 'detailed-exitcode': { type: 'boolean' },
  }, USAGE);
  const fmt = formatFlag(values.format, ['text', 'json'] as const, 'text');
  const agent = required(values.agent, '--agent', USAGE);
  const file = required(values.state, '--state', USAGE);
  const source = required(values.configmap, '--configmap', USAGE);
  const state = readState(file);
  requireAgent(state, agent, file);
  const where = source === '-' ? 'stdin' : source;
  const cm = approvalsConfigMapOf(parseYaml(readInput(source, '--configmap'), where), agent, where);
  const declared = readScope(values, state, undefined);
  if (declared && declared.agent.namespace !== cm.namespace) {
    throw new TrustError('GT_INPUT', `is in namespace ${cm.namespace}, but ${agent} lives in ${declared.agent.namespace} according to ${declared.source}; export the ConfigMap from ${declared.agent.namespace}`, where);
  }
  const scope = declared ?? { agent: { name: agent, namespace: cm.namespace }, phase: state.phase, epoch: approvalEpoch(state.since), writes: [], source: file };
  const report = approvalsReport(scope, cm, declared !== undefined);
  io.stdout(fmt === 'json' ? formatApprovalsJson(report) : formatApprovalsText(report));
  return values['detailed-exitcode'] && hasDeadEntries(report) ? EXIT.changes : EXIT.ok;
}
