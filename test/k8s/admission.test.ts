import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Manifest } from '../../src/analysis/k8s/authorizer';
import {
  APPROVAL_KEY_CEL,
  APPROVED_CEL,
  WRITE_OPERATIONS,
  approvalKey,
  isApproved,
  type AdmissionRequestFields,
} from '../../src/k8s';
import { PHASES, PHASE_VALUES } from '../../src/phase/table';
import { incidentResponder } from '../../examples/incident-responder';
import { evalCel, type CelValue } from './cel';
import { ofKind, one, synth } from './helpers';

interface Spec {
  failurePolicy: string;
  paramKind?: unknown;
  matchConditions: Array<{ name: string; expression: string }>;
  matchConstraints: Record<string, unknown>;
  variables?: Array<{ name: string; expression: string }>;
  validations: Array<{ expression: string; message: string; messageExpression?: string; reason: string }>;
}

const policy = (manifests: Manifest[]) => one(manifests, 'ValidatingAdmissionPolicy')['spec'] as Spec;
const binding = (manifests: Manifest[]) => one(manifests, 'ValidatingAdmissionPolicyBinding')['spec'] as Record<string, unknown>;

describe('TrustPhasedAgent admission policy', () => {
  const byPhase = new Map(PHASE_VALUES.map((p) => [p, synth(incidentResponder, p)]));
  const withPolicy = PHASE_VALUES.filter((p) => PHASES[p].writeAdmission !== 'none');

  it('renders a policy exactly in the phases whose table entry asks for admission', () => {
    expect(withPolicy).toEqual([1, 2, 3]);
    expect(ofKind(byPhase.get(4)!, 'ValidatingAdmissionPolicy')).toEqual([]);
    expect(ofKind(byPhase.get(4)!, 'ValidatingAdmissionPolicyBinding')).toEqual([]);
  });

  it.each(withPolicy)('applies only to requests from the agent ServiceAccount in phase %i', (phase) => {
    expect(policy(byPhase.get(phase)!).matchConditions).toEqual([
      { name: 'agent-service-account', expression: "request.userInfo.username == 'system:serviceaccount:ops-agents:incident-responder'" },
    ]);
  });

  it.each(withPolicy)('covers every write and CONNECT on every resource and subresource in phase %i', (phase) => {
    const constraints = policy(byPhase.get(phase)!).matchConstraints;
    expect(constraints['resourceRules']).toEqual([
      { apiGroups: ['*'], apiVersions: ['*'], operations: ['CREATE', 'UPDATE', 'DELETE', 'CONNECT'], resources: ['*/*'], scope: '*' },
    ]);
    expect(constraints['namespaceSelector']).toEqual({});
    expect(constraints['objectSelector']).toEqual({});
  });

  it('leaves out only the agent\'s own access reviews', () => {
    const excluded = (policy(byPhase.get(1)!).matchConstraints['excludeResourceRules'] as Array<{ resources: string[]; operations: string[] }>);
    expect(excluded.flatMap((r) => r.resources).sort()).toEqual(['selfsubjectaccessreviews', 'selfsubjectreviews', 'selfsubjectrulesreviews']);
    expect(excluded.every((r) => r.operations.length === 1 && r.operations[0] === 'CREATE')).toBe(true);
  });

  it.each([1, 2] as const)('rejects every write in phase %i with a message naming the phase', (phase) => {
    const spec = policy(byPhase.get(phase)!);
    expect(spec.failurePolicy).toBe('Fail');
    expect(spec.paramKind).toBeUndefined();
    expect(spec.validations).toHaveLength(1);
    expect(spec.validations[0]!.expression).toBe('false');
    expect(spec.validations[0]!.message).toContain(`phase ${phase} (${PHASES[phase].name})`);
    expect(binding(byPhase.get(phase)!)).toEqual({ policyName: 'incident-responder.graduated-trust.dev', validationActions: ['Deny'] });
  });

  it('admits a write in phase 3 only against the operator-owned approvals ConfigMap', () => {
    const spec = policy(byPhase.get(3)!);
    expect(spec.failurePolicy).toBe('Fail');
    expect(spec.paramKind).toEqual({ apiVersion: 'v1', kind: 'ConfigMap' });
    expect(spec.variables).toEqual([{ name: 'approvalKey', expression: APPROVAL_KEY_CEL }]);
    expect(spec.validations.map((v) => v.expression)).toEqual([APPROVED_CEL]);
    expect(binding(byPhase.get(3)!)).toEqual({
      policyName: 'incident-responder.graduated-trust.dev',
      validationActions: ['Deny'],
      paramRef: { name: 'incident-responder-approvals', namespace: 'ops-agents', parameterNotFoundAction: 'Deny' },
    });
  });

  it('never synthesizes the approvals ConfigMap (operators own it)', () => {
    for (const manifests of byPhase.values()) {
      expect(manifests.filter((m) => m.metadata?.name === 'incident-responder-approvals')).toEqual([]);
    }
  });

  it('names the ConfigMap and the key to set in the phase 3 denial message', () => {
    const v = policy(byPhase.get(3)!).validations[0]!;
    expect(v.message).toContain('ConfigMap ops-agents/incident-responder-approvals');
    expect(v.messageExpression).toContain('variables.approvalKey');
    expect(v.messageExpression).toContain("' in ConfigMap ops-agents/incident-responder-approvals'");
  });
});

