/**
 * ValidatingAdmissionPolicy decisions, as vectors. Upstream sources (Kubernetes 1.33 unless noted):
 * - test/integration/apiserver/cel/validatingadmissionpolicy_test.go (kubernetes/kubernetes):
 *   Test_ValidateNamespace_NoParams, Test_ValidateAnnotationsAndWarnings, the ConfigMap-param tests;
 * - staging/src/k8s.io/apiserver/pkg/admission/plugin/cel/condition_test.go TestCondition;
 * - staging/src/k8s.io/apiserver/pkg/admission/plugin/policy/validating/validator_test.go and
 *   admission_test.go (TestWarnValidationAction, TestAuditValidationAction, TestParamRef).
 */
import { describe, expect, it } from 'vitest';
import {
  evaluateAdmission,
  policyCompileErrors,
  VapInputError,
  VapUnsupportedError,
  type AdmissionCluster,
  type AdmissionRequest,
  type JsonObject,
} from './vap';

type Obj = Record<string, unknown>;

const policy = (name: string, spec: Obj): JsonObject => ({
  apiVersion: 'admissionregistration.k8s.io/v1',
  kind: 'ValidatingAdmissionPolicy',
  metadata: { name },
  spec,
}) as JsonObject;

const binding = (name: string, policyName: string, spec: Obj = {}): JsonObject => ({
  apiVersion: 'admissionregistration.k8s.io/v1',
  kind: 'ValidatingAdmissionPolicyBinding',
  metadata: { name },
  spec: { policyName, validationActions: ['Deny'], ...spec },
}) as JsonObject;

const rule = (groups: string[], resources: string[], operations = ['*']) => ({ apiGroups: groups, apiVersions: ['*'], resources, operations });
const match = (...rules: Obj[]) => ({ resourceRules: rules });
const namespace = (name: string, labels: Record<string, string> = {}): JsonObject => ({
  apiVersion: 'v1',
  kind: 'Namespace',
  metadata: { name, labels: { 'kubernetes.io/metadata.name': name, ...labels } },
}) as JsonObject;
const configMap = (ns: string, name: string, data?: Record<string, string>, labels?: Record<string, string>): JsonObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, namespace: ns, ...(labels ? { labels } : {}) },
  ...(data ? { data } : {}),
}) as JsonObject;

const ADMIN = { username: 'kubernetes-admin', groups: ['system:masters', 'system:authenticated'] };
const AGENT = { username: 'system:serviceaccount:ops-agents:agent', groups: ['system:serviceaccounts', 'system:serviceaccounts:ops-agents', 'system:authenticated'] };

/** A CREATE of a Namespace (the integration tests' request). */
const createNamespace = (name: string): AdmissionRequest => ({
  operation: 'CREATE',
  resource: { group: '', version: 'v1', resource: 'namespaces' },
  kind: { group: '', version: 'v1', kind: 'Namespace' },
  name,
  userInfo: ADMIN,
  object: { apiVersion: 'v1', kind: 'Namespace', metadata: { name } },
});

const createConfigMap = (ns: string, name: string, userInfo = ADMIN): AdmissionRequest => ({
  operation: 'CREATE',
  resource: { group: '', version: 'v1', resource: 'configmaps' },
  kind: { group: '', version: 'v1', kind: 'ConfigMap' },
  namespace: ns,
  name,
  userInfo,
  object: configMap(ns, name),
});

const run = (cluster: Partial<AdmissionCluster>, request: AdmissionRequest) =>
  evaluateAdmission({ policies: [], bindings: [], namespaces: [namespace('default'), namespace('shop')], ...cluster }, request);

