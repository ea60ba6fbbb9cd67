import { describe, expect, it } from 'vitest';
import { incidentResponder } from '../../examples/incident-responder';
import {
  INLINE_POLICY_LIMIT,
  assertRenderableAction,
  boundaryPolicy,
  irsaTrustPolicy,
  permissionPolicy,
  podIdentityTrustPolicy,
  renderPolicyJson,
} from '../../src/aws/policy';
import type { AgentDefinition } from '../../src/definition/types';

const svc = (n: string) => `arn:aws:ecs:eu-west-1:111122223333:service/shop/${n}`;

describe('IAM policy documents', () => {
  it('builds one statement per active rule, Sid by tier and index, actions and resources sorted and deduplicated', () => {
    const def: AgentDefinition = {
      name: 'a',
      namespace: 'n',
      observe: { aws: [{ actions: ['ecs:ListServices', 'cloudwatch:GetMetricData', 'ecs:ListServices'], resources: [svc('b'), svc('a')] }] },
      remediate: { aws: [{ actions: ['ecs:UpdateService'], resources: [svc('a')] }] },
    };
    expect(permissionPolicy(def, 2)).toEqual({
      Version: '2012-10-17',
      Statement: [{ Sid: 'Observe0', Effect: 'Allow', Action: ['cloudwatch:GetMetricData', 'ecs:ListServices'], Resource: [svc('a'), svc('b')] }],
    });
    expect(permissionPolicy(def, 3)?.Statement).toHaveLength(2);
    // The boundary is the phase's own ceiling plus the statements that keep the approval tag
    // out of the agent's reach.
    const boundary = [boundaryPolicy(def, 2)!.Statement].flat();
    expect(boundary.slice(0, 1)).toEqual(permissionPolicy(def, 2)?.Statement);
    expect(boundary.slice(1).every((s) => s.Effect === 'Deny')).toBe(true);
  });

  it('returns no permission policy when the active tiers declare no AWS access', () => {
    const def: AgentDefinition = { name: 'a', namespace: 'n', observe: {}, remediate: { aws: [{ actions: ['ecs:UpdateService'], resources: [svc('a')] }] } };
    expect(permissionPolicy(def, 1)).toBeUndefined();
    expect(permissionPolicy(def, 3)).toBeDefined();
    expect(boundaryPolicy({ name: 'a', namespace: 'n', observe: {} }, 4)).toBeUndefined();
    // A boundary exists even in a phase without AWS access, so the role's ceiling is empty.
    expect([boundaryPolicy(def, 1)!.Statement].flat().every((s) => s.Effect === 'Deny')).toBe(true);
  });

  it.each([['*'], ['ecs:*'], ['IAM:passrole'], ['sts:AssumeRoleWithWebIdentity'], ['ecs:Update Service'], ['ecs:"x']])('fails to render the action %s', (action) => {
    expect(() => assertRenderableAction(action)).toThrow(expect.objectContaining({ code: 'GT_IAM_ACTION' }));
  });

  it('renders compact JSON with a fixed key order and fails over the size limit', () => {
    const doc = permissionPolicy(incidentResponder, 1)!;
    expect(renderPolicyJson(doc, INLINE_POLICY_LIMIT, 'x')).toBe(JSON.stringify(doc));
    expect(renderPolicyJson(doc, INLINE_POLICY_LIMIT, 'x').startsWith('{"Version":"2012-10-17","Statement":[{"Sid":"Observe0","Effect":"Allow","Action":')).toBe(true);
    expect(() => renderPolicyJson(doc, 50, 'inline permission policy')).toThrow(/the inline permission policy is \d+ characters, over the AWS limit of 50/);
  });

  it('builds the IRSA and Pod Identity trust policies for the agent ServiceAccount only', () => {
    const issuer = 'oidc.eks.eu-west-1.amazonaws.com/id/ABC';
    const irsa = irsaTrustPolicy({ name: 'a', namespace: 'n' }, { oidcProviderArn: `arn:aws:iam::111122223333:oidc-provider/${issuer}`, issuerHostPath: issuer });
    expect(JSON.stringify(irsa)).toContain(`"${issuer}:sub":"system:serviceaccount:n:a"`);
    const pod = podIdentityTrustPolicy({ name: 'a', namespace: 'n' }, { clusterName: 'prod' });
    expect(JSON.stringify(pod)).toContain('"aws:RequestTag/kubernetes-service-account":"a"');
  });
});
