import type {
  KubeValidatingAdmissionPolicyBindingProps,
  KubeValidatingAdmissionPolicyProps,
  MatchResources,
  ValidatingAdmissionPolicySpec,
} from 'cdk8s-plus-33/lib/imports/k8s';
import { objectNames } from '../definition/names';
import { serviceAccountUsername, type ResolvedDefinition } from '../definition/types';
import { phaseLabel, PHASES, type Phase } from '../phase/table';
import { objectMeta } from './metadata';

/** The ValidatingAdmissionPolicy and its binding that gate the agent's writes. */
export interface AdmissionAccess {
  readonly policy: KubeValidatingAdmissionPolicyProps;
  readonly binding: KubeValidatingAdmissionPolicyBindingProps;
}

/** Operations the policy intercepts: every write, and CONNECT (exec, attach, port-forward, proxy). */
export const WRITE_OPERATIONS = ['CREATE', 'UPDATE', 'DELETE', 'CONNECT'] as const;

/**
 * The admission request fields the approval check reads. Never `object`: it is null on DELETE
 * (and CONNECT), so a check on it would fail closed on every delete.
 */
export interface AdmissionRequestFields {
  /** `CREATE`, `UPDATE` (also for patch), `DELETE` or `CONNECT`. */
  readonly operation: string;
  /** Absent (omitted) for cluster-scoped requests. */
  readonly namespace?: string;
  /** Plural resource, e.g. `deployments`. */
  readonly resource: string;
  /** e.g. `scale`; absent for the main resource. */
  readonly subResource?: string;
  /** Absent for a create with generateName and for deletecollection. */
  readonly name?: string;
}

/**
 * The approval key of a request: `<namespace>.<resource>[.<subresource>].<name>`, e.g.
 * `shop.deployments.checkout` or `shop.deployments.scale.checkout`. Absent fields count as empty,
 * as in APPROVAL_KEY_CEL, so a nameless request never matches an operator's key.
 */
export function approvalKey(req: AdmissionRequestFields): string {
  return [req.namespace ?? '', req.resource, ...(req.subResource ? [req.subResource] : []), req.name ?? ''].join('.');
}

/**
 * Whether the approvals ConfigMap's `data` admits the request: its approval key is present and
 * its space-separated value lists the operation. The TypeScript twin of APPROVED_CEL.
 */
export function isApproved(approvals: Readonly<Record<string, string>> | undefined, req: AdmissionRequestFields): boolean {
  const value = approvals?.[approvalKey(req)];
  return value !== undefined && value.split(' ').includes(req.operation);
}

/**
 * approvalKey in CEL. `namespace`, `subResource` and `name` are omitempty in AdmissionRequest:
 * when empty they are absent and reading them is a "no such key" error, hence the has() guards.
 */
export const APPROVAL_KEY_CEL =
  "(has(request.namespace) ? request.namespace : '') + '.' + request.resource.resource" +
  " + (has(request.subResource) ? '.' + request.subResource : '')" +
  " + '.' + (has(request.name) ? request.name : '')";

/**
 * isApproved in CEL. `params` is the approvals ConfigMap; with `parameterNotFoundAction: Deny`
 * a missing ConfigMap denies before this runs, the null check keeps the expression total anyway.
 * A ConfigMap without `data` has no such field, hence has(); `in` tests the key before it is read.
 */
export const APPROVED_CEL =
  "params != null && has(params.data) && variables.approvalKey in params.data" +
  " && request.operation in params.data[variables.approvalKey].split(' ')";

/** A CEL string literal. */
function celString(text: string): string {
  return `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/**
 * Every write and CONNECT on every group, resource and subresource, in every namespace and at
 * cluster scope. `*\/*` matches each resource and its subresources (upstream splits on '/', and
 * `*` matches the empty subresource too). The agent's own access reviews (`kubectl auth can-i`)
 * are creates that change nothing, so they are left out.
 */
function everyWrite(): MatchResources {
  return {
    resourceRules: [{ apiGroups: ['*'], apiVersions: ['*'], resources: ['*/*'], operations: [...WRITE_OPERATIONS], scope: '*' }],
    excludeResourceRules: [
      { apiGroups: ['authorization.k8s.io'], apiVersions: ['*'], resources: ['selfsubjectaccessreviews', 'selfsubjectrulesreviews'], operations: ['CREATE'], scope: '*' },
      { apiGroups: ['authentication.k8s.io'], apiVersions: ['*'], resources: ['selfsubjectreviews'], operations: ['CREATE'], scope: '*' },
    ],
    namespaceSelector: {},
    objectSelector: {},
  };
}

/** The match condition that limits the policy to requests made as the agent's ServiceAccount. */
function agentCondition(def: ResolvedDefinition): { name: string; expression: string } {
  return { name: 'agent-service-account', expression: `request.userInfo.username == ${celString(serviceAccountUsername(def))}` };
}

function denySpec(def: ResolvedDefinition, phase: Phase): ValidatingAdmissionPolicySpec {
  return {
    failurePolicy: 'Fail',
    matchConstraints: everyWrite(),
    matchConditions: [agentCondition(def)],
    validations: [{
      expression: 'false',
      reason: 'Forbidden',
      message: `${def.name} is in ${phaseLabel(phase)}: it never writes to the cluster; promote it to a phase that allows writes with trust-gate`,
    }],
  };
}

function approvalSpec(def: ResolvedDefinition, phase: Phase): ValidatingAdmissionPolicySpec {
  const where = `ConfigMap ${def.namespace}/${objectNames(def.name).approvals}`;
  const prefix = `${def.name} is in ${phaseLabel(phase)}: `;
  return {
    failurePolicy: 'Fail',
    paramKind: { apiVersion: 'v1', kind: 'ConfigMap' },
    matchConstraints: everyWrite(),
    matchConditions: [agentCondition(def)],
    variables: [{ name: 'approvalKey', expression: APPROVAL_KEY_CEL }],
    validations: [{
      expression: APPROVED_CEL,
      reason: 'Forbidden',
      message: `${prefix}every write needs an operator approval in ${where} (key <namespace>.<resource>[.<subresource>].<name>, value the operations, e.g. UPDATE)`,
      messageExpression:
        `${celString(prefix)} + request.operation + ' ' + variables.approvalKey + ' is not approved; an operator approves it by setting key ' ` +
        `+ variables.approvalKey + ' to ' + request.operation + ${celString(` in ${where}`)}`,
    }],
  };
}

/**
 * The admission policy the phase table's `writeAdmission` asks for: `deny` rejects every write by
 * the agent, `approval` admits a write only when the operator-owned approvals ConfigMap names it,
 * `none` renders nothing (RBAC alone bounds the agent).
 */
export function renderAdmission(def: ResolvedDefinition, phase: Phase): AdmissionAccess | undefined {
  const name = objectNames(def.name).admissionPolicy;
  const mode = PHASES[phase].writeAdmission;
  if (mode === 'none') return undefined;
  return {
    policy: {
      metadata: objectMeta(def.name, phase, name),
      spec: mode === 'deny' ? denySpec(def, phase) : approvalSpec(def, phase),
    },
    binding: {
      metadata: objectMeta(def.name, phase, name),
      spec: {
        policyName: name,
        validationActions: ['Deny'],
        ...(mode === 'approval'
          ? { paramRef: { name: objectNames(def.name).approvals, namespace: def.namespace, parameterNotFoundAction: 'Deny' } }
          : {}),
      },
    },
  };
}
