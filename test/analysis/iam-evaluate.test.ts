import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { allowedActionsByAccessLevel, evaluateIam, wildcardMatches, type IamPolicies } from '../../src/analysis/iam/evaluate';
import type { IamStatement, PolicyDocument } from '../../src/aws/policy';
import { TrustError } from '../../src/errors';
import { ORACLE_ACCOUNT as ACCOUNT, oracle } from '../terraform/oracle';

const svc = (name: string) => `arn:aws:ecs:eu-west-1:${ACCOUNT}:service/shop/${name}`;
const doc = (...Statement: IamStatement[]): PolicyDocument => ({ Version: '2012-10-17', Statement });

describe('evaluateIam', () => {
  it('allows what an identity Allow matches and nothing else', () => {
    const p = { identity: [doc({ Effect: 'Allow', Action: 'ecs:UpdateService', Resource: svc('checkout') })] };
    expect(evaluateIam(p, { action: 'ecs:UpdateService', resource: svc('checkout') })).toBe('allow');
    expect(evaluateIam(p, { action: 'ecs:UpdateService', resource: svc('cart') })).toBe('implicit-deny');
    expect(evaluateIam(p, { action: 'ecs:DeleteService', resource: svc('checkout') })).toBe('implicit-deny');
  });

  it('matches actions case-insensitively and resources case-sensitively', () => {
    const p = { identity: [doc({ Effect: 'Allow', Action: 'ECS:updateservice', Resource: svc('checkout') })] };
    expect(evaluateIam(p, { action: 'ecs:UpdateService', resource: svc('checkout') })).toBe('allow');
    expect(evaluateIam(p, { action: 'ecs:UpdateService', resource: svc('Checkout') })).toBe('implicit-deny');
  });

  it('lets an explicit Deny win over any Allow, in the identity or the boundary', () => {
    const allow = doc({ Effect: 'Allow', Action: 'ecs:*', Resource: '*' });
    const deny = doc({ Effect: 'Deny', Action: 'ecs:UpdateService', Resource: svc('checkout') });
    expect(evaluateIam({ identity: [allow, deny] }, { action: 'ecs:UpdateService', resource: svc('checkout') })).toBe('explicit-deny');
    expect(evaluateIam({ identity: [allow], boundary: deny }, { action: 'ecs:UpdateService', resource: svc('checkout') })).toBe('explicit-deny');
  });

  it('needs the boundary to allow too (intersection)', () => {
    const identity = [doc({ Effect: 'Allow', Action: ['ecs:UpdateService', 'ecs:DescribeServices'], Resource: '*' })];
    const boundary = doc({ Effect: 'Allow', Action: 'ecs:Describe*', Resource: '*' });
    expect(evaluateIam({ identity, boundary }, { action: 'ecs:DescribeServices', resource: svc('x') })).toBe('allow');
    expect(evaluateIam({ identity, boundary }, { action: 'ecs:UpdateService', resource: svc('x') })).toBe('implicit-deny');
    expect(evaluateIam({ identity: [], boundary }, { action: 'ecs:DescribeServices', resource: svc('x') })).toBe('implicit-deny');
  });

  it('inverts the match for NotAction and NotResource', () => {
    const p = { identity: [doc({ Effect: 'Allow', NotAction: 'ecs:Delete*', NotResource: svc('cart') })] };
    expect(evaluateIam(p, { action: 'ecs:UpdateService', resource: svc('checkout') })).toBe('allow');
    expect(evaluateIam(p, { action: 'ecs:DeleteService', resource: svc('checkout') })).toBe('implicit-deny');
    expect(evaluateIam(p, { action: 'ecs:UpdateService', resource: svc('cart') })).toBe('implicit-deny');
  });

  it('treats ? as exactly one character and escapes regex characters', () => {
    expect(wildcardMatches('a?c', 'abc')).toBe(true);
    expect(wildcardMatches('a?c', 'ac')).toBe(false);
    expect(wildcardMatches('a.c', 'abc')).toBe(false);
    expect(wildcardMatches('a*', 'a/b\nc')).toBe(true);
  });

  it('fails on a statement with a Condition, which it cannot evaluate', () => {
    const p = { identity: [doc({ Effect: 'Allow', Action: 'ecs:*', Resource: '*', Condition: { Bool: { 'aws:SecureTransport': 'true' } } })] };
    expect(() => evaluateIam(p, { action: 'ecs:UpdateService', resource: '*' })).toThrow(TrustError);
  });

  it('fails on a statement with both Action and NotAction', () => {
    const p = { identity: [doc({ Effect: 'Allow', Action: 'ecs:*', NotAction: 'ecs:Delete*', Resource: '*' })] };
    expect(() => evaluateIam(p, { action: 'ecs:UpdateService', resource: '*' })).toThrow(/exactly one of Action and NotAction/);
  });

  it('groups allowed actions by IAM access level, expanding wildcards from the IAM reference', () => {
    const identity = [
      doc({ Effect: 'Allow', Action: ['ecs:Describe*', 'cloudwatch:ListMetrics'], Resource: '*' }),
      doc({ Effect: 'Allow', Action: ['ecs:UpdateService'], Resource: svc('checkout') }),
    ];
    const byLevel = allowedActionsByAccessLevel({ identity });
    expect(byLevel.Write).toEqual(['ecs:UpdateService']);
    expect(byLevel.List).toEqual(['cloudwatch:ListMetrics']);
    expect(byLevel.Read).toContain('ecs:DescribeServices');
    expect(byLevel.Read.every((a) => a.startsWith('ecs:Describe'))).toBe(true);
    expect(byLevel['Permissions management']).toEqual([]);
    expect(allowedActionsByAccessLevel({ identity }, svc('cart')).Write).toEqual([]);
  });

  it('drops actions the boundary does not allow from the grouping', () => {
    const identity = [doc({ Effect: 'Allow', Action: ['ecs:UpdateService', 'ecs:DescribeServices'], Resource: '*' })];
    const boundary = doc({ Effect: 'Allow', Action: ['ecs:DescribeServices'], Resource: '*' });
    const byLevel = allowedActionsByAccessLevel({ identity, boundary });
    expect(byLevel.Write).toEqual([]);
    expect(byLevel.Read).toEqual(['ecs:DescribeServices']);
  });
});

