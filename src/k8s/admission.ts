import type {
  KubeValidatingAdmissionPolicyBindingProps,
  KubeValidatingAdmissionPolicyProps,
  MatchResources,
  ValidatingAdmissionPolicySpec,
  ValidatingAdmissionPolicyBindingSpec,
} from 'cdk8s-plus-33/lib/imports/k8s';
import { LABELS, objectNames } from '../definition/names';
import { serviceAccountUsername } from '../definition/types';
import { PHASES, phaseLabel, type Phase } from '../phase/table';
import { approvalPredicate, approvalKeyExpression, writeName, writeNamespaces, writeRules, writeText, type WritesPolicyInput } from './admission-writes';
import type { DeclaredWrite } from './writes';
import { celList, celString, hasLabels } from './cel';
import { objectMeta } from './metadata';

/**
 * The ValidatingAdmissionPolicies of an agent, one input each. Every policy carries its input as
 * JSON in the annotation `graduated-trust.dev/admission`; the analysis renders the spec again from
 * it and trusts the annotation only when the spec is exactly that rendering, so a hand-edited
 * policy is never mistaken for one this library made.
 *
 * - writes (`<agent>.graduated-trust.dev`): every write and CONNECT by the agent's ServiceAccount.
 *   Phases 1–2 deny them all; phases 3 and 4 admit only a declared action. It has no parameter:
 *   the API server resolves a binding's parameters before its match conditions, so a missing
 *   parameter of a policy that matches every write would hold up every write in the cluster.
 * - approved (`<agent>-approved.graduated-trust.dev`, when the remediate tier declares Kubernetes
 *   writes): in phase 3 each of those writes also needs a single-use operator approval in the
 *   approvals ConfigMap. It matches only the objects the remediate tier names, so a missing
 *   ConfigMap denies writes to those objects and nothing else; in other phases it admits.
 * - approvals (`<agent>-approvals.graduated-trust.dev`): only approvers add or change entries of the
 *   approvals ConfigMap, never the agent, each in their own name, and only while the phase needs
 *   approvals. Others (the GitOps controller applying the data-less ConfigMap) may write it
 *   without touching entries.
 * - fence (`<agent>-fence.graduated-trust.dev`): a pod running as the agent's ServiceAccount carries
 *   the agent's pod labels (which its NetworkPolicy selects) and no host network, whoever creates it.
 */

/** One policy and its binding. */
export interface AdmissionObject {
  readonly policy: KubeValidatingAdmissionPolicyProps;
  readonly binding: KubeValidatingAdmissionPolicyBindingProps;
}

/** The agent's admission policies. */
export interface AdmissionAccess {
  readonly writes: AdmissionObject;
  /** Absent when the remediate tier declares no Kubernetes writes. */
  readonly approved: AdmissionObject | undefined;
  readonly approvals: AdmissionObject;
  readonly fence: AdmissionObject;
}

/** Who may write the approvals ConfigMap: members of these groups, or these users. */
export interface Approvers {
  /** @default none */
  readonly groups?: readonly string[];
  /** @default none */
  readonly users?: readonly string[];
}

/** Input of the approvals guard. */
export interface ApprovalsPolicyInput {
  readonly agent: { readonly name: string; readonly namespace: string };
  readonly phase: Phase;
  readonly approvers: { readonly groups: readonly string[]; readonly users: readonly string[] };
}

/** Input of the fence. */
export interface FencePolicyInput {
  readonly agent: { readonly name: string; readonly namespace: string };
  readonly phase: Phase;
  readonly podLabels: Readonly<Record<string, string>>;
}

/** The input of each policy, as its annotation holds it. */
export type AdmissionInput =
  | { readonly policy: 'writes'; readonly input: WritesPolicyInput }
  | { readonly policy: 'approved'; readonly input: WritesPolicyInput }
  | { readonly policy: 'approvals'; readonly input: ApprovalsPolicyInput }
  | { readonly policy: 'fence'; readonly input: FencePolicyInput };

/** Operations the writes policy intercepts: every write, and CONNECT (exec, attach, port-forward, proxy). */
export const WRITE_OPERATIONS = ['CREATE', 'UPDATE', 'DELETE', 'CONNECT'] as const;

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

/** Requests made as the agent's ServiceAccount. */
function agentCondition(agent: WritesPolicyInput['agent']): { name: string; expression: string } {
  return { name: 'agent-service-account', expression: `request.userInfo.username == ${celString(serviceAccountUsername(agent))}` };
}

/** ConfigMaps or Pods in the agent's namespace, for the given operations. */
function inNamespace(namespace: string, resource: 'configmaps' | 'pods', operations: readonly string[], names?: readonly string[]): MatchResources {
  return {
    resourceRules: [{ apiGroups: [''], apiVersions: ['v1'], resources: [resource], operations: [...operations], scope: 'Namespaced', ...(names ? { resourceNames: [...names] } : {}) }],
    namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': namespace } },
    objectSelector: {},
  };
}

