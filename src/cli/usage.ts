import { readSynthOutput } from '../analysis/read';
import { TrustError } from '../errors';
import { fileSource } from '../gate/files';
import { parseInstant } from '../gate/instant';
import { formatUsageJson, formatUsageMarkdown, formatUsageText } from '../usage/format';
import { formatDiffMarkdown, formatDiffText } from '../analysis/diff';
import { isPhase } from '../phase/table';
import { narrowingDiff } from '../usage/blast';
import { readDefinitionFile } from '../usage/definition-file';
import { formatNextPhase, proposeNextPhase } from '../usage/next-phase';
import { formatNarrowingPatch, proposeNarrowing } from '../usage/propose';
import { readUsage, usedRequests, type UsageInput, type UsageWindow } from '../usage/read';
import { agentFlag } from './access';
import { EXIT, formatFlag, parseFlags, required, type Io } from './io';

const USAGE = 'trust-gate usage DIR --agent NAMESPACE/NAME [--since TIME] [--until TIME] [--k8s-audit FILE] ' +
  '[--cloudtrail FILE --aws-role-arn ARN] [--vault-audit FILE [--vault-role ROLE]] [--definition FILE[#EXPORT] [--phase N]] [--format text|json|markdown]';

const FLAGS = {
  agent: { type: 'string' }, since: { type: 'string' }, until: { type: 'string' }, format: { type: 'string' },
  'k8s-audit': { type: 'string', multiple: true }, cloudtrail: { type: 'string', multiple: true }, 'aws-role-arn': { type: 'string' },
  'vault-audit': { type: 'string', multiple: true }, 'vault-role': { type: 'string' },
  definition: { type: 'string' }, phase: { type: 'string' },
} as const;

function instantFlag(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const ms = parseInstant(value);
  if (Number.isNaN(ms)) throw new TrustError('GT_USAGE', `${flag} "${value}" is not an ISO-8601 time with a zone; use e.g. 2026-11-01T00:00:00Z`);
  return ms;
}

/** `trust-gate usage`: which grants of an agent its allowed requests used in a window, and which never. */
export async function usageCommand(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parseFlags(argv, FLAGS, USAGE, true);
  if (positionals.length !== 1) throw new TrustError('GT_USAGE', `expected one DIR (the synthesized output), got ${positionals.length}\nusage: ${USAGE}`);
  const format = formatFlag(values.format, ['text', 'json', 'markdown'] as const, 'text');
  const agent = agentFlag(required(values.agent, '--agent', USAGE))!;
  const window: UsageWindow = { sinceMs: instantFlag(values.since, '--since'), untilMs: instantFlag(values.until, '--until') };
  if (window.sinceMs !== undefined && window.untilMs !== undefined && window.sinceMs >= window.untilMs) {
    throw new TrustError('GT_USAGE', `--since ${values.since} is not before --until ${values.until}; swap them or widen the window`);
  }
  const cloudtrail = values.cloudtrail ?? [];
  if (cloudtrail.length > 0 && !values['aws-role-arn']) throw new TrustError('GT_USAGE', `--cloudtrail needs --aws-role-arn (the agent's role; CloudTrail names it by ARN)\nusage: ${USAGE}`);
  const inputs: UsageInput[] = [
    ...(values['k8s-audit'] ?? []).map((f): UsageInput => ({ kind: 'k8s-audit', source: fileSource(f) })),
    ...cloudtrail.map((f): UsageInput => ({ kind: 'cloudtrail', source: fileSource(f), roleArn: values['aws-role-arn']! })),
    ...(values['vault-audit'] ?? []).map((f): UsageInput => ({ kind: 'vault-audit', source: fileSource(f), ...(values['vault-role'] ? { role: values['vault-role'] } : {}) })),
  ];
  if (inputs.length === 0) throw new TrustError('GT_USAGE', `give at least one audit log (--k8s-audit, --cloudtrail or --vault-audit)\nusage: ${USAGE}`);
  const definition = values.definition === undefined ? undefined : readDefinitionFile(values.definition);
  if (definition && (definition.namespace !== agent.namespace || definition.name !== agent.name)) {
    throw new TrustError('GT_USAGE', `--definition is agent ${definition.namespace}/${definition.name}, --agent is ${agent.namespace}/${agent.name}; give the definition of the agent whose logs are read`);
  }
  const counts = await readUsage(readSynthOutput(positionals[0]!), agent, inputs, window);
  const { report } = counts;
  if (!definition) {
    io.stdout(format === 'json' ? formatUsageJson(report) : format === 'markdown' ? formatUsageMarkdown(report) : formatUsageText(report));
    return EXIT.ok;
  }
  const phase = values.phase === undefined ? report.phase : Number(values.phase);
  if (!isPhase(phase)) {
    throw new TrustError('GT_USAGE', `${values.phase === undefined ? 'the output records no phase' : `--phase "${values.phase}" is not a phase`}; pass --phase 1, 2, 3 or 4 (the phase the logs were written in)`);
  }
  const narrowing = proposeNarrowing(definition, phase, usedRequests(counts));
  const blast = narrowingDiff(definition, narrowing, { kubernetes: {} });
  const next = proposeNextPhase(definition, phase, counts.kubernetes.writes.values());
  const nextText = next ? formatNextPhase(next) : '';
  if (format === 'json') io.stdout(JSON.stringify({ usage: report, proposal: { phase, changes: narrowing.changes, definition: narrowing.definition }, blastRadius: blast, nextPhase: next }, null, 2) + '\n');
  else if (format === 'markdown') {
    const fence = (text: string, lang = '') => `\`\`\`${lang}\n${text}\`\`\`\n`;
    io.stdout(`${formatUsageMarkdown(report)}#### Proposed for the next phase: a narrower definition\n\n${fence(formatNarrowingPatch(narrowing), 'diff')}\n${formatDiffMarkdown(blast)}${next ? `\n#### Proposed for the next phase: the autonomous tier\n\n${fence(nextText)}` : ''}`);
  } else io.stdout(`${formatUsageText(report)}\n${formatNarrowingPatch(narrowing)}\nblast radius (Kubernetes, synthesized at phase ${phase}):\n${formatDiffText(blast)}${next ? `\n${nextText}` : ''}`);
  return EXIT.ok;
}
