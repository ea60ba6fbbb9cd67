/**
 * One policy's expressions, compiled once, and their evaluation for one (binding, param) invocation:
 * staging/src/k8s.io/apiserver/pkg/admission/plugin/policy/validating/validator.go:85-268 (Validate),
 * plugin.go:129-211 (compilePolicy), webhook/matchconditions/matcher.go:80-144 (match conditions) and
 * plugin/cel/composition.go:89-231 (variables: compiled in order, evaluated lazily at most once).
 */
import { celError, type CelValue } from '@bufbuild/cel';
import type { CheckEnv } from './checker';
import { compile, isCelError, unsupportedCause, type Compiled } from './compile';
import { NAMESPACE_TYPE, REQUEST_TYPE } from './declarations';
import { T, type CelT } from './types';
import { celGoMessage, lazyMap, type Json } from './values';

/** The expressions of a ValidatingAdmissionPolicy spec. */
export interface PolicyExpressions {
  readonly paramKind?: unknown;
  readonly variables?: readonly { readonly name: string; readonly expression: string }[];
  readonly matchConditions?: readonly { readonly name: string; readonly expression: string }[];
  readonly validations?: readonly {
    readonly expression: string;
    readonly message?: string;
    readonly messageExpression?: string;
    readonly reason?: string;
  }[];
  readonly auditAnnotations?: readonly { readonly key: string; readonly valueExpression: string }[];
}

/** What one validation, match condition set or audit annotation decided. */
export interface Decision {
  readonly source: 'matchConditions' | 'validation' | 'auditAnnotation' | 'configuration';
  /** Index of the validation or audit annotation. */
  readonly index?: number;
  /** `Admit`: true; `Deny`: false; `Error`: could not be evaluated (compile or runtime error). */
  readonly evaluation: 'Admit' | 'Deny' | 'Error';
  /** What the failure policy made of it (an error is `Deny` under Fail, `Admit` under Ignore). */
  readonly action: 'Admit' | 'Deny';
  readonly message?: string;
  /** The status reason of a denial: the validation's reason, Invalid by default. */
  readonly reason?: string;
}

/** What Validate returns for one invocation. */
export interface ValidateResult {
  /** False when a match condition is false (or failed under Ignore): nothing was evaluated. */
  readonly matched: boolean;
  readonly decisions: readonly Decision[];
  /** Audit annotations to publish, key (without the policy prefix) to value. */
  readonly annotations: readonly { readonly key: string; readonly value: string }[];
}

/** The CEL values of one invocation. */
export interface Activation {
  readonly object: CelValue;
  readonly oldObject: CelValue;
  readonly params: CelValue;
  /** `request` as validations see it (matched resource and kind). */
  readonly request: CelValue;
  /** `request` as match conditions see it (the request's resource, the matched kind). */
  readonly matchRequest: CelValue;
  readonly namespaceObject: CelValue;
}

type Named = { readonly name: string; readonly compiled: Compiled };

/** A policy with every expression compiled. */
export interface CompiledPolicy {
  readonly failurePolicy: 'Fail' | 'Ignore';
  readonly variables: readonly Named[];
  readonly matchConditions: readonly Named[];
  readonly validations: readonly {
    readonly compiled: Compiled;
    readonly message?: string;
    readonly messageExpression?: Compiled;
    readonly reason?: string;
  }[];
  readonly auditAnnotations: readonly { readonly key: string; readonly compiled: Compiled }[];
}

/** plugin.go compilePolicy: the stored-expressions environment of Kubernetes 1.`minor`. */
export function compilePolicy(spec: PolicyExpressions, failurePolicy: 'Fail' | 'Ignore', minor: number): CompiledPolicy {
  const fields: Record<string, CelT> = {};
  const env = (withParams: boolean): CheckEnv => ({
    minor,
    variables: new Map<string, CelT>([
      ['object', T.dyn],
      ['oldObject', T.dyn],
      ['request', REQUEST_TYPE],
      ['namespaceObject', NAMESPACE_TYPE],
      ['variables', T.object('kubernetes.variables', fields)],
      ...(withParams ? ([['params', T.dyn]] as const) : []),
    ]),
  });
  const hasParams = spec.paramKind !== undefined && spec.paramKind !== null;
  const variables = (spec.variables ?? []).map((v) => {
    const compiled = compile(v.expression, env(hasParams));
    fields[v.name] = compiled.ok ? compiled.type : T.dyn;
    return { name: v.name, compiled };
  });
  return {
    failurePolicy,
    variables,
    matchConditions: (spec.matchConditions ?? []).map((m) => ({ name: m.name, compiled: compile(m.expression, env(hasParams), [T.bool]) })),
    validations: (spec.validations ?? []).map((v) => ({
      compiled: compile(v.expression, env(hasParams), [T.bool]),
      ...(v.message !== undefined ? { message: v.message } : {}),
      ...(v.messageExpression ? { messageExpression: compile(v.messageExpression, env(hasParams), [T.string]) } : {}),
      ...(v.reason !== undefined ? { reason: v.reason } : {}),
    })),
    auditAnnotations: (spec.auditAnnotations ?? []).map((a) => ({
      key: a.key,
      compiled: compile(a.valueExpression, env(hasParams), [T.string, T.null]),
    })),
  };
}

type Outcome = { readonly value: CelValue } | { readonly error: string; readonly cause: string };

