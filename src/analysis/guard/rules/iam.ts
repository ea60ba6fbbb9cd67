/** Guard rules for AWS IAM: roles the agent can assume, their policies, boundary and session length. */
import type { IamStatement, PolicyDocument } from '../../../aws/policy';
import { phaseLabel } from '../../../phase/table';
import { evaluateIam, expandActionPattern, policyStatements, statementMatches, type IamPolicies } from '../../iam/evaluate';
import { approvalCondition, protectsApprovalTag } from '../../terraform/approval-tag';
import { awsRoleGrants, grantPolicies } from '../../terraform/aws';
import type { GuardContext } from '../context';
import type { GuardRule, RuleHit } from '../types';
import { listed } from './kubernetes';

function list(v: unknown): string[] {
  return typeof v === 'string' ? [v] : Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

function resourcesOf(docs: ReadonlyArray<PolicyDocument | undefined>): string[] {
  return docs.flatMap((d) => (d ? policyStatements(d) : [])).flatMap((s) => [...list(s.Resource), ...list(s.NotResource)]);
}

/**
 * The phase-3 approval a ceiling pair needs: the approval tag value, when every ceiling statement
 * that allows it requires the tag; undefined when it needs none.
 */
function neededApproval(ceiling: readonly IamStatement[], action: string, resource: string): string | undefined {
  const allowing = ceiling.filter((s) => s.Effect === 'Allow' && statementMatches(s, { action, resource }));
  const values = allowing.map(approvalCondition);
  return values.length > 0 && values.every((v) => v !== undefined) ? values[0] : undefined;
}

function aboveCeiling(ctx: GuardContext): RuleHit[] {
  const { permissions, boundary: ceilingBoundary } = ctx.ceiling.iam;
  const ceiling: IamPolicies = { identity: permissions ? [permissions] : [], ...(ceilingBoundary ? { boundary: ceilingBoundary } : {}) };
  const ceilingStatements = permissions ? [...policyStatements(permissions)] : [];
  return awsRoleGrants(ctx.terraform, ctx.agent).flatMap((g) => {
    const { boundary } = grantPolicies(g);
    // Candidates: `*` and every ARN any policy involved names, so a `Resource: "*"` statement is read as every one of them.
    const candidates = [...new Set(['*', ...resourcesOf([...g.policies.map((p) => ({ Statement: p.statements ?? [] })), boundary, permissions, ceilingBoundary])])].sort();
    return g.policies.flatMap((p) => {
      const extra: string[] = [];
      for (const s of (p.statements ?? []).filter((st) => st.Effect === 'Allow')) {
        if (s.Action === undefined) {
          extra.push(`NotAction ${list(s.NotAction).join(',')}`);
          continue;
        }
        const statement: IamPolicies = { identity: [{ Statement: [s] }], ...(boundary ? { boundary } : {}) };
        for (const { action } of list(s.Action).flatMap(expandActionPattern)) {
          for (const resource of candidates) {
            const req = { action, resource };
            if (evaluateIam(statement, req) !== 'allow') continue;
            if (evaluateIam(ceiling, req) !== 'allow') extra.push(`${action} on ${resource}`);
            else {
              const approval = neededApproval(ceilingStatements, action, resource);
              if (approval !== undefined && approvalCondition(s) !== approval) extra.push(`${action} on ${resource} without the operator's approval tag`);
            }
          }
        }
      }
      if (extra.length === 0) return [];
      return [{ what: `IAM policy ${p.name} on role "${g.name}" (assumable by the agent) allows ${listed([...new Set(extra)])}${boundary ? ' within its boundary' : ''}, above the ${phaseLabel(ctx.phase)} ceiling`, where: p.where }];
    });
  });
}

function approvalTag(ctx: GuardContext): RuleHit[] {
  return awsRoleGrants(ctx.terraform, ctx.agent)
    .filter((g) => g.boundary && !protectsApprovalTag(g.boundary))
    .map((g) => ({ what: `the permissions boundary ${g.boundaryName} of IAM role "${g.name}" does not deny the agent setting or removing the approval tag, so it could approve its own writes`, where: g.role.where }));
}

function noBoundary(ctx: GuardContext): RuleHit[] {
  return awsRoleGrants(ctx.terraform, ctx.agent)
    .filter((g) => g.boundary === undefined)
    .map((g) => ({ what: `IAM role "${g.name}" (assumable by the agent) has no permissions boundary`, where: g.role.where }));
}

function session(ctx: GuardContext): RuleHit[] {
  return awsRoleGrants(ctx.terraform, ctx.agent)
    .filter((g) => (g.maxSessionDurationSeconds ?? 3600) > ctx.ceiling.iamMaxSessionDurationSeconds)
    .map((g) => ({ what: `IAM role "${g.name}": max_session_duration ${g.maxSessionDurationSeconds}s exceeds the ${phaseLabel(ctx.phase)} ceiling of ${ctx.ceiling.iamMaxSessionDurationSeconds}s`, where: g.role.where }));
}

function unresolved(ctx: GuardContext): RuleHit[] {
  return awsRoleGrants(ctx.terraform, ctx.agent).flatMap((g) =>
    g.policies.filter((p) => !p.statements).map((p) => ({ what: `IAM role "${g.name}" has policy ${p.name} attached, whose document is not in the output, so its access cannot be checked`, where: p.where })),
  );
}

/**
 * A boundary whose document is not in the output (a user-supplied managed policy) can only
 * narrow what the identity policies allow, so GT-IAM-001 checks them as if it allowed
 * everything; this warning records that the boundary itself was not checked.
 */
function unknownBoundary(ctx: GuardContext): RuleHit[] {
  return awsRoleGrants(ctx.terraform, ctx.agent)
    .filter((g) => g.boundary === null)
    .map((g) => ({ what: `IAM role "${g.name}" has permissions boundary ${g.boundaryName}, whose document is not in the output; its identity policies were checked as if the boundary allowed everything`, where: g.role.where }));
}

function admitsOthers(ctx: GuardContext): RuleHit[] {
  return awsRoleGrants(ctx.terraform, ctx.agent)
    .filter((g) => g.admitsOthers.length > 0)
    .map((g) => ({ what: `IAM role "${g.name}" can also be assumed by ${listed(g.admitsOthers)}`, where: g.role.where }));
}

function namedElsewhere(ctx: GuardContext): RuleHit[] {
  return awsRoleGrants(ctx.terraform, ctx.agent).flatMap((g) =>
    g.namedBy.map((r) => ({ what: `${r.type} ${r.address} names IAM role "${g.name}" (assumable by the agent); what it grants the role (a resource policy, a grant) is not read, so that access cannot be checked`, where: r.where })),
  );
}

/** The IAM rules. */
export const IAM_RULES: readonly GuardRule[] = [
  {
    id: 'GT-IAM-001',
    level: 'error',
    checks: 'No identity policy on a role the agent can assume allows, within the role\'s boundary (one not in the output counts as allowing everything), an action or resource its phase does not allow.',
    why: 'Every policy on the role adds to what the agent can do; a second policy on its role, or a widened boundary, raises the blast radius in AWS.',
    fix: 'Remove the policy or statement, or declare the access in the agent definition so it follows the phase.',
    check: aboveCeiling,
  },
  {
    id: 'GT-IAM-002',
    level: 'error',
    checks: 'Every role the agent can assume has a permissions boundary.',
    why: 'The boundary holds the agent\'s declared maximum, so a hand-edited policy still cannot exceed it.',
    fix: 'Keep the boundary TrustPhasedAgent renders, or pass permissionsBoundaryArn.',
    check: noBoundary,
  },
  {
    id: 'GT-IAM-003',
    level: 'error',
    checks: 'max_session_duration of every role the agent can assume is within the phase table\'s ceiling.',
    why: 'Longer sessions keep credentials alive after a demotion; the phase decides how long they may live.',
    fix: 'Lower max_session_duration to the phase ceiling or below.',
    check: session,
  },
  {
    id: 'GT-IAM-004',
    level: 'error',
    checks: 'Every identity policy on a role the agent can assume has its document in the output.',
    why: 'A managed policy attached by ARN (for example an AWS-managed one) grants access nobody can review here.',
    fix: 'Replace it with a literal policy in the app, or detach it.',
    check: unresolved,
  },
  {
    id: 'GT-IAM-005',
    level: 'warning',
    checks: 'Roles the agent can assume trust only the agent\'s ServiceAccount.',
    why: 'Other principals in the trust policy obtain the agent\'s AWS access.',
    fix: 'Limit the trust policy to the agent\'s ServiceAccount (IRSA sub, or Pod Identity session tags), or suppress with the reason.',
    check: admitsOthers,
  },
  {
    id: 'GT-IAM-006',
    level: 'warning',
    checks: 'The permissions boundary of every role the agent can assume has its document in the output.',
    why: 'A boundary given by ARN (aws.permissionsBoundaryArn) is not checked here: the identity policies are checked against the phase as if it allowed everything, so a wider boundary is not caught, and a narrower one is not credited.',
    fix: 'Suppress with the reason the boundary is trusted (e.g. who owns the managed policy), or let TrustPhasedAgent render the boundary by leaving permissionsBoundaryArn unset.',
    check: unknownBoundary,
  },
  {
    id: 'GT-IAM-007',
    level: 'error',
    checks: 'The permissions boundary of every role the agent can assume denies it setting or removing the approval tag (graduated-trust.dev/approved-for) in any way.',
    why: 'In Limited Remediation a write is allowed only on resources an operator tagged for the agent; an agent that can tag resources itself approves its own writes.',
    fix: 'Keep the boundary TrustPhasedAgent renders (its NoApprovalTagKeys, NoApprovalTagValue and NoUnkeyedTagging statements).',
    check: approvalTag,
  },
  {
    id: 'GT-IAM-008',
    level: 'warning',
    checks: 'No resource of another AWS service in the stack (a bucket, key or queue policy, a KMS grant, a Lake Formation permission, …) names a role the agent can assume.',
    why: 'A resource-based policy or grant naming the role gives the agent access that its identity policies do not show, and the guard does not read those documents.',
    fix: 'Grant the access through the agent definition (its aws rules follow the phase), or suppress with the reason and what the resource grants.',
    check: namedElsewhere,
  },
];