describe('evaluateIam against the iam-simulate oracle', () => {
  const actions = ['ecs:UpdateService', 'ecs:DescribeServices', 'ecs:DeleteService', 'ecs:CreateService'];
  const resources = ['checkout', 'cart', 'cartx'].map(svc);
  const actionPattern = fc.constantFrom('ecs:UpdateService', 'ECS:updateservice', 'ecs:Update*', 'ecs:*Service', 'ecs:Describe*', 'ecs:?eleteService', 'ecs:*');
  const resourcePattern = fc.constantFrom('*', svc('checkout'), svc('*'), svc('cart?'), svc('c*t'), `arn:aws:ecs:*:${ACCOUNT}:service/shop/cart`);
  const statement: fc.Arbitrary<IamStatement> = fc.record({
    effect: fc.constantFrom('Allow' as const, 'Allow' as const, 'Deny' as const),
    notAction: fc.boolean(),
    notResource: fc.boolean(),
    actions: fc.array(actionPattern, { minLength: 1, maxLength: 2 }),
    resources: fc.array(resourcePattern, { minLength: 1, maxLength: 2 }),
  }).map((s) => ({
    Effect: s.effect,
    ...(s.notAction ? { NotAction: s.actions } : { Action: s.actions }),
    ...(s.notResource ? { NotResource: s.resources } : { Resource: s.resources }),
  }));
  const policies = fc.record({
    identity: fc.array(fc.array(statement, { minLength: 1, maxLength: 3 }).map((s) => doc(...s)), { minLength: 1, maxLength: 2 }),
    boundary: fc.option(fc.array(statement, { minLength: 1, maxLength: 2 }).map((s) => doc(...s)), { nil: undefined }),
  });

  it('agrees with the oracle on random policies, actions and resources', async () => {
    await fc.assert(
      fc.asyncProperty(policies, fc.constantFrom(...actions), fc.constantFrom(...resources), async (p, action, resource) => {
        const input: IamPolicies = p.boundary ? { identity: p.identity, boundary: p.boundary } : { identity: p.identity };
        expect(evaluateIam(input, { action, resource })).toBe(await oracle(input, action, resource));
      }),
      { numRuns: 300, seed: 20261125 },
    );
  });
});