/** activation.go Evaluate: a compile error or a runtime error becomes the evaluation's error text. */
function evaluate(compiled: Compiled, vars: Record<string, CelValue>): Outcome {
  if (!compiled.ok) return { error: `compilation error: ${compiled.error}`, cause: compiled.error };
  const result = compiled.run(vars);
  if (isCelError(result)) {
    const unsupported = unsupportedCause(result);
    if (unsupported) throw unsupported;
    const cause = celGoMessage(result);
    return { error: `expression '${compiled.expression}' resulted in error: ${cause}`, cause };
  }
  return { value: result };
}

/** The CEL variables of one filter run: each run gets its own lazily evaluated `variables`. */
function bindings(policy: CompiledPolicy, a: Activation, request: CelValue, namespaceObject: CelValue): Record<string, CelValue> {
  const vars: Record<string, CelValue> = { object: a.object, oldObject: a.oldObject, params: a.params, request, namespaceObject };
  const members = new Map<string, () => CelValue>();
  for (const v of policy.variables) {
    members.set(v.name, () => {
      if (!v.compiled.ok) return errorValue(`composited variable "${v.name}" fails to compile: ${v.compiled.error}`);
      const out = evaluate(v.compiled, vars);
      return 'value' in out ? out.value : errorValue(`composited variable "${v.name}" fails to evaluate: ${out.cause}`);
    });
  }
  vars['variables'] = lazyMap(members);
  return vars;
}

/** A CEL error carried as a map value; it surfaces where the variable is read. */
function errorValue(message: string): CelValue {
  return celError(message) as unknown as CelValue;
}

/** utilerrors.NewAggregate(...).Error(): one message as is, several de-duplicated in brackets. */
function aggregate(messages: readonly string[]): string {
  const unique = [...new Set(messages)];
  return unique.length === 1 ? unique[0]! : `[${unique.join(', ')}]`;
}

const GO_SPACE = /^[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+|[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+$/g;

/** Go's strings.TrimSpace: Unicode White_Space (unlike JS trim it keeps U+FEFF). */
export function goTrimSpace(s: string): string {
  return s.replace(GO_SPACE, '');
}

const MAX_MESSAGE_BYTES = 5 * 1024;

/** validator.go:175-207: messageExpression result, else message, else "failed expression: ...". */
function denyMessage(v: CompiledPolicy['validations'][number], vars: Record<string, CelValue>): string {
  let message = '';
  if (v.messageExpression) {
    const out = evaluate(v.messageExpression, vars);
    if ('value' in out && typeof out.value === 'string') {
      message = goTrimSpace(out.value);
      if (Buffer.byteLength(message, 'utf8') > MAX_MESSAGE_BYTES || message.includes('\n')) message = '';
    }
  }
  if (message === '' && v.message !== undefined && v.message.length > 0) message = goTrimSpace(v.message);
  if (message === '') message = `failed expression: ${goTrimSpace(v.compiled.expression)}`;
  return message;
}

function errorDecision(policy: CompiledPolicy, source: Decision['source'], message: string, index?: number): Decision {
  return {
    source,
    ...(index !== undefined ? { index } : {}),
    evaluation: 'Error',
    action: policy.failurePolicy === 'Ignore' ? 'Admit' : 'Deny',
    message,
  };
}

/** validator.go Validate for one invocation. */
export function validate(policy: CompiledPolicy, a: Activation): ValidateResult {
  if (policy.matchConditions.length > 0) {
    const vars = bindings(policy, a, a.matchRequest, null);
    const outcomes = policy.matchConditions.map((m) => evaluate(m.compiled, vars));
    if (outcomes.some((o) => 'value' in o && o.value === false)) return { matched: false, decisions: [], annotations: [] };
    const errors = outcomes.flatMap((o) => ('error' in o ? [o.error] : []));
    if (errors.length > 0) {
      const decision = errorDecision(policy, 'matchConditions', aggregate(errors));
      return { matched: decision.action === 'Deny', decisions: [decision], annotations: [] };
    }
  }
  const vars = bindings(policy, a, a.request, a.namespaceObject);
  const decisions = policy.validations.map((v, index): Decision => {
    const out = evaluate(v.compiled, vars);
    if ('error' in out) return errorDecision(policy, 'validation', out.error, index);
    if (out.value === true) return { source: 'validation', index, evaluation: 'Admit', action: 'Admit' };
    return {
      source: 'validation',
      index,
      evaluation: 'Deny',
      action: 'Deny',
      reason: v.reason ?? 'Invalid',
      message: denyMessage(v, bindings(policy, a, a.request, a.namespaceObject)),
    };
  });
  const annotations: { key: string; value: string }[] = [];
  const annotationVars = bindings(policy, a, a.request, a.namespaceObject);
  policy.auditAnnotations.forEach((ann, index) => {
    const out = evaluate(ann.compiled, annotationVars);
    if ('error' in out) {
      if (policy.failurePolicy === 'Fail') decisions.push(errorDecision(policy, 'auditAnnotation', out.error, index));
      return;
    }
    if (out.value === null) return;
    if (typeof out.value !== 'string') {
      decisions.push(
        errorDecision(
          policy,
          'auditAnnotation',
          `valueExpression '${ann.compiled.expression}' resulted in unsupported return type. Return type must be either string or null.`,
          index,
        ),
      );
      return;
    }
    const value = goTrimSpace(out.value);
    if (value !== '') annotations.push({ key: ann.key, value });
  });
  return { matched: true, decisions, annotations };
}

/** Re-exported for the dispatcher: JSON input values. */
export type { Json };
