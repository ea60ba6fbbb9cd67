import { accessModels } from '../analysis/access';
import { diffOutputs, formatDiffJson, formatDiffMarkdown, formatDiffText, hasChanges } from '../analysis/diff';
import { readSynthOutput } from '../analysis/read';
import { TrustError } from '../errors';
import { agentFlag } from './access';
import { EXIT, formatFlag, parseFlags, type Io } from './io';

const USAGE = 'trust-gate diff BEFORE AFTER [--agent NAMESPACE/NAME] [--format text|json|markdown] [--detailed-exitcode]';

/** `trust-gate diff`: what each agent gains and loses between two synthesized outputs. */
export function diffCommand(argv: string[], io: Io): number {
  const { values, positionals } = parseFlags(
    argv,
    { agent: { type: 'string' }, format: { type: 'string' }, 'detailed-exitcode': { type: 'boolean' } },
    USAGE,
    true,
  );
  if (positionals.length !== 2) throw new TrustError('GT_USAGE', `expected BEFORE and AFTER, got ${positionals.length} folder(s)\nusage: ${USAGE}`);
  const format = formatFlag(values.format, ['text', 'json', 'markdown'] as const, 'text');
  const agent = agentFlag(values.agent);
  const before = accessModels(readSynthOutput(positionals[0]!), agent);
  const after = accessModels(readSynthOutput(positionals[1]!), agent);
  const diffs = diffOutputs(before, after);
  io.stdout(format === 'json' ? formatDiffJson(diffs) : format === 'markdown' ? formatDiffMarkdown(diffs) : formatDiffText(diffs));
  return values['detailed-exitcode'] && hasChanges(diffs) ? EXIT.changes : EXIT.ok;
}