/** The request in words, in CEL: `UPDATE deployments/scale checkout in shop`. */
const REQUEST_TEXT = "request.operation + ' ' + request.resource.resource + (has(request.subResource) ? '/' + request.subResource : '') + (has(request.name) ? ' ' + request.name : '') + (has(request.namespace) ? ' in ' + request.namespace : '')";

function writesSpec(input: WritesPolicyInput): ValidatingAdmissionPolicySpec {
  const { agent, phase } = input;
  const prefix = `${agent.name} is in ${phaseLabel(phase)}: `;
  const mode = PHASES[phase].writeAdmission;
  const base = { failurePolicy: 'Fail', matchConstraints: everyWrite(), matchConditions: [agentCondition(agent)] };
  if (mode === 'deny') {
    return {
      ...base,
      validations: [{ expression: 'false', reason: 'Forbidden', message: `${prefix}it never writes to the cluster; promote it to a phase that allows writes with trust-gate` }],
    };
  }
  const declared = input.writes.length > 0 ? input.writes.map(writeText).join('; ') : 'none';
  const validations: NonNullable<ValidatingAdmissionPolicySpec['validations']> = [{
    expression: "variables.action != ''",
    reason: 'Forbidden',
    message: `${prefix}a write must be one of its declared actions (${declared}) and change nothing else`,
    messageExpression: `${celString(prefix)} + ${REQUEST_TEXT} + ${celString(` is not one of its declared actions (${declared}), or changes more than the action allows`)}`,
  }];
  return { ...base, variables: [{ name: 'action', expression: writeName(input.writes) }], validations };
}

/** The approval check of phase 3 over the remediate writes (`input.writes` holds only those). */
function approvedSpec(input: WritesPolicyInput): ValidatingAdmissionPolicySpec {
  const { agent, phase } = input;
  const base = {
    failurePolicy: 'Fail',
    matchConstraints: {
      resourceRules: writeRules(input.writes),
      namespaceSelector: { matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'In', values: writeNamespaces(input.writes) }] },
      objectSelector: {},
    },
    matchConditions: [agentCondition(agent)],
  };
  const prefix = `${agent.name} is in ${phaseLabel(phase)}: `;
  if (PHASES[phase].writeAdmission !== 'approval') {
    return { ...base, validations: [{ expression: 'true', message: `${prefix}its writes need no per-write approval` }] };
  }
  const where = `ConfigMap ${agent.namespace}/${objectNames(agent.name).approvals}`;
  return {
    ...base,
    paramKind: { apiVersion: 'v1', kind: 'ConfigMap' },
    variables: [{ name: 'action', expression: writeName(input.writes) }, { name: 'approvalKey', expression: approvalKeyExpression(input.epoch) }],
    validations: [{
      expression: approvalPredicate(),
      reason: 'Forbidden',
      message: `${prefix}every write needs a single-use operator approval in ${where}`,
      messageExpression: `${celString(prefix)} + ${REQUEST_TEXT} + ' needs an operator approval: an approver sets key ' + variables.approvalKey + ' to their username in ' + ${celString(where)} + ' (trust-gate approve prints the command)'`,
    }],
  };
}

function approvalsSpec(input: ApprovalsPolicyInput): ValidatingAdmissionPolicySpec {
  const { agent, approvers } = input;
  const names = objectNames(agent.name);
  const who = [
    ...approvers.groups.length > 0 ? [`request.userInfo.groups.exists(g, g in ${celList(approvers.groups)})`] : [],
    ...approvers.users.length > 0 ? [`request.userInfo.username in ${celList(approvers.users)}`] : [],
  ];
  const changed = "object.data.filter(k, oldObject == null || !has(oldObject.data) || !(k in oldObject.data) || oldObject.data[k] != object.data[k])";
  const listedApprovers = [...approvers.groups.map((g) => `group ${g}`), ...approvers.users.map((u) => `user ${u}`)].join(', ') || 'nobody (no approvers are declared)';
  return {
    failurePolicy: 'Fail',
    paramKind: { apiVersion: 'v1', kind: 'ConfigMap' },
    matchConstraints: inNamespace(agent.namespace, 'configmaps', ['CREATE', 'UPDATE'], [names.approvals]),
    validations: [
      {
        expression: `request.userInfo.username != ${celString(serviceAccountUsername(agent))}`,
        reason: 'Forbidden',
        message: `${agent.name} can never write its own approvals`,
      },
      {
        expression: `!has(object.data) || size(${changed}) == 0 || ${who.length > 0 ? `(${who.join(' || ')})` : 'false'}`,
        reason: 'Forbidden',
        message: `only approvers of ${agent.name} (${listedApprovers}) add or change entries of ConfigMap ${agent.namespace}/${names.approvals}`,
      },
      {
        expression: `!has(object.data) || ${changed}.all(k, object.data[k] == request.userInfo.username)`,
        reason: 'Forbidden',
        message: `each approval's value is the username of the approver who writes it`,
        messageExpression: `'each approval\\'s value is the username of the approver who writes it: set it to ' + request.userInfo.username`,
      },
      {
        expression: `!has(object.data) || size(${changed}) == 0 || (params != null && has(params.data) && 'approvalsRequired' in params.data && params.data.approvalsRequired == 'true')`,
        reason: 'Forbidden',
        message: `${agent.name} is not in a phase whose writes need approvals (its phase ConfigMap ${agent.namespace}/${names.phaseConfig} says so); approvals would admit nothing`,
      },
    ],
  };
}