describe('Test_ValidateNamespace_NoParams (integration validatingadmissionpolicy_test.go)', () => {
  const suffix = (validation: Obj, failurePolicy = 'Fail', extra: Obj = {}) => ({
    policies: [policy('validate-namespace-suffix', { failurePolicy, matchConstraints: match(rule([''], ['namespaces'])), validations: [validation], ...extra })],
    bindings: [binding('validate-namespace-suffix-binding', 'validate-namespace-suffix')],
  });

  it('admits a namespace whose name has the suffix', () => {
    expect(run(suffix({ expression: "object.metadata.name.endsWith('k8s')" }), createNamespace('test-k8s')).outcome).toBe('Admitted');
  });

  it('denies a namespace without the suffix with reason Invalid and the failed expression', () => {
    const res = run(suffix({ expression: "object.metadata.name.endsWith('k8s')" }), createNamespace('test-foobar'));
    expect(res.status).toEqual({
      code: 422,
      reason: 'Invalid',
      message:
        "namespaces \"test-foobar\" is forbidden: ValidatingAdmissionPolicy 'validate-namespace-suffix' with binding 'validate-namespace-suffix-binding' denied request: failed expression: object.metadata.name.endsWith('k8s')",
    });
  });

  it('denies with the validation reason Forbidden and code 403', () => {
    const res = run(suffix({ expression: "object.metadata.name.endsWith('k8s')", reason: 'Forbidden' }), createNamespace('forbidden-test-foobar'));
    expect(res.status?.reason).toBe('Forbidden');
    expect(res.status?.code).toBe(403);
  });

  it('reads request.name', () => {
    expect(run(suffix({ expression: "request.name.endsWith('k8s')" }), createNamespace('test-k8s')).allowed).toBe(true);
  });

  it('admits a runtime error under failurePolicy Ignore', () => {
    const res = run(suffix({ expression: "object.nonExistentProperty == 'someval'" }, 'Ignore'), createNamespace('test-k8s'));
    expect(res.allowed).toBe(true);
    expect(res.invocations[0]?.decisions[0]).toMatchObject({ evaluation: 'Error', action: 'Admit' });
  });

  it('fails a runtime error under failurePolicy Fail with "no such key"', () => {
    const res = run(suffix({ expression: "object.nonExistentProperty == 'someval'" }), createNamespace('test-k8s'));
    expect(res.status?.message).toBe(
      "namespaces \"test-k8s\" is forbidden: ValidatingAdmissionPolicy 'validate-namespace-suffix' with binding 'validate-namespace-suffix-binding' denied request: expression 'object.nonExistentProperty == 'someval'' resulted in error: no such key: nonExistentProperty",
    );
    expect(res.status?.reason).toBe('Invalid');
  });

  const withParams = { paramKind: { apiVersion: 'v1', kind: 'ConfigMap' } };

  it('fails unguarded params of a binding without paramRef: params is null', () => {
    const res = run(suffix({ expression: 'object.metadata.name.startsWith(params.metadata.name)' }, 'Fail', withParams), createNamespace('test-k8s'));
    expect(res.status?.message).toContain("resulted in error: no such key: metadata");
  });

  it('denies, without an error, when has() guards the null params', () => {
    const expr = 'has(params.metadata) && has(params.metadata.name) && object.metadata.name.endsWith(params.metadata.name)';
    const res = run(suffix({ expression: expr }, 'Fail', withParams), createNamespace('test-k8s'));
    expect(res.status?.message).toContain(`denied request: failed expression: ${expr}`);
  });

  it('admits with a default when params is null', () => {
    const expr = '(params != null && object.metadata.name.startsWith(params.metadata.name)) || object.metadata.name.endsWith(\'k8s\')';
    expect(run(suffix({ expression: expr }, 'Fail', withParams), createNamespace('test-k8s')).allowed).toBe(true);
  });
});

describe('Test_ValidateNamespace_WithConfigMapParams (integration)', () => {
  const cluster = (name: string): Partial<AdmissionCluster> => ({
    policies: [
      policy('validate-namespace-suffix', {
        failurePolicy: 'Fail',
        paramKind: { apiVersion: 'v1', kind: 'ConfigMap' },
        matchConstraints: match(rule([''], ['namespaces'])),
        validations: [{ expression: 'object.metadata.name.endsWith(params.data.namespaceSuffix)' }],
      }),
    ],
    bindings: [binding('validate-namespace-suffix-binding', 'validate-namespace-suffix', { paramRef: { name, namespace: 'default', parameterNotFoundAction: 'Deny' } })],
    params: [configMap('default', 'validate-namespace-suffix-param', { namespaceSuffix: 'k8s' })],
  });

  it('admits and denies by the param\'s data', () => {
    expect(run(cluster('validate-namespace-suffix-param'), createNamespace('test-k8s')).allowed).toBe(true);
    expect(run(cluster('validate-namespace-suffix-param'), createNamespace('test-foo')).status?.message).toContain(
      'denied request: failed expression: object.metadata.name.endsWith(params.data.namespaceSuffix)',
    );
  });

  it('gives params the paramKind apiVersion and kind (Test_ValidatingAdmissionPolicy_UpdateParamKind)', () => {
    const c = cluster('validate-namespace-suffix-param');
    const p = policy('p', { paramKind: { apiVersion: 'v1', kind: 'ConfigMap' }, matchConstraints: match(rule([''], ['namespaces'])), validations: [{ expression: 'object.metadata.name.startsWith(params.kind.lowerAscii())', message: 'wrong paramKind' }] });
    const b = binding('b', 'p', { paramRef: { name: 'validate-namespace-suffix-param', namespace: 'default', parameterNotFoundAction: 'Deny' } });
    const params = [{ metadata: { name: 'validate-namespace-suffix-param', namespace: 'default' } } as JsonObject].map((m) => ({ ...m, apiVersion: 'v1', kind: 'ConfigMap' }));
    expect(run({ ...c, policies: [p], bindings: [b], params }, createNamespace('configmap-x')).allowed).toBe(true);
    expect(run({ ...c, policies: [p], bindings: [b], params }, createNamespace('secret-x')).status?.message).toContain('wrong paramKind');
  });
});

