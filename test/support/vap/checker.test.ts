/**
 * Compile-time behaviour of admission expressions. Vectors from
 * staging/src/k8s.io/apiserver/pkg/admission/plugin/cel/condition_test.go (1.33): TestCompile at
 * line 64 and the namespaceObject cases at lines 815-871; the rest follow cel-go v0.23's checker.
 */
import { describe, expect, it } from 'vitest';
import { VapUnsupportedError, type CheckEnv } from './checker';
import { compile } from './compile';
import { NAMESPACE_TYPE, REQUEST_TYPE } from './declarations';
import { T } from './types';

const env = (minor = 33, withParams = true): CheckEnv => ({
  minor,
  variables: new Map([
    ['object', T.dyn],
    ['oldObject', T.dyn],
    ['request', REQUEST_TYPE],
    ['namespaceObject', NAMESPACE_TYPE],
    ['variables', T.object('kubernetes.variables', { isAgent: T.bool, name: T.dyn })],
    ...(withParams ? ([['params', T.dyn]] as const) : []),
  ]),
});

const errorOf = (expr: string, e: CheckEnv = env()): string | undefined => {
  const c = compile(expr, e, [T.bool]);
  return c.ok ? undefined : c.error;
};

describe('TestCompile (condition_test.go:64)', () => {
  it('fails a comparison of int and string', () => {
    expect(errorOf("1 < 'asdf'")).toContain("found no matching overload for '_<_' applied to '(int, string)");
  });

  it.each(['1 < 2', "object.spec.string.matches('[0-9]+')", "request.kind.group == 'example.com' && request.kind.version == 'v1' && request.kind.kind == 'Fake'"])(
    'compiles %s',
    (expr) => {
      expect(errorOf(expr)).toBeUndefined();
    },
  );
});

describe('declared types', () => {
  it.each([
    ['size(namespaceObject.metadata.managedFields) == 1', "undefined field 'managedFields'"],
    ['size(namespaceObject.metadata.ownerReferences) == 1', "undefined field 'ownerReferences'"],
    ["request.uid == ''", "undefined field 'uid'"],
    ['request.object == null', "undefined field 'object'"],
    ['variables.missing', "undefined field 'missing'"],
  ])('fails %s with %s', (expr, message) => {
    expect(errorOf(expr)).toContain(message);
  });

  it('fails params when the policy has no paramKind', () => {
    expect(errorOf('params != null', env(33, false))).toContain("undeclared reference to 'params'");
  });

  it('fails a comparison of a declared string with null', () => {
    expect(errorOf('request.name == null')).toContain("found no matching overload for '_==_' applied to '(string, null)'");
  });

  it('accepts has() on an optional request field and on a map key', () => {
    expect(errorOf('has(request.name) && has(params.data.foo)')).toBeUndefined();
  });

  it('fails a comprehension over a declared object type, but not over dyn', () => {
    expect(errorOf('request.userInfo.all(k, true)')).toContain("expression of type 'kubernetes.UserInfo' cannot be range of a comprehension");
    expect(errorOf("dyn(object.spec).all(k, k != '') && object.spec.all(k, k in object.spec)")).toBeUndefined();
  });
});

describe('return types (compile.go:188-205)', () => {
  it('fails a validation whose type is dyn, not bool', () => {
    expect(errorOf('object.spec.paused')).toBe('must evaluate to bool but got dyn');
    expect(errorOf('variables.name')).toBe('must evaluate to bool but got dyn');
  });

  it('accepts a bool variable and a comparison with a dyn one', () => {
    expect(errorOf('variables.isAgent && variables.name == "x"')).toBeUndefined();
  });

  it('fails a messageExpression that is not a string', () => {
    const c = compile('object.metadata.name', env(), [T.string]);
    expect(c.ok ? undefined : c.error).toBe('must evaluate to string but got dyn');
    expect(compile("'name: ' + string(object.metadata.name)", env(), [T.string]).ok).toBe(true);
  });
});

describe('Kubernetes AST validators (base.go:106-117)', () => {
  it('fails a list literal mixing string and dyn elements', () => {
    expect(errorOf("object.metadata.name in ['a', object.metadata.namespace]")).toContain("expected type 'string' but found 'dyn'");
  });

  it('fails an invalid regex or timestamp literal', () => {
    expect(errorOf("object.x.matches('[')")).toContain('invalid matches argument');
    expect(errorOf("timestamp('yesterday') < timestamp('2020-01-01T00:00:00Z')")).toContain('invalid timestamp argument');
  });
});

describe('CEL the evaluator refuses', () => {
  it.each([
    "quantity('1Gi').isGreaterThan(quantity('1Mi'))",
    "isURL('https://kubernetes.io')",
    "'abc 123'.find('[0-9]+') == '123'",
    '[1, 2].sum() == 3',
    "object.spec.all(k, v, v != '')",
    "authorizer.group('apps').resource('deployments').check('create').allowed()",
    "sets.contains(['a'], ['a'])",
    "'%s'.format(['a']) == 'a'",
    "ip('10.0.0.1').family() == 4",
    "object.metadata.?labels.orValue({}) == {}",
    "'abc'.substring(1) == 'bc'",
  ])('fails with VapUnsupportedError for %s', (expr) => {
    expect(() => compile(expr, env(), [T.bool])).toThrow(VapUnsupportedError);
  });

  it('fails a library the version does not have yet as undeclared, as the API server does', () => {
    expect(errorOf("isSemver('1.0.0')", env(32))).toContain("undeclared reference to 'isSemver'");
    expect(() => compile("isSemver('1.0.0')", env(33), [T.bool])).toThrow(VapUnsupportedError);
  });
});
