/**
 * Vectors from staging/src/k8s.io/apiserver/pkg/admission/plugin/webhook/predicates/rules/rules_test.go
 * (Kubernetes 1.33: TestResource at line 253, TestScope at line 334) and matching/matching.go.
 */
import { describe, expect, it } from 'vitest';
import { matches, MatchError, ruleMatches, selectorMatches, type MatchAttributes, type NamedRule } from './matching';

/** rules_test.go `a(group, version, resource, subresource, name, ...)`: a CREATE in namespace `ns`. */
function attr(group: string, version: string, resource: string, subResource: string, namespace = 'ns'): MatchAttributes {
  return {
    operation: 'CREATE',
    resource: { group, version, resource },
    subResource,
    kind: { group, version, kind: `k${resource}` },
    namespace,
    name: 'name',
    object: null,
    oldObject: null,
    equivalents: [],
  };
}

const any = (rule: NamedRule): NamedRule => ({ apiGroups: ['*'], apiVersions: ['*'], operations: ['*'], ...rule });

describe('resource rules (rules_test.go TestResource)', () => {
  const cases: [string, readonly string[], MatchAttributes[], MatchAttributes[]][] = [
    ['no subresources', ['*'], [attr('g', 'v', 'r', ''), attr('2', 'v', 'r2', '')], [attr('g', 'v', 'r', 'exec'), attr('2', 'v', 'r2', 'proxy')]],
    ['r & subresources', ['r/*'], [attr('g', 'v', 'r', ''), attr('g', 'v', 'r', 'exec')], [attr('2', 'v', 'r2', ''), attr('2', 'v', 'r2', 'proxy')]],
    [
      'r & subresources or r2',
      ['r/*', 'r2'],
      [attr('g', 'v', 'r', ''), attr('g', 'v', 'r', 'exec'), attr('2', 'v', 'r2', '')],
      [attr('2', 'v', 'r2', 'proxy')],
    ],
    [
      'proxy or exec',
      ['*/proxy', '*/exec'],
      [attr('g', 'v', 'r', 'exec'), attr('2', 'v', 'r2', 'proxy'), attr('2', 'v', 'r3', 'proxy')],
      [attr('g', 'v', 'r', ''), attr('2', 'v', 'r2', ''), attr('2', 'v', 'r4', 'scale')],
    ],
  ];
  it.each(cases)('matches %s', (_name, resources, yes, no) => {
    for (const a of yes) expect(ruleMatches(any({ resources }), a)).toBe(true);
    for (const a of no) expect(ruleMatches(any({ resources }), a)).toBe(false);
  });

  it('matches every resource and every subresource with */*', () => {
    for (const a of [attr('apps', 'v1', 'deployments', ''), attr('apps', 'v1', 'deployments', 'scale'), attr('', 'v1', 'pods', 'exec')]) {
      expect(ruleMatches(any({ resources: ['*/*'] }), a)).toBe(true);
    }
  });
});

describe('scope (rules_test.go TestScope)', () => {
  const cluster = (group: string, version: string, resource: string, sub: string) => attr(group, version, resource, sub, '');
  it('matches cluster-scoped requests and namespaces themselves with scope Cluster', () => {
    const rule = any({ resources: ['*/*'], scope: 'Cluster' });
    for (const a of [cluster('g', 'v', 'r', ''), cluster('g', 'v', 'r', 'exec'), cluster('', 'v1', 'namespaces', ''), attr('', 'v1', 'namespaces', '')]) {
      expect(ruleMatches(rule, a)).toBe(true);
    }
    expect(ruleMatches(rule, attr('g', 'v', 'r', ''))).toBe(false);
  });

  it('matches namespaced requests but never namespaces with scope Namespaced', () => {
    const rule = any({ resources: ['*/*'], scope: 'Namespaced' });
    expect(ruleMatches(rule, attr('g', 'v', 'r', 'exec'))).toBe(true);
    for (const a of [cluster('', 'v1', 'namespaces', ''), attr('', 'v1', 'namespaces', 'finalize'), cluster('g', 'v', 'r', '')]) {
      expect(ruleMatches(rule, a)).toBe(false);
    }
  });
});