describe('paramRef and parameterNotFoundAction (policy_dispatcher.go CollectParams)', () => {
  const p = (failurePolicy: string) =>
    policy('approvals', {
      failurePolicy,
      paramKind: { apiVersion: 'v1', kind: 'ConfigMap' },
      matchConstraints: match(rule(['*'], ['*/*'])),
      validations: [{ expression: "request.operation in params.data.allowed.split(' ')" }],
    });
  const b = (action: string, ref: Obj = { name: 'approvals', namespace: 'ops-agents' }) =>
    binding('approvals-binding', 'approvals', { paramRef: { ...ref, parameterNotFoundAction: action } });

  it('fails a missing param with parameterNotFoundAction Deny as a binding configuration error', () => {
    const res = run({ policies: [p('Fail')], bindings: [b('Deny')] }, createConfigMap('shop', 'x'));
    expect(res.status?.message).toBe(
      "configmaps \"x\" is forbidden: ValidatingAdmissionPolicy 'approvals' with binding 'approvals-binding' denied request: failed to configure binding: no params found for policy binding with `Deny` parameterNotFoundAction",
    );
    expect(res.status?.code).toBe(422);
  });

  it('admits a missing param with parameterNotFoundAction Deny when failurePolicy is Ignore', () => {
    expect(run({ policies: [p('Ignore')], bindings: [b('Deny')] }, createConfigMap('shop', 'x')).allowed).toBe(true);
  });

  it('evaluates nothing for a missing param with parameterNotFoundAction Allow', () => {
    const res = run({ policies: [p('Fail')], bindings: [b('Allow')] }, createConfigMap('shop', 'x'));
    expect(res.outcome).toBe('NotMatched');
  });

  it('evaluates once per param a selector finds, in the request namespace by default', () => {
    const params = [
      configMap('shop', 'a', { allowed: 'CREATE' }, { approvals: 'yes' }),
      configMap('shop', 'b', { allowed: 'UPDATE' }, { approvals: 'yes' }),
      configMap('default', 'c', { allowed: 'CREATE' }, { approvals: 'yes' }),
    ];
    const res = run({ policies: [p('Fail')], bindings: [b('Deny', { selector: { matchLabels: { approvals: 'yes' } } })], params }, createConfigMap('shop', 'x'));
    expect(res.invocations.map((i) => i.param)).toEqual(['shop/a', 'shop/b']);
    expect(res.allowed).toBe(false);
  });

  it('fails a namespaced paramRef without namespace on a cluster-scoped request (TestParamRef)', () => {
    const req: AdmissionRequest = { operation: 'CREATE', resource: { group: '', version: 'v1', resource: 'nodes' }, kind: { group: '', version: 'v1', kind: 'Node' }, name: 'n1', userInfo: ADMIN, object: { metadata: { name: 'n1' } } };
    const res = run({ policies: [p('Fail')], bindings: [b('Deny', { name: 'approvals' })] }, req);
    expect(res.status?.message).toContain('failed to configure binding: cannot use namespaced paramRef in policy binding that matches cluster-scoped resources');
  });
});

