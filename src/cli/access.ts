import { accessModels, formatAccessJson, formatAccessMarkdown, formatAccessText } from '../analysis/access';
import { parseAgentRef, type AgentRef } from '../analysis/model';
import { readSynthOutput } from '../analysis/read';
import { TrustError } from '../errors';
import { EXIT, formatFlag, parseFlags, type Io } from './io';

const USAGE = 'trust-gate access DIR [--agent NAMESPACE/NAME] [--format text|json|markdown]';

/** Parses `--agent NAMESPACE/NAME`. */
export function agentFlag(value: string | undefined): AgentRef | undefined {
  if (value === undefined) return undefined;
  const ref = parseAgentRef(value);
  if (!ref) throw new TrustError('GT_USAGE', `--agent "${value}" is not NAMESPACE/NAME; use e.g. ops-agents/incident-responder`);
  return ref;
}

/** `trust-gate access`: what each agent can actually do according to a synthesized output. */
export function accessCommand(argv: string[], io: Io): number {
  const { values, positionals } = parseFlags(argv, { agent: { type: 'string' }, format: { type: 'string' } }, USAGE, true);
  if (positionals.length !== 1) throw new TrustError('GT_USAGE', `expected one DIR, got ${positionals.length}\nusage: ${USAGE}`);
  const format = formatFlag(values.format, ['text', 'json', 'markdown'] as const, 'text');
  const models = accessModels(readSynthOutput(positionals[0]!), agentFlag(values.agent));
  io.stdout(format === 'json' ? formatAccessJson(models) : format === 'markdown' ? formatAccessMarkdown(models) : formatAccessText(models));
  return EXIT.ok;
}