describe('label selectors', () => {
  it('selects everything with an empty selector and nothing with a missing one', () => {
    expect(selectorMatches({}, {})).toBe(true);
    expect(selectorMatches(undefined, { a: 'b' })).toBe(false);
  });

  it('treats NotIn and DoesNotExist as true for an absent label', () => {
    expect(selectorMatches({ matchExpressions: [{ key: 'env', operator: 'NotIn', values: ['prod'] }] }, {})).toBe(true);
    expect(selectorMatches({ matchExpressions: [{ key: 'env', operator: 'DoesNotExist' }] }, {})).toBe(true);
    expect(selectorMatches({ matchExpressions: [{ key: 'env', operator: 'In', values: ['prod'] }] }, {})).toBe(false);
  });

  it('fails an unknown operator', () => {
    expect(() => selectorMatches({ matchExpressions: [{ key: 'a', operator: 'Near' }] }, {})).toThrow(MatchError);
  });
});

describe('matches (matching.go Matches)', () => {
  const labels = (name: string) => (name === 'shop' ? { team: 'shop' } : undefined);
  /** The API defaults selectors to {} (SetDefaults_MatchResources); a missing one selects nothing. */
  const defaulted = (c: Parameters<typeof matches>[0]) => ({ namespaceSelector: {}, objectSelector: {}, ...c });

  it('excludes before it includes', () => {
    const criteria = { resourceRules: [any({ resources: ['*'] })], excludeResourceRules: [any({ resources: ['secrets'] })] };
    expect(matches(defaulted(criteria), attr('', 'v1', 'secrets', ''), labels).matches).toBe(false);
    expect(matches(defaulted(criteria), attr('', 'v1', 'configmaps', ''), labels).matches).toBe(true);
  });

  it('selects nothing with a missing selector, as labels.Nothing()', () => {
    expect(matches({ resourceRules: [any({ resources: ['*'] })] }, attr('', 'v1', 'pods', ''), labels).matches).toBe(false);
  });

  it('matches every resource when resourceRules is empty', () => {
    expect(matches({ namespaceSelector: {}, objectSelector: {} }, attr('x', 'v9', 'things', 'sub'), labels).matches).toBe(true);
  });

  it('reads namespace labels for namespaced requests and never tests cluster-scoped ones', () => {
    const criteria = { resourceRules: [any({ resources: ['*'] })], namespaceSelector: { matchLabels: { team: 'shop' } } };
    expect(matches(defaulted(criteria), attr('', 'v1', 'pods', '', 'shop'), labels).matches).toBe(true);
    expect(matches(defaulted(criteria), attr('', 'v1', 'nodes', '', ''), labels).matches).toBe(true);
  });

  it('fails with the NotFound message when the namespace is unknown and the rules select the request', () => {
    const criteria = { resourceRules: [any({ resources: ['pods'] })], namespaceSelector: { matchLabels: { team: 'shop' } } };
    expect(() => matches(defaulted(criteria), attr('', 'v1', 'pods', '', 'gone'), labels)).toThrow('namespaces "gone" not found');
    expect(matches(defaulted(criteria), attr('', 'v1', 'secrets', '', 'gone'), labels).matches).toBe(false);
  });

  it('matches an equivalent resource only under matchPolicy Equivalent, with its kind', () => {
    const rule = any({ apiGroups: ['apps'], apiVersions: ['v1'], resources: ['deployments'] });
    const a: MatchAttributes = {
      ...attr('extensions', 'v1beta1', 'deployments', ''),
      equivalents: [{ resource: { group: 'apps', version: 'v1', resource: 'deployments' }, kind: { group: 'apps', version: 'v1', kind: 'Deployment' } }],
    };
    expect(matches(defaulted({ resourceRules: [rule], matchPolicy: 'Exact' }), a, labels).matches).toBe(false);
    expect(matches(defaulted({ resourceRules: [rule], matchPolicy: 'Equivalent' }), a, labels)).toEqual({
      matches: true,
      resource: { group: 'apps', version: 'v1', resource: 'deployments' },
      kind: { group: 'apps', version: 'v1', kind: 'Deployment' },
    });
  });

  it('limits a rule to resourceNames', () => {
    const rule = any({ resources: ['configmaps'], resourceNames: ['matched-by-resource-name'] });
    expect(matches(defaulted({ resourceRules: [rule] }), { ...attr('', 'v1', 'configmaps', ''), name: 'matched-by-resource-name' }, labels).matches).toBe(true);
    expect(matches(defaulted({ resourceRules: [rule] }), attr('', 'v1', 'configmaps', ''), labels).matches).toBe(false);
  });
});