describe('match conditions (matchconditions/matcher.go)', () => {
  const denyAll = (conditions: Obj[], failurePolicy = 'Fail') => ({
    policies: [policy('deny-agent', { failurePolicy, matchConstraints: match(rule(['*'], ['*/*'])), matchConditions: conditions, validations: [{ expression: 'false', reason: 'Forbidden', message: 'agent writes are off' }] })],
    bindings: [binding('deny-agent', 'deny-agent')],
  });
  const isAgent = { name: 'agent', expression: `request.userInfo.username == '${AGENT.username}'` };

  it('denies every write of the matched user with the validation message', () => {
    const res = run(denyAll([isAgent]), createConfigMap('shop', 'x', AGENT));
    expect(res.status).toEqual({ code: 403, reason: 'Forbidden', message: "configmaps \"x\" is forbidden: ValidatingAdmissionPolicy 'deny-agent' with binding 'deny-agent' denied request: agent writes are off" });
  });

  it('does not apply to another user', () => {
    expect(run(denyAll([isAgent]), createConfigMap('shop', 'x')).outcome).toBe('NotMatched');
  });

  it('sees a null namespaceObject in match conditions', () => {
    expect(run(denyAll([{ name: 'ns', expression: 'namespaceObject == null' }]), createConfigMap('shop', 'x')).allowed).toBe(false);
  });

  it('fails on an error under Fail, skips the policy under Ignore, and lets a false condition win over an error', () => {
    const broken = { name: 'broken', expression: "request.userInfo.extra['x'][0] == 'y'" };
    expect(run(denyAll([broken]), createConfigMap('shop', 'x')).status?.message).toContain("denied request: expression 'request.userInfo.extra['x'][0] == 'y'' resulted in error: no such key: extra");
    expect(run(denyAll([broken], 'Ignore'), createConfigMap('shop', 'x')).outcome).toBe('NotMatched');
    expect(run(denyAll([broken, isAgent]), createConfigMap('shop', 'x')).outcome).toBe('NotMatched');
  });
});

describe('messageExpression (validator.go:175-207, validator_test.go)', () => {
  const deny = (validation: Obj) => ({
    policies: [policy('p', { matchConstraints: match(rule([''], ['configmaps'])), validations: [{ expression: 'false', ...validation }] })],
    bindings: [binding('b', 'p')],
  });
  const messageOf = (validation: Obj) => run(deny(validation), createConfigMap('shop', 'web')).invocations[0]?.decisions[0]?.message;

  it('uses the messageExpression result, trimmed', () => {
    expect(messageOf({ message: 'static', messageExpression: "'  ' + request.operation + ' ' + object.metadata.name + ' is not allowed '" })).toBe('CREATE web is not allowed');
  });

  it('falls back to message when the messageExpression fails, is blank or has a line break', () => {
    expect(messageOf({ message: 'static', messageExpression: "'x' + string(object.missing)" })).toBe('static');
    expect(messageOf({ message: 'static', messageExpression: "' '" })).toBe('static');
    expect(messageOf({ message: 'static', messageExpression: "'a\\nb'" })).toBe('static');
  });

  it('falls back to "failed expression" without a message', () => {
    expect(messageOf({ messageExpression: "' '" })).toBe('failed expression: false');
  });

  it('fails a messageExpression that is not a string at compile time, and keeps the message', () => {
    expect(messageOf({ message: 'static', messageExpression: 'object.metadata.name' })).toBe('static');
    expect(policyCompileErrors(policy('p', { validations: [{ expression: 'true', messageExpression: 'object.metadata.name' }] }))).toEqual([
      'spec.validations[0].messageExpression: Invalid value: "object.metadata.name": must evaluate to string but got dyn',
    ]);
  });
});

