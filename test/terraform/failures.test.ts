import { describe, expect, it } from 'vitest';
import { incidentResponder } from '../../examples/incident-responder';
import type { AgentDefinition, AwsAccess } from '../../src/definition/types';
import type { ErrorCode } from '../../src/errors';
import type { Phase } from '../../src/phase/table';
import type { TrustPhasedAgentProps } from '../../src/terraform';
import { ISSUER, OIDC_ARN, defaultProps, synth } from './synth';

const base = (phase: Phase = 1): TrustPhasedAgentProps => defaultProps(incidentResponder, phase);
const withVault = (vault: Partial<NonNullable<TrustPhasedAgentProps['vault']>>, phase: Phase = 1): TrustPhasedAgentProps => ({ ...base(phase), vault: { authBackendPath: 'kubernetes', approvers: { identityGroups: ['sre-oncall'] }, ...vault } });
const withControlGroup = (controlGroup: NonNullable<NonNullable<TrustPhasedAgentProps['vault']>['controlGroup']>) => withVault({ approvals: 'control-group', controlGroup });
const withAws = (aws: Partial<NonNullable<TrustPhasedAgentProps['aws']>>): TrustPhasedAgentProps => ({ ...base(), aws: { trust: { irsa: { oidcProviderArn: OIDC_ARN, issuerHostPath: ISSUER } }, ...aws } });

/** Expects a TrustError with `code`, the construct path and a message matching `message`. */
function expectFailure(props: TrustPhasedAgentProps, code: ErrorCode, message: RegExp) {
  let error: unknown;
  try {
    synth(props);
  } catch (e) {
    error = e;
  }
  expect(error).toMatchObject({ name: 'TrustError', code, where: 'test/Agent' });
  expect((error as Error).message).toMatch(message);
}

