/**
 * Phase-3 approvals in AWS, by resource tag (ABAC): a write statement is allowed only on resources
 * an operator tagged `graduated-trust.dev/approved-for = <agent>@<epoch>`, and the permissions
 * boundary denies the agent every way of setting or removing that tag:
 * - any request whose tag keys include it, compared ignoring case (IAM matches tag keys in
 *   conditions case-insensitively, so `Graduated-Trust.dev/Approved-For` would satisfy the Allow);
 * - any request that sets it (`aws:RequestTag/…`, which also covers creating a tagged resource);
 * - the tagging actions whose requests carry no `aws:TagKeys` at all (generated list).
 * IAM cannot consume a tag or compare it with the clock, so an approval stays until the operator
 * removes the tag (or the agent re-enters the phase: the epoch in the value changes).
 */
import { APPROVAL_TAG } from '../definition/approvals';
import type { IamStatement } from './policy';
import { UNKEYED_TAGGING_ACTIONS } from './unkeyed-tagging';

/** The condition key an approval tag is read through. */
export const APPROVAL_CONDITION_KEY = `aws:ResourceTag/${APPROVAL_TAG}`;

/** The condition a phase-3 write statement carries. */
export function approvalCondition(value: string): NonNullable<IamStatement['Condition']> {
  return { StringEquals: { [APPROVAL_CONDITION_KEY]: value } };
}

/** The boundary statements that keep the agent from setting or removing the approval tag. */
export function approvalTagStatements(): IamStatement[] {
  return [
    {
      Sid: 'NoApprovalTagKeys',
      Effect: 'Deny',
      Action: '*',
      Resource: '*',
      Condition: { 'ForAnyValue:StringEqualsIgnoreCase': { 'aws:TagKeys': [APPROVAL_TAG] } },
    },
    {
      Sid: 'NoApprovalTagValue',
      Effect: 'Deny',
      Action: '*',
      Resource: '*',
      Condition: { Null: { [`aws:RequestTag/${APPROVAL_TAG}`]: 'false' } },
    },
    { Sid: 'NoUnkeyedTagging', Effect: 'Deny', Action: [...UNKEYED_TAGGING_ACTIONS], Resource: '*' },
  ];
}
