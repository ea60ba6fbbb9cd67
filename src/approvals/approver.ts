/**
 * The approver named by `--by`: the username admission compares with the writer of an approval.
 * Kept apart from the backends so the agent's runtime (`graduated-trust/runtime`) can print the
 * same placeholder without loading them.
 */
import { TrustError } from '../errors';

/** What a command for an operator carries in `--by` when the agent does not know who approves. */
export const APPROVER_PLACEHOLDER = '<operator>';

/** Checks `--by`: the username admission compares with the entry's writer. */
export function checkApprover(by: string): void {
  if (by === APPROVER_PLACEHOLDER) throw new TrustError('GT_INPUT', `--by is the placeholder "${APPROVER_PLACEHOLDER}"; replace it with your own username as the backend sees it (kubectl auth whoami for Kubernetes)`);
  // eslint-disable-next-line no-control-regex
  if (by.trim() === '' || /[\u0000-\u001f\u007f]/.test(by)) throw new TrustError('GT_INPUT', `--by ${JSON.stringify(by)} is not a username; pass your username as the backend sees it (kubectl auth whoami for Kubernetes)`);
}

/** `apps/deployments/scale`, `core/pods`: a Kubernetes target's resource as `--resource` takes it. */
export function resourceText(t: { readonly apiGroup: string; readonly resource: string; readonly subresource?: string | undefined }): string {
  return [t.apiGroup || 'core', t.resource, ...(t.subresource ? [t.subresource] : [])].join('/');
}