describe('TrustPhasedAgent: prop validation', () => {
  it('fails when neither vault nor aws is set', () => {
    const { vault: _v, aws: _a, ...rest } = base();
    expectFailure(rest, 'GT_USAGE', /neither vault nor aws is set/);
  });

  it('fails when vault is set but no tier declares vault access', () => {
    const def: AgentDefinition = { ...incidentResponder, observe: { ...incidentResponder.observe, vault: [] }, remediate: { ...incidentResponder.remediate, vault: [] }, autonomous: { ...incidentResponder.autonomous, vault: [] } };
    expectFailure({ ...base(), definition: def }, 'GT_USAGE', /declares no vault access in any tier/);
  });

  it('fails when aws is set but no tier declares aws access', () => {
    const def: AgentDefinition = { ...incidentResponder, observe: { ...incidentResponder.observe, aws: [] }, remediate: { ...incidentResponder.remediate, aws: [] }, autonomous: { ...incidentResponder.autonomous, aws: [] } };
    expectFailure({ ...base(), definition: def }, 'GT_USAGE', /declares no aws access in any tier/);
  });

  it('fails on an invalid definition, naming the construct path', () => {
    expectFailure({ ...base(), definition: { ...incidentResponder, name: 'Bad_Name' } }, 'GT_DEFINITION_INVALID', /name: "Bad_Name" is not a DNS-1123 label/);
  });

  it.each([
    [{ authBackendPath: '/kubernetes/' }, /vault.authBackendPath "\/kubernetes\/" is not a mount path/],
    [{ policyName: 'Agent Policy' }, /vault.policyName "Agent Policy" is not a Vault name/],
    [{ roleName: 'role"}' }, /vault.roleName "role\\"}" is not a Vault name/],
    [{ approvers: undefined }, /declares remediate-tier Vault writes, which in phase 3 each need an operator approval, but vault.approvers is not set/],
    [{ approvers: { identityGroups: ['sre"}'] } }, /vault.approvers group .* is not allowed/],
    [{ controlGroup: { approverGroupNames: ['sre'] } }, /vault.controlGroup is set but approvals is 'token-role'/],
    [{ approvals: 'control-group' as const }, /vault.approvals is 'control-group' but vault.controlGroup is missing/],
    [{ approvalTokens: { tokenNumUses: 0 } }, /tokenNumUses 0 is not a whole number of at least 1/],
    [{ approvalTokens: { tokenExplicitMaxTtlSeconds: 86_400 } }, /tokenExplicitMaxTtlSeconds 86400s is over an hour/],
    [{ audience: '' }, /vault.audience is empty/],
  ])('fails on bad vault props %#', (vault, message) => {
    expectFailure(withVault(vault), 'GT_USAGE', message);
  });

  it.each([
    [{ approverGroupNames: [] }, /approverGroupNames is empty/],
    [{ approverGroupNames: ['sre"] }\npath "sys/*" {'] }, /vault.controlGroup name .* is not allowed/],
    [{ approverGroupNames: ['sre'], approvals: 0 }, /approvals 0 is not a whole number of at least 1/],
    [{ approverGroupNames: ['sre'], ttlSeconds: 1.5 }, /ttlSeconds 1.5 is not a whole number/],
  ])('fails on bad control group props %#', (controlGroup, message) => {
    expectFailure(withControlGroup(controlGroup), 'GT_USAGE', message);
  });

  it('fails on aws props without exactly one trust', () => {
    expectFailure({ ...base(), aws: {} as never }, 'GT_USAGE', /aws.trust is missing; give exactly one of/);
    expectFailure({ ...base(), aws: { trust: { irsa: { oidcProviderArn: OIDC_ARN, issuerHostPath: ISSUER }, podIdentity: { clusterName: 'prod' } } } as never }, 'GT_USAGE', /aws.trust is \["irsa","podIdentity"\]/);
  });

  it('fails on an audience that would be a Terraform template', () => {
    expectFailure(withVault({ audience: '${var.x}' }), 'GT_DEFINITION_INVALID', /would be evaluated at plan time/);
  });

  it.each([
    [{ roleName: 'role name with spaces' }, /aws.roleName "role name with spaces" is not an IAM role name/],
    [{ permissionsBoundaryArn: 'arn:aws:iam::111122223333:role/x' }, /aws.permissionsBoundaryArn .* is not a managed policy ARN/],
    [{ trust: { irsa: { oidcProviderArn: OIDC_ARN, issuerHostPath: `https://${ISSUER}` } } }, /issuerHostPath "https:\/\/oidc.* is not an issuer host and path; drop "https:\/\/"/],
    [{ trust: { irsa: { oidcProviderArn: 'arn:aws:iam::111122223333:role/x', issuerHostPath: ISSUER } } }, /oidcProviderArn .* is not an OIDC provider ARN/],
    [{ trust: { irsa: { oidcProviderArn: OIDC_ARN.replace('EXAMPLE', 'OTHER'), issuerHostPath: ISSUER } } }, /oidcProviderArn names ".*" but issuerHostPath is/],
    [{ trust: { podIdentity: { clusterName: 'prod cluster' } } }, /clusterName "prod cluster" is not an EKS cluster name/],
  ])('fails on bad aws props %#', (aws, message) => {
    expectFailure(withAws(aws), 'GT_USAGE', message);
  });
});

describe('TrustPhasedAgent: TTL and session ceilings', () => {
  it('fails when a token TTL exceeds its phase ceiling, saying the ceiling and the fix', () => {
    expectFailure(withVault({ tokenTtlSeconds: { 1: 7200 } }), 'GT_PHASE_CEILING', /vault.tokenTtlSeconds\[1\] 7200s exceeds the phase 1 \(Shadow\) ceiling of 900s; lower vault.tokenTtlSeconds\[1\] to at most 900/);
  });

  it('fails when a TTL would shrink as the phase rises', () => {
    expectFailure(withVault({ tokenTtlSeconds: { 2: 3600, 3: 1800 } }), 'GT_PHASE_CEILING', /tokenTtlSeconds\[3\] 1800s is shorter than 3600s in phase 2; credentials never shorten as trust grows/);
  });

  it('fails when the TTL exceeds the max TTL', () => {
    expectFailure(withVault({ tokenTtlSeconds: { 4: 7200 }, tokenMaxTtlSeconds: { 4: 3600 } }), 'GT_PHASE_CEILING', /vault.tokenMaxTtlSeconds\[4\] 3600s is shorter than 7200s in phase 3|tokenTtlSeconds\[4\] 7200s exceeds tokenMaxTtlSeconds\[4\]/);
    expectFailure(withVault({ tokenTtlSeconds: { 1: 900 }, tokenMaxTtlSeconds: { 1: 600, 2: 600, 3: 600, 4: 600 } }), 'GT_PHASE_CEILING', /tokenTtlSeconds\[1\] 900s exceeds tokenMaxTtlSeconds\[1\] 600s/);
  });

  it('fails on TTLs that are not whole positive seconds or on unknown phase keys', () => {
    expectFailure(withVault({ tokenTtlSeconds: { 1: 0 } }), 'GT_PHASE_CEILING', /tokenTtlSeconds\[1\] is 0; use a whole number of seconds above 0/);
    expectFailure(withVault({ tokenTtlSeconds: { 1: 1.5 } }), 'GT_PHASE_CEILING', /is 1.5/);
    expectFailure(withVault({ tokenTtlSeconds: { 5: 100 } as never }), 'GT_PHASE_CEILING', /has key "5"; keys are phases 1, 2, 3 and 4/);
  });

  it('checks every phase whatever the current phase', () => {
    expectFailure(withVault({ tokenTtlSeconds: { 1: 7200 } }, 4), 'GT_PHASE_CEILING', /\[1\] 7200s exceeds/);
  });

  it('fails when max_session_duration exceeds its ceiling, shrinks, or leaves AWS range', () => {
    expectFailure(withAws({ maxSessionDurationSeconds: { 1: 7200 } }), 'GT_PHASE_CEILING', /maxSessionDurationSeconds\[1\] 7200s exceeds the phase 1 \(Shadow\) ceiling of 3600s/);
    expectFailure(withAws({ maxSessionDurationSeconds: { 2: 7200, 3: 3600 } }), 'GT_PHASE_CEILING', /\[3\] 3600s is shorter than 7200s in phase 2/);
    expectFailure(withAws({ maxSessionDurationSeconds: { 1: 900, 2: 900, 3: 900, 4: 900 } }), 'GT_PHASE_CEILING', /maxSessionDurationSeconds\[1\] 900s is outside AWS's 3600–43200s/);
  });
});

describe('TrustPhasedAgent: IAM validation messages (src/definition/validate.ts)', () => {
  const arn = (r: string) => `arn:aws:ecs:eu-west-1:111122223333:service/shop/${r}`;
  const withRule = (tier: 'observe' | 'remediate' | 'autonomous', rule: AwsAccess): TrustPhasedAgentProps => ({
    ...base(),
    definition: { ...incidentResponder, [tier]: { ...incidentResponder[tier], aws: [rule] } },
  });

  it.each([
    ['an unknown action', 'observe', { actions: ['ecs:DescribeServicez'], resources: ['*'] }, 'GT_IAM_ACTION', /"ecs:DescribeServicez" is not an IAM action known to the AWS Service Authorization Reference/],
    ['a Write action in a read tier, naming its access level', 'observe', { actions: ['ecs:UpdateService'], resources: [arn('x')] }, 'GT_IAM_ACTION', /"ecs:UpdateService" has access level Write; the observe tier allows Read, List/],
    ['a Tagging action in a read tier', 'observe', { actions: ['ecs:TagResource'], resources: [arn('x')] }, 'GT_IAM_ACTION', /"ecs:TagResource" has access level Tagging, Write; the observe tier allows Read, List/],
    ['iam:PassRole', 'remediate', { actions: ['iam:PassRole'], resources: ['arn:aws:iam::111122223333:role/x'] }, 'GT_IAM_ACTION', /"iam:PassRole" hands the agent any role it can name; it is never granted/],
    ['sts:AssumeRole', 'remediate', { actions: ['sts:AssumeRole'], resources: ['arn:aws:iam::111122223333:role/x'] }, 'GT_IAM_ACTION', /"sts:AssumeRole" lets the agent become another role; it is never granted/],
    ['an IAM write', 'remediate', { actions: ['iam:CreateUser'], resources: ['arn:aws:iam::111122223333:user/x'] }, 'GT_IAM_ACTION', /"iam:CreateUser" changes IAM; it is never granted/],
    ['an organizations write', 'remediate', { actions: ['organizations:CreateAccount'], resources: ['arn:aws:organizations::111122223333:root/o-abc/r-abc'] }, 'GT_IAM_ACTION', /"organizations:CreateAccount" changes the AWS organization; it is never granted/],
    ['"*"', 'observe', { actions: ['*'], resources: ['*'] }, 'GT_IAM_ACTION', /"\*" grants a whole service or everything/],
    ['"service:*"', 'observe', { actions: ['ecs:*'], resources: ['*'] }, 'GT_IAM_ACTION', /"ecs:\*" grants a whole service or everything/],
    ['Resource "*" with writes', 'autonomous', { actions: ['ecs:UpdateService'], resources: ['*'] }, 'GT_DEFINITION_INVALID', /"\*" with write actions lets the agent change every resource; name the ARNs/],
    ['a pattern ARN in remediate', 'remediate', { actions: ['ecs:UpdateService'], resources: [arn('*')] }, 'GT_DEFINITION_INVALID', /is a pattern, but remediate writes must name exact ARNs/],
    ['an action wildcard in a write tier', 'remediate', { actions: ['ecs:Update*'], resources: [arn('x')] }, 'GT_IAM_ACTION', /"ecs:Update\*" is a wildcard in the remediate tier/],
  ] as const)('fails on %s', (_what, tier, rule, code, message) => {
    expectFailure(withRule(tier, rule as AwsAccess), code, message);
  });
});

describe('TrustPhasedAgent: Vault overlaps', () => {
  it('fails when a more specific path would hide a capability declared on an overlapping broader one', () => {
    const def: AgentDefinition = {
      ...incidentResponder,
      observe: { ...incidentResponder.observe, vault: [{ path: 'secret/data/+/checkout', capabilities: ['read'], dangerous: { reason: 'reads the checkout flags of every team' } }] },
      autonomous: { ...incidentResponder.autonomous, vault: [{ path: 'secret/data/shop/*', capabilities: ['update'] }] },
    };
    expectFailure({ ...base(1), definition: def }, 'GT_VAULT_PATH', /in phase 4 \(Autonomous\), "secret\/data\/shop\/\*" and "secret\/data\/\+\/checkout" both match "secret\/data\/shop\/checkout"/);
  });

  it('fails when "list" on "path/" would fall to an exact rule without list', () => {
    const def: AgentDefinition = {
      ...incidentResponder,
      observe: { ...incidentResponder.observe, vault: [{ path: 'secret/metadata/shop/x/*', capabilities: ['list'] }] },
      remediate: { ...incidentResponder.remediate, vault: [{ path: 'secret/metadata/shop/x', capabilities: ['delete'] }] },
    };
    // Listing "secret/metadata/shop/x/" uses the exact rule "secret/metadata/shop/x" in Vault.
    expectFailure({ ...base(1), definition: def }, 'GT_VAULT_PATH', /"secret\/metadata\/shop\/x" and "secret\/metadata\/shop\/x\/\*" both match "secret\/metadata\/shop\/x\/".*lacks "list"/);
  });
});
