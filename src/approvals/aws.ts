/**
 * An AWS approval: the operator tags the resource `graduated-trust.dev/approved-for = <agent>@<epoch>`
 * (src/aws/approval.ts: the phase-3 write statements require it, the permissions boundary denies
 * the agent every way of setting or removing it).
 *
 * Not single-use by itself: IAM cannot consume a tag, so the tag admits every write of the
 * declared actions on that resource until the operator removes it (untag after the write), or
 * until the agent re-enters a phase (the epoch in the value changes and the old tag matches no
 * statement).
 */
import { APPROVAL_TAG, awsApprovalTagValue } from '../definition/approvals';
import { TrustError } from '../errors';

/** One AWS approval and its commands. */
export interface AwsApproval {
  readonly resourceArn: string;
  readonly tag: { readonly key: string; readonly value: string };
  /** Sets the tag. */
  readonly tagArgv: readonly string[];
  /** Removes it again once the write is done. */
  readonly untagArgv: readonly string[];
}

const ARN = /^arn:aws(-[a-z]+)*:[a-z0-9-]+:[a-z0-9-]*:([0-9]{12})?:[^\s*?]+$/;

/** The approval of writes on one resource. Throws GT_INPUT unless `resourceArn` is one exact ARN. */
export function awsApproval(agent: string, epoch: string, resourceArn: string): AwsApproval {
  if (!ARN.test(resourceArn)) {
    throw new TrustError('GT_INPUT', `--resource-arn "${resourceArn}" is not one exact ARN (arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE, no * or ?); an approval tags one resource, e.g. arn:aws:ecs:eu-west-1:111122223333:service/shop/checkout`);
  }
  const value = awsApprovalTagValue(agent, epoch);
  return {
    resourceArn,
    tag: { key: APPROVAL_TAG, value },
    tagArgv: ['aws', 'resourcegroupstaggingapi', 'tag-resources', '--resource-arn-list', resourceArn, '--tags', `${APPROVAL_TAG}=${value}`],
    untagArgv: ['aws', 'resourcegroupstaggingapi', 'untag-resources', '--resource-arn-list', resourceArn, '--tag-keys', APPROVAL_TAG],
  };
}