describe('validationActions (dispatcher.go:226-255; admission_test.go, integration Test_ValidateAnnotationsAndWarnings)', () => {
  const p = policy('validate-actions', { matchConstraints: match(rule([''], ['configmaps'])), validations: [{ expression: "object.metadata.name.endsWith('k8s')" }] });
  const withActions = (actions: string[]) => ({ policies: [p], bindings: [binding('validate-actions-binding', 'validate-actions', { validationActions: actions })] });

  it('warns instead of denying with Warn', () => {
    const res = run(withActions(['Warn']), createConfigMap('shop', 'test4-nope'));
    expect(res.allowed).toBe(true);
    expect(res.warnings).toEqual([
      "Validation failed for ValidatingAdmissionPolicy 'validate-actions' with binding 'validate-actions-binding': failed expression: object.metadata.name.endsWith('k8s')",
    ]);
  });

  it('denies and writes the validation_failure audit annotation with Deny and Audit', () => {
    const res = run(withActions(['Deny', 'Audit']), createConfigMap('shop', 'test5-nope'));
    expect(res.allowed).toBe(false);
    expect(res.auditAnnotations).toEqual({
      'validation.policy.admission.k8s.io/validation_failure':
        '[{"message":"failed expression: object.metadata.name.endsWith(\'k8s\')","policy":"validate-actions","binding":"validate-actions-binding","expressionIndex":0,"validationActions":["Deny","Audit"]}]',
    });
  });

  it('turns an evaluation error under Fail into a warning for a Warn-only binding', () => {
    const broken = policy('broken', { matchConstraints: match(rule([''], ['configmaps'])), validations: [{ expression: 'object.nope == 1' }] });
    const res = run({ policies: [broken], bindings: [binding('b', 'broken', { validationActions: ['Warn'] })] }, createConfigMap('shop', 'x'));
    expect(res.allowed).toBe(true);
    expect(res.warnings[0]).toContain('resulted in error: no such key: nope');
  });
});

describe('audit annotations (integration Test_ValidateAnnotationsAndWarnings)', () => {
  const annotated = (failurePolicy: string, annotations: Obj[]) => ({
    policies: [policy('validate-audit-annotations', { failurePolicy, paramKind: { apiVersion: 'v1', kind: 'ConfigMap' }, matchConstraints: match(rule([''], ['configmaps'])), auditAnnotations: annotations })],
    bindings: [binding('validate-audit-annotations-binding', 'validate-audit-annotations')],
  });

  it('publishes <policy>/<key> and leaves out a null value', () => {
    const res = run(annotated('Fail', [{ key: 'example-key', valueExpression: "'object name: ' + object.metadata.name" }, { key: 'exclude-key', valueExpression: 'null' }]), createConfigMap('shop', 'test1-k8s'));
    expect(res.auditAnnotations).toEqual({ 'validate-audit-annotations/example-key': 'object name: test1-k8s' });
  });

  it('denies on an annotation error under Fail and ignores it under Ignore', () => {
    const broken = [{ key: 'example-key', valueExpression: 'string(params.metadata.name)' }];
    expect(run(annotated('Fail', broken), createConfigMap('shop', 'test2-k8s')).status?.message).toBe(
      "configmaps \"test2-k8s\" is forbidden: ValidatingAdmissionPolicy 'validate-audit-annotations' with binding 'validate-audit-annotations-binding' denied request: expression 'string(params.metadata.name)' resulted in error: no such key: metadata",
    );
    expect(run(annotated('Ignore', broken), createConfigMap('shop', 'test3-k8s')).allowed).toBe(true);
  });
});

describe('variables (composition.go)', () => {
  const withVariables = (variables: Obj[], expression: string) => ({
    policies: [policy('p', { matchConstraints: match(rule([''], ['configmaps'])), variables, validations: [{ expression }] })],
    bindings: [binding('b', 'p')],
  });

  it('lets a variable use an earlier one', () => {
    const vars = [{ name: 'name', expression: 'object.metadata.name' }, { name: 'isWeb', expression: "variables.name == 'web'" }];
    expect(run(withVariables(vars, 'variables.isWeb'), createConfigMap('shop', 'web')).allowed).toBe(true);
  });

  it('evaluates a variable only when read, so an unread failing one is harmless', () => {
    const vars = [{ name: 'broken', expression: 'object.nope' }, { name: 'ok', expression: 'true' }];
    expect(run(withVariables(vars, 'variables.ok || variables.broken == 1'), createConfigMap('shop', 'web')).allowed).toBe(true);
    expect(run(withVariables(vars, 'variables.broken == 1'), createConfigMap('shop', 'web')).status?.message).toContain(
      'resulted in error: composited variable "broken" fails to evaluate: no such key: nope',
    );
  });

  it('fails to compile a variable that names a later one', () => {
    const vars = [{ name: 'first', expression: 'variables.second' }, { name: 'second', expression: 'true' }];
    expect(policyCompileErrors(policy('p', { variables: vars, validations: [{ expression: 'true' }] }))[0]).toContain("undefined field 'second'");
  });
});

