/**
 * Reading AWS approvals back from IAM policies: which statements require the operator's approval
 * tag, and whether a boundary keeps the agent from setting that tag (exactly the statements
 * `approvalTagStatements` renders; anything less and the agent could approve itself).
 */
import { APPROVAL_CONDITION_KEY, approvalTagStatements } from '../../aws/approval';
import type { IamStatement } from '../../aws/policy';
import { jsonEqual } from '../k8s/admission';

/** The approval tag value a statement requires (`StringEquals aws:ResourceTag/graduated-trust.dev/approved-for`), if it does. */
export function approvalCondition(statement: IamStatement): string | undefined {
  const equals = statement.Condition?.['StringEquals'];
  if (!equals) return undefined;
  const entry = Object.entries(equals).find(([k]) => k.toLowerCase() === APPROVAL_CONDITION_KEY.toLowerCase());
  const value = entry?.[1];
  return typeof value === 'string' ? value : Array.isArray(value) && value.length === 1 && typeof value[0] === 'string' ? value[0] : undefined;
}

/** Whether the boundary holds every statement that denies the agent the approval tag. */
export function protectsApprovalTag(boundary: readonly IamStatement[]): boolean {
  const denies = boundary.filter((s) => s.Effect === 'Deny');
  return approvalTagStatements().every((want) => denies.some((s) => jsonEqual({ ...s, Sid: undefined }, { ...want, Sid: undefined })));
}
