/**
 * The `trust-gate approve` command an operator runs to approve one write of the agent in
 * Limited Remediation, for the agent to put in its recommendation. Its flags are those of
 * `src/cli/approve.ts`, quoted for a POSIX shell as `trust-gate approve` quotes its own output.
 */
import { APPROVER_PLACEHOLDER, resourceText } from '../approvals/approver';
import { shellLine } from '../approvals/shell';

/** The write an approval is for, per backend. */
export type ApprovalTarget =
  | {
      readonly backend: 'kubernetes';
      /** The declared action: `restart`, `scale`, `delete-pod`, or `write` for a raw rule. */
      readonly action: string;
      /** API group; `''` (or `core`) for the core group. */
      readonly group: string;
      /** Plural resource, e.g. `deployments`. */
      readonly resource: string;
      /** @default none (the object itself) */
      readonly subresource?: string;
      readonly namespace: string;
      readonly name: string;
      /** The object's `metadata.resourceVersion` as the agent read it: the approval admits that one write. */
      readonly resourceVersion: string;
    }
  | { readonly backend: 'aws'; readonly resourceArn: string }
  | { readonly backend: 'vault' };

/** Options of `approvalCommand`. */
export interface ApprovalCommandOptions {
  /**
   * The agent's state file in the repository the operator runs the command from (the approval
   * epoch is read from it).
   * @default `trust/<agent>.json`
   */
  readonly stateFile?: string;
  /**
   * The synthesized output (`cdk8s synth`) a Kubernetes approval is checked against.
   * @default none: `trust-gate approve` reads `dist/` in the operator's working directory
   */
  readonly dist?: string;
  /**
   * The approver's username (admission checks the approval's writer is that user).
   * @default `<operator>` (quoted), a placeholder `trust-gate approve` refuses until the operator replaces it
   */
  readonly by?: string;
}

/** The placeholder for the approver when the agent does not know who will approve. */
export const OPERATOR_PLACEHOLDER = APPROVER_PLACEHOLDER;

/**
 * The exact `trust-gate approve` command that approves `target` for `agent`, one line a POSIX
 * shell runs as exactly those arguments.
 * @example
 * approvalCommand('incident-responder', { backend: 'kubernetes', action: 'restart', group: 'apps', resource: 'deployments', namespace: 'shop', name: 'checkout', resourceVersion: '48213' })
 * // trust-gate approve kubernetes --agent incident-responder --state trust/incident-responder.json --action restart
 * //   --resource apps/deployments --namespace shop --name checkout --resource-version 48213 --by '<operator>'
 */
export function approvalCommand(agent: string, target: ApprovalTarget, options: ApprovalCommandOptions = {}): string {
  const by = ['--by', options.by ?? OPERATOR_PLACEHOLDER];
  const state = ['--state', options.stateFile ?? `trust/${agent}.json`];
  const head = ['trust-gate', 'approve', target.backend, '--agent', agent];
  switch (target.backend) {
    case 'kubernetes': {
      const resource = resourceText({ apiGroup: target.group, resource: target.resource, subresource: target.subresource });
      return shellLine([...head, ...state, '--action', target.action, '--resource', resource, '--namespace', target.namespace,
        '--name', target.name, '--resource-version', target.resourceVersion, ...(options.dist ? ['--dist', options.dist] : []), ...by]);
    }
    case 'aws':
      return shellLine([...head, ...state, '--resource-arn', target.resourceArn, ...by]);
    case 'vault':
      return shellLine([...head, ...(options.stateFile ? ['--state', options.stateFile] : []), ...by]);
  }
}