describe('request fields (condition.go CreateAdmissionRequest, admission/v1 omitempty)', () => {
  const check = (expression: string) => ({
    policies: [policy('p', { matchConstraints: match(rule(['*'], ['*/*'])), validations: [{ expression }] })],
    bindings: [binding('b', 'p')],
  });
  const nameless: AdmissionRequest = { ...createConfigMap('shop', ''), object: { metadata: { generateName: 'cm-', namespace: 'shop' } } };

  it('has no request.name for a create with generateName, and reading it is an error', () => {
    expect(run(check('!has(request.name)'), nameless).allowed).toBe(true);
    expect(run(check("request.name == ''"), nameless).status?.message).toBe(
      "configmaps \"cm-\" is forbidden: ValidatingAdmissionPolicy 'p' with binding 'b' denied request: expression 'request.name == ''' resulted in error: no such key: name",
    );
  });

  it('has no request.namespace or subResource for a cluster-scoped main resource', () => {
    const req: AdmissionRequest = { ...createNamespace('x') };
    expect(run(check('!has(request.namespace) && !has(request.subResource) && request.options.kind == "CreateOptions"'), req).allowed).toBe(true);
  });

  it('gives userInfo without groups no groups field', () => {
    expect(run(check('!has(request.userInfo.groups)'), createConfigMap('shop', 'x', { username: 'alice', groups: [] })).allowed).toBe(true);
  });
});

describe('subresources and operations', () => {
  const check = (expression: string, resources = ['*/*']) => ({
    policies: [policy('p', { matchConstraints: match(rule(['*'], resources)), validations: [{ expression }] })],
    bindings: [binding('b', 'p')],
  });
  const scale = (replicas: number, old: number): AdmissionRequest => ({
    operation: 'UPDATE',
    resource: { group: 'apps', version: 'v1', resource: 'deployments' },
    subResource: 'scale',
    kind: { group: 'autoscaling', version: 'v1', kind: 'Scale' },
    namespace: 'shop',
    name: 'checkout',
    userInfo: AGENT,
    object: { apiVersion: 'autoscaling/v1', kind: 'Scale', metadata: { name: 'checkout', namespace: 'shop', resourceVersion: '42' }, spec: { replicas }, status: { replicas: old, selector: 'app=checkout' } },
    oldObject: { apiVersion: 'autoscaling/v1', kind: 'Scale', metadata: { name: 'checkout', namespace: 'shop', resourceVersion: '42' }, spec: { replicas: old }, status: { replicas: old, selector: 'app=checkout' } },
  });

  it('gives a deployments/scale UPDATE Scale objects, kind autoscaling/v1 Scale and resource apps/v1 deployments', () => {
    const expr =
      "request.kind.group == 'autoscaling' && request.kind.kind == 'Scale' && request.resource.group == 'apps' && request.resource.resource == 'deployments'" +
      " && request.subResource == 'scale' && request.requestSubResource == 'scale' && object.spec.replicas <= oldObject.spec.replicas + 1";
    expect(run(check(expr), scale(3, 2)).allowed).toBe(true);
    expect(run(check(expr), scale(5, 2)).allowed).toBe(false);
  });

  it('leaves a subresource out of a `*` or `deployments` rule and in a `deployments/scale` one', () => {
    expect(run(check('false', ['*']), scale(3, 2)).outcome).toBe('NotMatched');
    expect(run(check('false', ['deployments']), scale(3, 2)).outcome).toBe('NotMatched');
    expect(run(check('false', ['deployments/scale']), scale(3, 2)).allowed).toBe(false);
  });

  it('gives a DELETE a null object and the stored oldObject (condition_test.go "test Object null in delete")', () => {
    const del: AdmissionRequest = {
      operation: 'DELETE',
      resource: { group: '', version: 'v1', resource: 'pods' },
      kind: { group: '', version: 'v1', kind: 'Pod' },
      namespace: 'shop',
      name: 'web-1',
      userInfo: AGENT,
      oldObject: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web-1', namespace: 'shop', resourceVersion: '7' }, spec: { containers: [{ name: 'c', image: 'nginx' }] } },
    };
    expect(run(check("object == null && oldObject != null && oldObject.metadata.resourceVersion == '7' && request.options.kind == 'DeleteOptions'"), del).allowed).toBe(true);
    expect(run(check('object.metadata.name == "web-1"'), del).status?.message).toContain('resulted in error: no such key: metadata');
  });

  it('gives a CONNECT to pods/exec the PodExecOptions as object and no oldObject', () => {
    const exec: AdmissionRequest = {
      operation: 'CONNECT',
      resource: { group: '', version: 'v1', resource: 'pods' },
      subResource: 'exec',
      kind: { group: '', version: 'v1', kind: 'PodExecOptions' },
      namespace: 'shop',
      name: 'web-1',
      userInfo: AGENT,
      object: { apiVersion: 'v1', kind: 'PodExecOptions', stdin: true, tty: true, container: 'c', command: ['sh'] },
    };
    expect(run(check("object.kind == 'PodExecOptions' && object.command == ['sh'] && oldObject == null && request.options == null"), exec).allowed).toBe(true);
  });
});