describe('approval CEL expressions', () => {
  const expressions = [APPROVAL_KEY_CEL, APPROVED_CEL];

  it('read only request fields that exist on DELETE (never object)', () => {
    for (const e of expressions) expect(e).not.toMatch(/\b(object|oldObject)\b/);
  });

  it('guard every omitempty request field with has()', () => {
    for (const field of ['namespace', 'subResource', 'name']) {
      const uses = APPROVAL_KEY_CEL.match(new RegExp(`request\\.${field}\\b`, 'g')) ?? [];
      const guarded = APPROVAL_KEY_CEL.match(new RegExp(`has\\(request\\.${field}\\)`, 'g')) ?? [];
      expect(uses.length).toBe(2 * guarded.length);
      expect(guarded.length).toBe(1);
    }
  });

  it('check params, then params.data, then the key before reading the value', () => {
    const order = ['params != null', 'has(params.data)', 'variables.approvalKey in params.data', 'params.data[variables.approvalKey]'].map((s) => APPROVED_CEL.indexOf(s));
    expect(order.every((i) => i >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    expect(APPROVED_CEL.split('&&')).toHaveLength(4);
  });
});

describe('approvalKey and isApproved', () => {
  const patch: AdmissionRequestFields = { operation: 'UPDATE', namespace: 'shop', resource: 'deployments', name: 'checkout' };
  const scale: AdmissionRequestFields = { ...patch, subResource: 'scale' };
  const remove: AdmissionRequestFields = { operation: 'DELETE', namespace: 'shop', resource: 'pods', name: 'checkout-7d9f' };

  it.each<[string, AdmissionRequestFields, string]>([
    ['a patch of a deployment', patch, 'shop.deployments.checkout'],
    ['a scale of a deployment', scale, 'shop.deployments.scale.checkout'],
    ['a delete (which has no object)', remove, 'shop.pods.checkout-7d9f'],
    ['a create with generateName (no name)', { operation: 'CREATE', namespace: 'shop', resource: 'pods' }, 'shop.pods.'],
    ['a cluster-scoped write', { operation: 'UPDATE', resource: 'nodes', name: 'node-1' }, '.nodes.node-1'],
    ['empty optional fields, as absent ones', { operation: 'UPDATE', namespace: '', resource: 'nodes', subResource: '', name: 'node-1' }, '.nodes.node-1'],
  ])('keys %s as %s', (_, req, key) => {
    expect(approvalKey(req)).toBe(key);
  });

  it('admits an approved operation on the approved object', () => {
    expect(isApproved({ 'shop.deployments.checkout': 'UPDATE' }, patch)).toBe(true);
    expect(isApproved({ 'shop.pods.checkout-7d9f': 'UPDATE DELETE' }, remove)).toBe(true);
  });

  it('rejects another operation, object, namespace or subresource', () => {
    const approvals = { 'shop.deployments.checkout': 'UPDATE' };
    expect(isApproved(approvals, { ...patch, operation: 'DELETE' })).toBe(false);
    expect(isApproved(approvals, { ...patch, name: 'payments' })).toBe(false);
    expect(isApproved(approvals, { ...patch, namespace: 'payments' })).toBe(false);
    expect(isApproved(approvals, scale)).toBe(false);
  });

  it('matches whole operations, not substrings', () => {
    expect(isApproved({ 'shop.deployments.checkout': 'UPDATES' }, patch)).toBe(false);
    expect(isApproved({ 'shop.deployments.checkout': 'CREATE UPDATE' }, patch)).toBe(true);
  });

  it('rejects everything without approvals data', () => {
    expect(isApproved(undefined, patch)).toBe(false);
    expect(isApproved({}, patch)).toBe(false);
  });

  it('never admits a nameless request through an approval of a named object', () => {
    expect(isApproved({ 'shop.pods.web': 'CREATE' }, { operation: 'CREATE', namespace: 'shop', resource: 'pods' })).toBe(false);
  });
});

/** The request as CEL sees it: omitempty fields are absent when empty. */
function celRequest(req: AdmissionRequestFields, username = 'system:serviceaccount:ops-agents:incident-responder'): CelValue {
  return {
    operation: req.operation,
    resource: { group: 'apps', version: 'v1', resource: req.resource },
    userInfo: { username, groups: ['system:serviceaccounts'] },
    ...(req.namespace ? { namespace: req.namespace } : {}),
    ...(req.subResource ? { subResource: req.subResource } : {}),
    ...(req.name ? { name: req.name } : {}),
  };
}

function celEnv(req: AdmissionRequestFields, data: Record<string, string> | undefined, paramsFound = true): Record<string, CelValue> {
  const env: Record<string, CelValue> = {
    request: celRequest(req),
    params: paramsFound ? { metadata: { name: 'incident-responder-approvals' }, ...(data ? { data } : {}) } : null,
  };
  return { ...env, variables: { approvalKey: evalCel(APPROVAL_KEY_CEL, env) } };
}

const requestFields = (): fc.Arbitrary<AdmissionRequestFields> => fc.record({
  operation: fc.constantFrom(...WRITE_OPERATIONS),
  namespace: fc.constantFrom(undefined, '', 'shop', 'payments'),
  resource: fc.constantFrom('deployments', 'pods', 'nodes'),
  subResource: fc.constantFrom(undefined, '', 'scale', 'status'),
  name: fc.constantFrom(undefined, '', 'checkout', 'cart', 'scale.checkout'),
}, { requiredKeys: ['operation', 'resource'] });

const approvalsFor = (reqs: AdmissionRequestFields[]): fc.Arbitrary<Record<string, string>> =>
  fc.tuple(...reqs.map((r) => fc.subarray(['CREATE', 'UPDATE', 'DELETE', 'CONNECT', 'UPDATES', ''], { minLength: 1 }).map((ops) => [approvalKey(r), ops.join(' ')] as const)))
    .map((entries) => Object.fromEntries(entries));

describe('the admission CEL, evaluated', () => {
  it('computes the same approval key as approvalKey', () => {
    fc.assert(fc.property(requestFields(), (req) => {
      expect(evalCel(APPROVAL_KEY_CEL, { request: celRequest(req) })).toBe(approvalKey(req));
    }));
  });

  it('admits exactly what isApproved admits, without evaluation errors', () => {
    const scenario = fc.tuple(requestFields(), fc.array(requestFields(), { maxLength: 3 }))
      .chain(([req, others]) => fc.tuple(fc.constant(req), fc.option(approvalsFor([req, ...others]), { nil: undefined })));
    fc.assert(fc.property(scenario, ([req, data]) => {
      expect(evalCel(APPROVED_CEL, celEnv(req, data))).toBe(isApproved(data, req));
    }), { numRuns: 500 });
  });

  it('admits nothing when the approvals ConfigMap has no data or is not found', () => {
    const req: AdmissionRequestFields = { operation: 'UPDATE', namespace: 'shop', resource: 'deployments', name: 'checkout' };
    expect(evalCel(APPROVED_CEL, celEnv(req, undefined))).toBe(false);
    expect(evalCel(APPROVED_CEL, celEnv(req, { 'shop.deployments.checkout': 'UPDATE' }, false))).toBe(false);
  });

  it('builds a denial message for any request', () => {
    const v = policy(synth(incidentResponder, 3)).validations[0]!;
    fc.assert(fc.property(requestFields(), (req) => {
      const message = evalCel(v.messageExpression!, celEnv(req, {}));
      expect(message).toContain(`${req.operation} ${approvalKey(req)} is not approved`);
    }));
  });

  it('matches only the agent ServiceAccount', () => {
    const condition = policy(synth(incidentResponder, 1)).matchConditions[0]!.expression;
    const req: AdmissionRequestFields = { operation: 'UPDATE', namespace: 'shop', resource: 'deployments', name: 'checkout' };
    expect(evalCel(condition, { request: celRequest(req) })).toBe(true);
    expect(evalCel(condition, { request: celRequest(req, 'system:serviceaccount:ops-agents:other') })).toBe(false);
    expect(evalCel(condition, { request: celRequest(req, 'alice') })).toBe(false);
  });

  it('errors on an unguarded read of an absent request field, as the API server does', () => {
    const req: AdmissionRequestFields = { operation: 'CREATE', namespace: 'shop', resource: 'pods' };
    expect(() => evalCel('request.name', { request: celRequest(req) })).toThrow(/no such key/);
  });
});
