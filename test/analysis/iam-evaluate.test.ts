import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { allowedActionResources, allowedActionsByAccessLevel, evaluateIam, expandActionPattern, wildcardMatches, type IamDecision, type IamPolicies } from '../../src/analysis/iam/evaluate';
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

  it('counts an Allow with a Condition as allowing, since the condition may hold', () => {
    const p = { identity: [doc({ Effect: 'Allow', Action: 'ecs:*', Resource: '*', Condition: { Bool: { 'aws:SecureTransport': 'true' } } })] };
    expect(evaluateIam(p, { action: 'ecs:UpdateService', resource: svc('checkout') })).toBe('allow');
    expect(evaluateIam(p, { action: 's3:GetObject', resource: svc('checkout') })).toBe('implicit-deny');
  });

  it('does not count a Deny with a Condition as an explicit deny, since the condition may not hold', () => {
    const allow = doc({ Effect: 'Allow', Action: 'ecs:*', Resource: '*' });
    const deny = doc({ Effect: 'Deny', Action: 'ecs:UpdateService', Resource: '*', Condition: { StringNotEquals: { 'aws:RequestedRegion': 'eu-west-1' } } });
    expect(evaluateIam({ identity: [allow, deny] }, { action: 'ecs:UpdateService', resource: svc('checkout') })).toBe('allow');
    expect(evaluateIam({ identity: [allow], boundary: deny }, { action: 'ecs:UpdateService', resource: svc('checkout') })).toBe('implicit-deny');
    expect(evaluateIam({ identity: [deny] }, { action: 'ecs:UpdateService', resource: svc('checkout') })).toBe('implicit-deny');
  });

  it('reads an empty Condition block as no condition', () => {
    const allow = doc({ Effect: 'Allow', Action: 'ecs:*', Resource: '*' });
    const deny = doc({ Effect: 'Deny', Action: 'ecs:UpdateService', Resource: '*', Condition: {} });
    expect(evaluateIam({ identity: [allow, deny] }, { action: 'ecs:UpdateService', resource: svc('checkout') })).toBe('explicit-deny');
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

  it('groups actions an Allow with a Condition may allow', () => {
    const identity = [doc({ Effect: 'Allow', Action: 'ecs:UpdateService', Resource: '*', Condition: { Bool: { 'aws:SecureTransport': 'true' } } })];
    expect(allowedActionsByAccessLevel({ identity }).Write).toEqual(['ecs:UpdateService']);
  });

  it('fails to group an Allow with NotAction, whose actions cannot be enumerated', () => {
    const identity = [doc({ Effect: 'Allow', NotAction: 'iam:*', Resource: '*' })];
    expect(() => allowedActionsByAccessLevel({ identity })).toThrow(TrustError);
    expect(() => allowedActionsByAccessLevel({ identity })).toThrow(/allows NotAction/);
  });
});

describe('expandActionPattern', () => {
  it('expands a wildcard to the actions of the IAM reference, with their access levels', () => {
    const expanded = expandActionPattern('ecs:Describe*');
    expect(expanded.map((a) => a.action)).toContain('ecs:DescribeServices');
    expect(expanded.every((a) => a.accessLevels.includes('Read'))).toBe(true);
  });

  it('keeps the reference casing of an exact action', () => {
    expect(expandActionPattern('ECS:updateservice')).toEqual([{ action: 'ecs:UpdateService', accessLevels: ['Write'] }]);
  });

  it('lets an action the reference does not know stand for itself, with no access level', () => {
    expect(expandActionPattern('nosuch:Thing')).toEqual([{ action: 'nosuch:Thing', accessLevels: [] }]);
    expect(expandActionPattern('ecs:Nosuch*')).toEqual([{ action: 'ecs:Nosuch*', accessLevels: [] }]);
  });
});

describe('allowedActionResources', () => {
  it('keeps the widest allowed resource of each action, within the boundary', () => {
    const identity = [doc(
      { Effect: 'Allow', Action: 'ecs:UpdateService', Resource: [svc('*'), svc('checkout')] },
      { Effect: 'Allow', Action: 'ecs:DescribeServices', Resource: '*' },
    )];
    const boundary = doc({ Effect: 'Allow', Action: 'ecs:*', Resource: svc('*') });
    expect(allowedActionResources({ identity, boundary })).toEqual([
      { action: 'ecs:UpdateService', accessLevels: ['Write'], resource: svc('*') },
      { action: 'ecs:DescribeServices', accessLevels: ['Read'], resource: svc('*') },
    ]);
  });

  it('reports an Allow with NotResource on * and a resource a Deny with NotResource spares', () => {
    const notResource = [doc({ Effect: 'Allow', Action: 'ecs:UpdateService', NotResource: svc('cart') })];
    expect(allowedActionResources({ identity: notResource }).map((a) => a.resource)).toEqual(['*']);
    const spared = [doc({ Effect: 'Allow', Action: 'ecs:UpdateService', Resource: '*' }, { Effect: 'Deny', Action: 'ecs:*', NotResource: svc('checkout') })];
    expect(allowedActionResources({ identity: spared }).map((a) => a.resource)).toEqual([svc('checkout')]);
  });

  it('keeps one of two patterns that match each other', () => {
    const identity = [doc({ Effect: 'Allow', Action: 'ecs:UpdateService', Resource: ['**', '*'] })];
    expect(allowedActionResources({ identity }).map((a) => a.resource)).toEqual(['*']);
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

  it('never understates what the oracle allows when statements carry conditions', async () => {
    // With no request context, the oracle finds the Bool condition false and the Null one true.
    const condition = fc.constantFrom<IamStatement['Condition']>(undefined, { Bool: { 'aws:SecureTransport': 'true' } }, { Null: { 'aws:SecureTransport': 'true' } });
    const conditional = fc.tuple(statement, condition).map(([s, Condition]) => (Condition ? { ...s, Condition } : s));
    const withConditions = fc.record({
      identity: fc.array(fc.array(conditional, { minLength: 1, maxLength: 3 }).map((s) => doc(...s)), { minLength: 1, maxLength: 2 }),
      boundary: fc.option(fc.array(conditional, { minLength: 1, maxLength: 2 }).map((s) => doc(...s)), { nil: undefined }),
    });
    const rank: Record<IamDecision, number> = { 'explicit-deny': 0, 'implicit-deny': 1, allow: 2 };
    await fc.assert(
      fc.asyncProperty(withConditions, fc.constantFrom(...actions), fc.constantFrom(...resources), async (p, action, resource) => {
        const input: IamPolicies = p.boundary ? { identity: p.identity, boundary: p.boundary } : { identity: p.identity };
        const ours = evaluateIam(input, { action, resource });
        const theirs = await oracle(input, action, resource);
        expect({ ours, theirs, atLeast: rank[ours] >= rank[theirs] }).toEqual({ ours, theirs, atLeast: true });
      }),
      { numRuns: 300, seed: 20261125 },
    );
  });
});