describe('objects as CEL maps (the answers to questions 1 and 2)', () => {
  const check = (expression: string) => ({
    policies: [policy('p', { matchConstraints: match(rule(['apps'], ['deployments'])), validations: [{ expression }] })],
    bindings: [binding('b', 'p')],
  });
  const template = { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'nginx:1' }] } };
  const update = (newTemplate: JsonObject): AdmissionRequest => ({
    operation: 'UPDATE',
    resource: { group: 'apps', version: 'v1', resource: 'deployments' },
    kind: { group: 'apps', version: 'v1', kind: 'Deployment' },
    namespace: 'shop',
    name: 'web',
    userInfo: AGENT,
    object: { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', labels: { app: 'web', tier: 'front' } }, spec: { replicas: 3, template: newTemplate } },
    oldObject: { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', labels: { app: 'web' } }, spec: { replicas: 2, template } },
  });

  it('iterates, tests and indexes a typed object as a map, with or without dyn()', () => {
    const expr =
      "dyn(object.spec).all(k, k in ['replicas', 'template']) && 'replicas' in object.spec && object.spec['replicas'] == 3" +
      " && object.spec.template.spec.containers[0].all(k, k in ['name', 'image'])";
    expect(run(check(expr), update(template)).allowed).toBe(true);
  });

  it('filters and indexes metadata.labels', () => {
    expect(run(check("object.metadata.labels.filter(k, k != 'app') == ['tier'] && object.metadata.labels['tier'] == 'front'"), update(template)).allowed).toBe(true);
  });

  it('compares pod templates deeply with ==', () => {
    const expr = 'object.spec.template == oldObject.spec.template';
    expect(run(check(expr), update(JSON.parse(JSON.stringify(template)))).allowed).toBe(true);
    expect(run(check(expr), update({ ...template, spec: { containers: [{ name: 'web', image: 'nginx:2' }] } })).allowed).toBe(false);
  });
});

describe('the evaluator\'s limits', () => {
  const check = (expression: string) => ({
    policies: [policy('p', { matchConstraints: match(rule([''], ['configmaps'])), validations: [{ expression }] })],
    bindings: [binding('b', 'p')],
  });

  it('fails with VapUnsupportedError for a library it cannot run', () => {
    expect(() => run(check("quantity('1Gi').isGreaterThan(quantity('1Mi'))"), createConfigMap('shop', 'x'))).toThrow(VapUnsupportedError);
  });

  it('fails with VapInputError for a namespaced request whose Namespace is not given', () => {
    expect(() => run(check('true'), createConfigMap('nowhere', 'x'))).toThrow(VapInputError);
  });

  it('never intercepts ValidatingAdmissionPolicies themselves (generic/plugin.go:45-50)', () => {
    const req: AdmissionRequest = { operation: 'CREATE', resource: { group: 'admissionregistration.k8s.io', version: 'v1', resource: 'validatingadmissionpolicies' }, kind: { group: 'admissionregistration.k8s.io', version: 'v1', kind: 'ValidatingAdmissionPolicy' }, name: 'p', userInfo: ADMIN };
    const all = { policies: [policy('p', { matchConstraints: match(rule(['*'], ['*'])), validations: [{ expression: 'false' }] })], bindings: [binding('b', 'p')] };
    expect(run(all, req).outcome).toBe('NotMatched');
  });

  it('reports a validation whose type is dyn as a compile error that failurePolicy decides', () => {
    const res = run(check('object.metadata.name'), createConfigMap('shop', 'x'));
    expect(res.status?.message).toContain('denied request: compilation error: must evaluate to bool but got dyn');
  });
});
