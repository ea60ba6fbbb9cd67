import { awsApproval } from '../approvals/aws';
import { awsOutput, formatApprovalJson, formatApprovalText, kubernetesOutput, vaultOutput, type ApprovalOutput } from '../approvals/format';
import { checkApprover } from '../approvals/approver';
import { approveArgv, kubernetesApproval, parseResource } from '../approvals/kubernetes';
import { requireApprovalPhase } from '../approvals/scope';
import { vaultApproval, wrapTtlSeconds } from '../approvals/vault';
import { approvalEpoch } from '../definition/approvals';
import { TrustError } from '../errors';
import { readState } from '../state/file';
import { DEFAULT_DIST, readScope, runTool } from './approval-inputs';
import { EXIT, formatFlag, HelpRequested, parseFlags, required, type Io } from './io';

const USAGE = {
  kubernetes: 'trust-gate approve kubernetes --agent NAME --state FILE --action ACTION --resource GROUP/RESOURCE[/SUBRESOURCE] --namespace NS --name NAME --resource-version RV --by USER [--dist DIR | --definition FILE] [--apply] [--format text|json]',
  aws: 'trust-gate approve aws --agent NAME --state FILE --resource-arn ARN --by USER [--apply] [--format text|json]',
  vault: 'trust-gate approve vault --agent NAME --by USER [--ttl DURATION] [--state FILE] [--format text|json]',
} as const;

type Backend = keyof typeof USAGE;
const ALL_USAGE = Object.values(USAGE).join('\n       ');

const common = { agent: { type: 'string' }, by: { type: 'string' }, format: { type: 'string' } } as const;

function format(value: string | undefined) {
  return formatFlag(value, ['text', 'json'] as const, 'text');
}

function print(o: ApprovalOutput, fmt: 'text' | 'json', io: Io): void {
  io.stdout(fmt === 'json' ? formatApprovalJson(o) : formatApprovalText(o));
}

function kubernetes(argv: string[], io: Io): number {
  const usage = USAGE.kubernetes;
  const { values } = parseFlags(argv, {
    ...common, state: { type: 'string' }, action: { type: 'string' }, resource: { type: 'string' }, namespace: { type: 'string' },
    name: { type: 'string' }, 'resource-version': { type: 'string' }, dist: { type: 'string' }, definition: { type: 'string' }, apply: { type: 'boolean' },
  }, usage);
  const fmt = format(values.format);
  const agent = required(values.agent, '--agent', usage);
  const file = required(values.state, '--state', usage);
  const request = {
    action: required(values.action, '--action', usage),
    ...parseResource(required(values.resource, '--resource', usage)),
    namespace: required(values.namespace, '--namespace', usage),
    name: required(values.name, '--name', usage),
    resourceVersion: required(values['resource-version'], '--resource-version', usage),
    by: required(values.by, '--by', usage),
  };
  const state = readState(file);
  requireApprovalPhase(state, agent, file);
  const scope = readScope(values, state, DEFAULT_DIST)!;
  const approval = kubernetesApproval(scope, request);
  const command = approveArgv(approval);
  print(kubernetesOutput(scope, approval, command, file), fmt, io);
  if (values.apply) runTool(command, io, fmt === 'json');
  return EXIT.ok;
}

function aws(argv: string[], io: Io): number {
  const usage = USAGE.aws;
  const { values } = parseFlags(argv, { ...common, state: { type: 'string' }, 'resource-arn': { type: 'string' }, apply: { type: 'boolean' } }, usage);
  const fmt = format(values.format);
  const agent = required(values.agent, '--agent', usage);
  const file = required(values.state, '--state', usage);
  const arn = required(values['resource-arn'], '--resource-arn', usage);
  const by = required(values.by, '--by', usage);
  checkApprover(by);
  const state = readState(file);
  requireApprovalPhase(state, agent, file);
  const epoch = approvalEpoch(state.since);
  const approval = awsApproval(agent, epoch, arn);
  print(awsOutput({ agent: { name: agent, namespace: '' }, phase: state.phase, epoch }, approval, by), fmt, io);
  if (values.apply) runTool(approval.tagArgv, io, fmt === 'json');
  return EXIT.ok;
}

function vault(argv: string[], io: Io): number {
  const usage = USAGE.vault;
  const { values } = parseFlags(argv, { ...common, ttl: { type: 'string' }, state: { type: 'string' } }, usage);
  const fmt = format(values.format);
  const agent = required(values.agent, '--agent', usage);
  const by = required(values.by, '--by', usage);
  checkApprover(by);
  if (values.state !== undefined) requireApprovalPhase(readState(values.state), agent, values.state);
  print(vaultOutput(agent, vaultApproval(agent, by, wrapTtlSeconds(values.ttl)), by), fmt, io);
  return EXIT.ok;
}

const BACKENDS: Record<Backend, (argv: string[], io: Io) => number> = { kubernetes, aws, vault };

/** `trust-gate approve kubernetes|aws|vault`: prints (and for kubernetes and aws with --apply runs) the command for one approval. */
export function approveCommand(argv: string[], io: Io): number {
  const [backend, ...rest] = argv;
  if (backend === undefined || backend === '--help' || backend === '-h') throw new HelpRequested(ALL_USAGE);
  const run = BACKENDS[backend as Backend];
  if (!run) throw new TrustError('GT_USAGE', `unknown backend "${backend}"; use kubernetes, aws or vault\nusage: ${ALL_USAGE}`);
  return run(rest, io);
}
