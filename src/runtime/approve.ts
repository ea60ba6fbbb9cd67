/**
 * The `trust-gate approve` command an operator runs to approve one write of the agent in
 * Limited Remediation, for the agent to put in its recommendation.
 */

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
   * The approver's username (admission checks the approval's writer is that user).
   * @default `<operator>`, a placeholder the operator replaces
   */
  readonly by?: string;
}

/** The placeholder for the approver when the agent does not know who will approve. */
export const OPERATOR_PLACEHOLDER = '<operator>';

const SAFE = /^[A-Za-z0-9_@%+=:,./-]+$/;

/** A value as one POSIX shell word. */
function word(value: string): string {
  return SAFE.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}

/**
 * The exact `trust-gate approve` command that approves `target` for `agent`.
 * @example
 * approvalCommand('incident-responder', { backend: 'kubernetes', action: 'restart', group: 'apps', resource: 'deployments', namespace: 'shop', name: 'checkout', resourceVersion: '48213' })
 * // trust-gate approve kubernetes --agent incident-responder --state trust/incident-responder.json --action restart
 * //   --resource apps/deployments --namespace shop --name checkout --resource-version 48213 --by <operator>
 */
export function approvalCommand(agent: string, target: ApprovalTarget, options: ApprovalCommandOptions = {}): string {
  const by = options.by === undefined || options.by === OPERATOR_PLACEHOLDER ? OPERATOR_PLACEHOLDER : word(options.by);
  const state = word(options.stateFile ?? `trust/${agent}.json`);
  const head = ['trust-gate', 'approve', target.backend, '--agent', word(agent)];
  switch (target.backend) {
    case 'kubernetes': {
      const group = target.group === '' ? 'core' : target.group;
      const resource = [group, target.resource, ...(target.subresource ? [target.subresource] : [])].join('/');
      return [...head, '--state', state, '--action', word(target.action), '--resource', word(resource), '--namespace', word(target.namespace),
        '--name', word(target.name), '--resource-version', word(target.resourceVersion), '--by', by].join(' ');
    }
    case 'aws':
      return [...head, '--state', state, '--resource-arn', word(target.resourceArn), '--by', by].join(' ');
    case 'vault':
      return [...head, '--by', by].join(' ');
  }
}
