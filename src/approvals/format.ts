/**
 * What `trust-gate approve` prints for each backend: what is approved, the command, and what the
 * operator must know (who runs it, when it stops admitting, how to clean up). Pure: the CLI prints it.
 */
import { phaseLabel } from '../phase/table';
import type { AwsApproval } from './aws';
import { resourceText } from './approver';
import type { KubernetesApproval } from './kubernetes';
import type { ApprovalScope } from './scope';
import { shellLine } from './shell';
import type { VaultApproval } from './vault';

/** One printed approval. */
export interface ApprovalOutput {
  readonly backend: 'kubernetes' | 'aws' | 'vault';
  readonly agent: string;
  /** One line: what is approved. */
  readonly summary: string;
  /** The command that gives the approval, as argv. */
  readonly command: readonly string[];
  /** What the operator must know, one sentence each. */
  readonly notes: readonly string[];
  /** Backend details (key and value, tag, role). */
  readonly details: Readonly<Record<string, unknown>>;
}

/** The Kubernetes approval as output. */
export function kubernetesOutput(scope: ApprovalScope, a: KubernetesApproval, command: readonly string[], stateFile: string): ApprovalOutput {
  const r = a.ref;
  return {
    backend: 'kubernetes',
    agent: scope.agent.name,
    summary: `approve ${r.action} on ${resourceText(r)} ${r.namespace}/${r.name} at resourceVersion ${r.resourceVersion} for ${scope.agent.name} (${phaseLabel(scope.phase)}, epoch ${scope.epoch}), as ${a.value}`,
    command,
    notes: [
      `Run it as ${a.value}: the approvals guard admits the entry only from an approver whose username is its value (check with kubectl auth whoami).`,
      'It admits exactly one write: the write changes the object\'s resourceVersion, so the key matches nothing afterwards.',
      `List used and stale entries to remove: kubectl -n ${a.configMap.namespace} get configmap ${a.configMap.name} -o yaml | ${shellLine(['trust-gate', 'approvals', '--agent', scope.agent.name, '--state', stateFile, '--configmap', '-'])}`,
    ],
    details: { key: a.key, value: a.value, configMap: a.configMap, ref: a.ref },
  };
}

/** The AWS approval as output. */
export function awsOutput(scope: Pick<ApprovalScope, 'agent' | 'phase' | 'epoch'>, a: AwsApproval, by: string): ApprovalOutput {
  return {
    backend: 'aws',
    agent: scope.agent.name,
    summary: `approve ${scope.agent.name}'s declared writes on ${a.resourceArn} (${phaseLabel(scope.phase)}, epoch ${scope.epoch}), as ${by}`,
    command: a.tagArgv,
    notes: [
      'Not single-use by itself: IAM cannot consume a tag, so it admits every declared write on this resource until it is removed. Remove it as soon as the write is done:',
      `  ${shellLine(a.untagArgv)}`,
      `The epoch voids it when ${scope.agent.name} re-enters a phase (after a demotion, say): the write statements then require another value. CloudTrail records who tagged.`,
    ],
    details: { resourceArn: a.resourceArn, tag: a.tag, untag: a.untagArgv },
  };
}

/** The Vault approval as output. */
export function vaultOutput(agent: string, a: VaultApproval, by: string): ApprovalOutput {
  return {
    backend: 'vault',
    agent,
    summary: `approve one Vault write of ${agent}: a single-use token of the token role ${a.role}, wrapped for ${a.wrapTtlSeconds}s, as ${by}`,
    command: a.argv,
    notes: [
      `Hand the printed wrapping_token (not the token) to ${agent} within ${a.wrapTtlSeconds}s; it unwraps it once (vault unwrap TOKEN) and makes its write. A wrapping token that was already unwrapped means someone else got it: do not approve again before you know who.`,
      'The token carries only the approval policy, no default policy, and is revoked after its uses (token_num_uses, 1 by default) or its explicit max TTL (900s by default).',
      `Vault refuses a wrap TTL above the approver policy's max_wrapping_ttl (300s unless vault.approvalTokens.maxWrappingTtlSeconds says otherwise) and any unwrapped create.`,
    ],
    details: { role: a.role, wrapTtlSeconds: a.wrapTtlSeconds },
  };
}

/** The output as text: summary, the command (one shell line), notes. */
export function formatApprovalText(o: ApprovalOutput): string {
  return [`${o.summary}:`, '', `  ${shellLine(o.command)}`, '', ...o.notes, ''].join('\n');
}

/** The output as JSON, with the command as argv and as one shell line. */
export function formatApprovalJson(o: ApprovalOutput): string {
  return JSON.stringify({ ...o, shell: shellLine(o.command) }, null, 2) + '\n';
}