function fenceSpec(input: FencePolicyInput): ValidatingAdmissionPolicySpec {
  const { agent, podLabels } = input;
  const labels = Object.entries(podLabels).map(([k, v]) => `${k}=${v}`).join(',');
  return {
    failurePolicy: 'Fail',
    matchConstraints: inNamespace(agent.namespace, 'pods', ['CREATE', 'UPDATE']),
    matchConditions: [{ name: 'agent-service-account', expression: `has(object.spec.serviceAccountName) && object.spec.serviceAccountName == ${celString(agent.name)}` }],
    validations: [
      {
        expression: hasLabels('object', podLabels),
        reason: 'Forbidden',
        message: `pods running as ServiceAccount ${agent.namespace}/${agent.name} must carry the labels ${labels}, which its NetworkPolicy selects`,
      },
      {
        expression: '!has(object.spec.hostNetwork) || !object.spec.hostNetwork',
        reason: 'Forbidden',
        message: `pods running as ServiceAccount ${agent.namespace}/${agent.name} may not use the host network, which its NetworkPolicy does not cover`,
      },
    ],
  };
}

/** The spec of a policy from its input. Pure: the analysis calls it to check a policy it reads. */
export function admissionSpec(input: AdmissionInput): ValidatingAdmissionPolicySpec {
  switch (input.policy) {
    case 'writes': return writesSpec(input.input);
    case 'approved': return approvedSpec(input.input);
    case 'approvals': return approvalsSpec(input.input);
    case 'fence': return fenceSpec(input.input);
  }
}

/** The binding spec of a policy from its input. */
export function admissionBindingSpec(input: AdmissionInput, policyName: string): ValidatingAdmissionPolicyBindingSpec {
  const names = objectNames(input.input.agent.name);
  const namespace = input.input.agent.namespace;
  const base = { policyName, validationActions: ['Deny'] };
  if (input.policy === 'approved') {
    return PHASES[input.input.phase].writeAdmission === 'approval' ? { ...base, paramRef: { name: names.approvals, namespace, parameterNotFoundAction: 'Deny' } } : base;
  }
  // The phase ConfigMap says whether approvals are needed; as a parameter it also keeps a
  // ConfigMap-parameter binding in place in every phase (kubernetes#130887).
  if (input.policy === 'approvals') return { ...base, paramRef: { name: names.phaseConfig, namespace, parameterNotFoundAction: 'Deny' } };
  return base;
}

/** The names of the agent's policies. */
export function admissionPolicyName(agent: string, policy: AdmissionInput['policy']): string {
  const names = objectNames(agent);
  return { writes: names.admissionPolicy, approved: names.approvedPolicy, approvals: names.approvalsPolicy, fence: names.fencePolicy }[policy];
}

function rendered(input: AdmissionInput): AdmissionObject {
  const { agent, phase } = input.input;
  const name = admissionPolicyName(agent.name, input.policy);
  const annotation = { [LABELS.admission]: JSON.stringify(input) };
  return {
    policy: { metadata: objectMeta(agent.name, phase, name, undefined, annotation), spec: admissionSpec(input) },
    binding: { metadata: objectMeta(agent.name, phase, name), spec: admissionBindingSpec(input, name) },
  };
}

/** The agent's admission policies and bindings for a phase. */
export function renderAdmissionObjects(writes: WritesPolicyInput, remediate: readonly DeclaredWrite[], approvers: ApprovalsPolicyInput['approvers'], podLabels: Readonly<Record<string, string>>): AdmissionAccess {
  const { agent, phase } = writes;
  return {
    writes: rendered({ policy: 'writes', input: writes }),
    approved: remediate.length > 0 ? rendered({ policy: 'approved', input: { ...writes, writes: remediate } }) : undefined,
    approvals: rendered({ policy: 'approvals', input: { agent, phase, approvers } }),
    fence: rendered({ policy: 'fence', input: { agent, phase, podLabels } }),
  };
}
