/**
 * A ValidatingAdmissionPolicy evaluator for tests: what the kube-apiserver's ValidatingAdmissionPolicy
 * plugin decides for one admission request, given the policies, bindings, param objects and
 * namespaces. It follows staging/src/k8s.io/apiserver/pkg/admission/plugin/policy/validating/
 * dispatcher.go:72-309 (Kubernetes 1.33, checked against 1.37) and runs the expressions on
 * @bufbuild/cel behind a port of cel-go's type checker (./vap/checker.ts), so compile errors, runtime
 * errors and failurePolicy come out as on the server.
 *
 * Kubernetes CEL that @bufbuild/cel 0.6 cannot evaluate (each is refused with VapUnsupportedError,
 * never guessed; the minor version is the one whose environment first declares it, base.go:62-186):
 * - Kubernetes lists library (1.0): `isSorted`, `sum`, `min`, `max`, `indexOf`/`lastIndexOf` on lists.
 * - Kubernetes regex library (1.0): `find`, `findAll`.
 * - Kubernetes URL library (1.0): `url`, `isURL`, `getScheme`, `getHost`, `getHostname`, `getPort`,
 *   `getEscapedPath`, `getQuery`.
 * - Kubernetes authorizer library (1.27; selectors 1.31): the `authorizer` variable and `path`,
 *   `group`, `serviceAccount`, `resource`, `subresource`, `namespace`, `name`, `check`, `allowed`,
 *   `reason`, `errored`, `error`, `fieldSelector`, `labelSelector`.
 * - CEL optional types (1.28): `optional.of`, `optional.ofNonZeroValue`, `optional.none`, `hasValue`,
 *   `value`, `orValue`, `or`, and the `x.?f` / `m[?k]` syntax (the @bufbuild/cel parser rejects it).
 * - Kubernetes quantity library (1.28): `quantity`, `isQuantity`, `sign`, `isGreaterThan`,
 *   `isLessThan`, `compareTo`, `add`, `sub`, `asInteger`, `isInteger`, `asApproximateFloat`.
 * - cel-go sets extension (1.29): `sets.contains`, `sets.equivalent`, `sets.intersects`.
 * - Kubernetes IP and CIDR libraries (1.30): `ip`, `isIP`, `ip.isCanonical`, `family`,
 *   `isUnspecified`, `isLoopback`, `isLinkLocalMulticast`, `isLinkLocalUnicast`, `isGlobalUnicast`,
 *   `cidr`, `isCIDR`, `containsIP`, `containsCIDR`, `masked`, `prefixLength`.
 * - Kubernetes format library (1.31): `format.named`, `format.dns1123Label` and the other
 *   `format.*` formats, `validate`.
 * - cel-go two-variable comprehensions (1.32): `all`/`exists`/`existsOne` with two variables,
 *   `transformList`, `transformMap`, `transformMapEntry`.
 * - Kubernetes semver library (1.33): `semver`, `isSemver`, `major`, `minor`, `patch`.
 * - cel-go lists extension v3 (1.34): `distinct`, `flatten`, `lists.range`, `reverse`, `slice`,
 *   `sort`, `sortBy`, `first`, `last`.
 * - cel-go strings extension v2 (1.29; v0 before): @bufbuild/cel/ext ships `charAt`, `indexOf`,
 *   `lastIndexOf`, `lowerAscii`, `upperAscii`, `replace`, `split`, `substring`, `trim`, `join`,
 *   `format`, `strings.quote`, but counts UTF-16 code units instead of code points, truncates `split`
 *   at its limit, rejects offsets cel-go accepts and formats differently. This evaluator registers
 *   its own `split`, `lowerAscii`, `upperAscii`, `join` and `indexOf` (on strings) with cel-go's
 *   semantics (./vap/strings.ts) and refuses `charAt`, `lastIndexOf`, `replace`, `substring`, `trim`,
 *   `format` and `strings.quote`.
 * - The global form `matches(s, re)` (the method `s.matches(re)` works).
 *
 * Not modelled: CEL cost (per-expression limit 1,000,000 and per-binding budget 10,000,000, see
 * apis/cel/config.go:22-31; nothing here is cut off for cost), typeChecking status warnings, object
 * conversion between versions (give the converted objects in `equivalents`), and the exact text of
 * parse errors and of runtime errors other than "no such key" and "no such overload".
 */
import { VapUnsupportedError } from './vap/checker';
import { compile } from './vap/compile';
import { matches, MatchError, selectorMatches, type GroupVersionKind, type GroupVersionResource, type LabelSelector, type MatchAttributes, type MatchResources } from './vap/matching';
import { defaultOptions, namespaceObjectJson, requestJson, type UserInfo } from './vap/request';
import { T, type CelT } from './vap/types';
import { compilePolicy, validate, type CompiledPolicy, type Decision, type PolicyExpressions } from './vap/validator';
import { toCelValue, type Json, type JsonObject } from './vap/values';
import { NAMESPACE_TYPE, REQUEST_TYPE } from './vap/declarations';

export { VapUnsupportedError };
export type { Decision, GroupVersionKind, GroupVersionResource, Json, JsonObject, UserInfo };

/** The admission operations a ValidatingAdmissionPolicy sees. */
export type Operation = 'CREATE' | 'UPDATE' | 'DELETE' | 'CONNECT';

/** One admission request, as the API server's admission attributes describe it. */
export interface AdmissionRequest {
  readonly operation: Operation;
  /** The request's resource, e.g. `{ group: 'apps', version: 'v1', resource: 'deployments' }`. */
  readonly resource: GroupVersionResource;
  /** e.g. `scale`; @default '' (the main resource) */
  readonly subResource?: string;
  /** The kind of `object`, e.g. autoscaling/v1 Scale for `deployments/scale`. */
  readonly kind: GroupVersionKind;
  /** @default '' (cluster-scoped) */
  readonly namespace?: string;
  /** @default '' (a create with generateName, a deletecollection) */
  readonly name?: string;
  readonly userInfo: UserInfo;
  /** The new object; null on DELETE. For CONNECT the connect options, e.g. a PodExecOptions. @default null */
  readonly object?: JsonObject | null;
  /** The stored object on UPDATE and DELETE; null on CREATE and CONNECT. @default null */
  readonly oldObject?: JsonObject | null;
  /** @default the operation's CreateOptions/UpdateOptions/DeleteOptions (meta.k8s.io/v1), null for CONNECT */
  readonly options?: JsonObject | null;
  /** @default false */
  readonly dryRun?: boolean;
  /**
   * Other group/versions serving the same resource, for matchPolicy Equivalent, with the request's
   * objects converted to that version when its kind differs. @default []
   */
  readonly equivalents?: readonly {
    readonly resource: GroupVersionResource;
    readonly kind: GroupVersionKind;
    readonly object?: JsonObject | null;
    readonly oldObject?: JsonObject | null;
  }[];
}

/** The cluster state the plugin reads. */
export interface AdmissionCluster {
  /** ValidatingAdmissionPolicy manifests (admissionregistration.k8s.io/v1). */
  readonly policies: readonly JsonObject[];
  /** ValidatingAdmissionPolicyBinding manifests. */
  readonly bindings: readonly JsonObject[];
  /** Objects a paramRef may select, found by the policy's paramKind apiVersion and kind. @default [] */
  readonly params?: readonly JsonObject[];
  /** Namespace objects, for namespaceSelector and `namespaceObject`. @default [] */
  readonly namespaces?: readonly JsonObject[];
  /** paramKinds that are cluster-scoped, as `apiVersion/Kind`. @default [] (every paramKind is namespaced) */
  readonly clusterScopedParamKinds?: readonly string[];
  /** The Kubernetes minor version, for the CEL libraries declared. @default 33 */
  readonly kubernetesMinor?: number;
}

/** One (policy, binding, param) evaluation and what it decided. */
export interface Invocation {
  readonly policy: string;
  /** Absent for a policy-level configuration error. */
  readonly binding?: string;
  /** `namespace/name` of the param object. */
  readonly param?: string;
  /** False when a match condition was false: the invocation did not apply. */
  readonly matched: boolean;
  readonly decisions: readonly Decision[];
}

/** What the API server answers. */
export interface AdmissionResponse {
  readonly allowed: boolean;
  /** `NotMatched`: no binding applied; `Admitted`: bindings applied and none denied. */
  readonly outcome: 'NotMatched' | 'Admitted' | 'Denied';
  /** The error status of a denied request. */
  readonly status?: { readonly code: number; readonly reason: string; readonly message: string };
  /** Warnings of bindings with validationActions Warn. */
  readonly warnings: readonly string[];
  /** Audit annotations: `validation.policy.admission.k8s.io/validation_failure` and `<policy>/<key>`. */
  readonly auditAnnotations: Readonly<Record<string, string>>;
  readonly invocations: readonly Invocation[];
}

/** Input the evaluator cannot use, e.g. a namespaced request whose Namespace is not given. */
export class VapInputError extends Error {
  override readonly name = 'VapInputError';
}

/** Resources the plugin never intercepts (generic/plugin.go:45-50; kube-apiserver exclusion/resources.go, 1.30+). */
const EXCLUDED = [
  'admissionregistration.k8s.io/validatingadmissionpolicies',
  'admissionregistration.k8s.io/validatingadmissionpolicybindings',
  'admissionregistration.k8s.io/mutatingadmissionpolicies',
  'admissionregistration.k8s.io/mutatingadmissionpolicybindings',
];
const EXCLUDED_SINCE_1_30 = [
  'authentication.k8s.io/selfsubjectreviews',
  'authentication.k8s.io/tokenreviews',
  'authorization.k8s.io/localsubjectaccessreviews',
  'authorization.k8s.io/selfsubjectaccessreviews',
  'authorization.k8s.io/selfsubjectrulesreviews',
  'authorization.k8s.io/subjectaccessreviews',
];

type Spec = PolicyExpressions & {
  readonly failurePolicy?: 'Fail' | 'Ignore';
  readonly matchConstraints?: MatchResources;
  readonly paramKind?: { readonly apiVersion?: string; readonly kind?: string };
};
type BindingSpec = {
  readonly policyName?: string;
  readonly paramRef?: {
    readonly name?: string;
    readonly namespace?: string;
    readonly selector?: LabelSelector;
    readonly parameterNotFoundAction?: 'Allow' | 'Deny';
  };
  readonly matchResources?: MatchResources;
  readonly validationActions?: readonly ('Deny' | 'Warn' | 'Audit')[];
};

const metadataOf = (o: JsonObject | null | undefined): JsonObject => ((o?.metadata ?? {}) as JsonObject);
const nameOf = (o: JsonObject | null | undefined): string => (metadataOf(o).name as string | undefined) ?? '';
const labelsOf = (o: JsonObject): Readonly<Record<string, string>> => (metadataOf(o).labels ?? {}) as Record<string, string>;

/** SetDefaults_MatchResources and SetDefaults_Rule (pkg/apis/admissionregistration/v1 defaults). */
function defaultMatch(m: MatchResources): MatchResources {
  const rules = (rs: MatchResources['resourceRules']) => rs?.map((r) => ({ scope: '*', ...r }));
  return {
    ...m,
    matchPolicy: m.matchPolicy ?? 'Equivalent',
    namespaceSelector: m.namespaceSelector ?? {},
    objectSelector: m.objectSelector ?? {},
    ...(m.resourceRules ? { resourceRules: rules(m.resourceRules) } : {}),
    ...(m.excludeResourceRules ? { excludeResourceRules: rules(m.excludeResourceRules) } : {}),
  };
}

const groupResource = (gvr: GroupVersionResource): string => (gvr.group === '' ? gvr.resource : `${gvr.resource}.${gvr.group}`);

/** reasonToCode (policy_decision.go:73-87). */
function codeOf(reason: string): number {
  return { Forbidden: 403, Unauthorized: 401, RequestEntityTooLarge: 413, Invalid: 422 }[reason] ?? 422;
}

/** Go's encoding/json string escaping of <, >, & and the JS line separators. */
function goJson(value: unknown): string {
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

interface Denied {
  readonly policy: string;
  readonly binding?: string;
  readonly message: string;
  readonly reason?: string;
}

/** Compiled policies by spec object, as the API server compiles a policy once, not per request. */
const COMPILED = new WeakMap<object, Map<string, CompiledPolicy>>();

function compiledOnce(spec: Parameters<typeof compilePolicy>[0], failurePolicy: Parameters<typeof compilePolicy>[1], minor: number): CompiledPolicy {
  const byOptions = COMPILED.get(spec) ?? new Map<string, CompiledPolicy>();
  COMPILED.set(spec, byOptions);
  const key = `${String(failurePolicy)}/${minor}`;
  const hit = byOptions.get(key);
  if (hit) return hit;
  const compiled = compilePolicy(spec, failurePolicy, minor);
  byOptions.set(key, compiled);
  return compiled;
}

/**
 * Evaluates `request` against every policy and binding in `cluster`, as the kube-apiserver's
 * ValidatingAdmissionPolicy admission plugin does.
 *
 * @throws VapUnsupportedError when an expression needs CEL this evaluator cannot run.
 * @throws VapInputError when the request or the cluster state is incomplete.
 * @example
 * const res = evaluateAdmission({ policies: [policy], bindings: [binding] }, request);
 * expect(res.allowed).toBe(false);
 * expect(res.status?.message).toContain('denied request');
 */
export function evaluateAdmission(cluster: AdmissionCluster, request: AdmissionRequest): AdmissionResponse {
  const minor = cluster.kubernetesMinor ?? 33;
  const gr = `${request.resource.group}/${request.resource.resource}`;
  const empty: AdmissionResponse = { allowed: true, outcome: 'NotMatched', warnings: [], auditAnnotations: {}, invocations: [] };
  if (EXCLUDED.includes(gr) || (minor >= 30 && EXCLUDED_SINCE_1_30.includes(gr))) return empty;

  const attr: MatchAttributes = {
    operation: request.operation,
    resource: request.resource,
    subResource: request.subResource ?? '',
    kind: request.kind,
    namespace: request.namespace ?? '',
    name: request.name ?? '',
    object: request.object ?? null,
    oldObject: request.oldObject ?? null,
    equivalents: request.equivalents ?? [],
  };
  const namespaces = new Map((cluster.namespaces ?? []).map((ns) => [nameOf(ns), ns]));
  const namespaceLabels = (name: string) => {
    const ns = namespaces.get(name);
    return ns && labelsOf(ns);
  };

  const denied: Denied[] = [];
  const warnings: string[] = [];
  const annotations: Record<string, string> = {};
  const invocations: Invocation[] = [];
  let applied = false;

  for (const policy of cluster.policies) {
    const policyName = nameOf(policy);
    const spec = (policy.spec ?? {}) as Spec;
    const failurePolicy = spec.failurePolicy ?? 'Fail';
    const configError = (err: string, binding?: string): void => {
      applied = true;
      const decision: Decision = {
        source: 'configuration',
        evaluation: 'Error',
        action: failurePolicy === 'Ignore' ? 'Admit' : 'Deny',
        message: `failed to configure ${binding === undefined ? 'policy' : 'binding'}: ${err}`,
      };
      invocations.push({ policy: policyName, ...(binding !== undefined ? { binding } : {}), matched: true, decisions: [decision] });
      if (decision.action === 'Deny') denied.push({ policy: policyName, ...(binding !== undefined ? { binding } : {}), message: decision.message! });
    };

    let definition;
    try {
      if (!spec.matchConstraints) throw new MatchError('policy contained no match constraints, a required field');
      definition = matches(defaultMatch(spec.matchConstraints), attr, namespaceLabels);
    } catch (err) {
      if (!(err instanceof MatchError)) throw err;
      configError(err.message);
      continue;
    }
    if (!definition.matches) continue;

    const compiled = compiledOnce(spec, failurePolicy, minor);
    const policyAnnotations = new Map<string, string[]>();
    for (const binding of cluster.bindings) {
      const bspec = (binding.spec ?? {}) as BindingSpec;
      if (bspec.policyName !== policyName) continue;
      const bindingName = nameOf(binding);
      try {
        if (bspec.matchResources && !matches(defaultMatch(bspec.matchResources), attr, namespaceLabels).matches) continue;
      } catch (err) {
        if (!(err instanceof MatchError)) throw err;
        configError(err.message, bindingName);
        continue;
      }
      const params = collectParams(spec, bspec, attr.namespace, cluster);
      if ('error' in params) {
        configError(params.error, bindingName);
        continue;
      }
      const namespaceName = request.kind.group === '' && request.kind.version === 'v1' && request.kind.kind === 'Namespace' ? '' : attr.namespace;
      const namespace = namespaceName === '' ? undefined : namespaces.get(namespaceName);
      if (namespaceName !== '' && namespace === undefined) {
        throw new VapInputError(`namespace '${namespaceName}' is not in cluster.namespaces; the API server reads it for namespaceObject`);
      }
      if (params.list.length === 0) continue;
      applied = true;
      const objects = versionedObjects(request, definition.kind);
      const options = request.options === undefined ? defaultOptions(request.operation) : request.options;
      const reqAttrs = { ...attr, userInfo: request.userInfo, options, dryRun: request.dryRun ?? false };
      for (const param of params.list) {
        const result = validate(compiled, {
          object: toCelValue(objects.object),
          oldObject: toCelValue(objects.oldObject),
          params: param === null ? null : toCelValue(withTypeMeta(param, spec.paramKind)),
          request: toCelValue(requestJson(reqAttrs, definition.resource, definition.kind)),
          matchRequest: toCelValue(requestJson(reqAttrs, request.resource, definition.kind)),
          namespaceObject: toCelValue(namespaceObjectJson(namespace)),
        });
        invocations.push({
          policy: policyName,
          binding: bindingName,
          ...(param !== null ? { param: `${metadataOf(param).namespace ?? ''}/${nameOf(param)}` } : {}),
          matched: result.matched,
          decisions: result.decisions,
        });
        result.decisions.forEach((decision, index) => {
          if (decision.action !== 'Deny') return;
          // An audit annotation error always denies (dispatcher.go:265-278); validation and match
          // condition decisions go through the binding's validationActions.
          if (decision.source === 'auditAnnotation') {
            denied.push({ policy: policyName, binding: bindingName, message: decision.message! });
            return;
          }
          for (const action of bspec.validationActions ?? []) {
            if (action === 'Deny') denied.push({ policy: policyName, binding: bindingName, message: decision.message!, ...(decision.reason ? { reason: decision.reason } : {}) });
            if (action === 'Warn') warnings.push(`Validation failed for ValidatingAdmissionPolicy '${policyName}' with binding '${bindingName}': ${decision.message}`);
            if (action === 'Audit') {
              const key = 'validation.policy.admission.k8s.io/validation_failure';
              annotations[key] ??= goJson([
                { message: decision.message, policy: bspec.policyName, binding: bindingName, expressionIndex: index, validationActions: bspec.validationActions },
              ]);
            }
          }
        });
        for (const { key, value } of result.annotations) {
          const values = policyAnnotations.get(key) ?? [];
          const truncated = value.length > 10 * 1024 ? value.slice(0, 10 * 1024) : value;
          if (!values.includes(truncated)) values.push(truncated);
          policyAnnotations.set(key, values);
        }
      }
    }
    for (const [key, values] of policyAnnotations) annotations[`${policyName}/${key}`] ??= values.join(', ');
  }

  if (denied.length > 0) {
    const first = denied[0]!;
    const inner =
      first.binding !== undefined
        ? `ValidatingAdmissionPolicy '${first.policy}' with binding '${first.binding}' denied request: ${first.message}`
        : `ValidatingAdmissionPolicy '${first.policy}' denied request: ${first.message}`;
    const reason = first.reason ?? 'Invalid';
    return {
      allowed: false,
      outcome: 'Denied',
      status: { code: codeOf(reason), reason, message: forbiddenMessage(request, inner) },
      warnings,
      auditAnnotations: annotations,
      invocations,
    };
  }
  const matchedAny = applied && invocations.some((i) => i.matched);
  return { allowed: true, outcome: matchedAny ? 'Admitted' : 'NotMatched', warnings, auditAnnotations: annotations, invocations };
}

/** admission.NewForbidden: `<resource>.<group> "<name>" is forbidden: <message>`. */
function forbiddenMessage(request: AdmissionRequest, message: string): string {
  let name = request.name ?? '';
  if (name === '') {
    const meta = metadataOf(request.object);
    name = request.object ? ((meta.name as string) || (meta.generateName as string) || 'Unknown') : 'Unknown';
    if (request.object && request.object.metadata === undefined) name = 'Unknown/errorGettingName';
  }
  return `${groupResource(request.resource)} "${name}" is forbidden: ${message}`;
}

/** The objects in the version the policy matched (an equivalent's converted objects). */
function versionedObjects(request: AdmissionRequest, kind: GroupVersionKind): { object: Json; oldObject: Json } {
  const same = kind.group === request.kind.group && kind.version === request.kind.version && kind.kind === request.kind.kind;
  if (same) return { object: request.object ?? null, oldObject: request.oldObject ?? null };
  const eq = (request.equivalents ?? []).find((e) => e.kind.group === kind.group && e.kind.version === kind.version && e.kind.kind === kind.kind);
  if (!eq || eq.object === undefined) {
    throw new VapUnsupportedError(
      `the policy matched through ${kind.group}/${kind.version} ${kind.kind}; give the objects converted to it in request.equivalents`,
    );
  }
  return { object: eq.object ?? null, oldObject: eq.oldObject ?? null };
}

/** dispatcher.go wrappedParam: params always carry the paramKind's apiVersion and kind. */
function withTypeMeta(param: JsonObject, paramKind: Spec['paramKind']): JsonObject {
  return { ...param, apiVersion: param.apiVersion ?? paramKind?.apiVersion ?? '', kind: param.kind ?? paramKind?.kind ?? '' };
}

/** generic/policy_dispatcher.go:267-382 CollectParams. `null` is the single invocation without params. */
function collectParams(
  spec: Spec,
  b: BindingSpec,
  namespace: string,
  cluster: AdmissionCluster,
): { list: readonly (JsonObject | null)[] } | { error: string } {
  const kind = spec.paramKind;
  const ref = b.paramRef;
  if (!kind || !ref) return { list: [null] };
  const clusterScoped = (cluster.clusterScopedParamKinds ?? []).includes(`${kind.apiVersion}/${kind.kind}`);
  let paramsNamespace = '';
  if (!clusterScoped) {
    paramsNamespace = ref.namespace || namespace;
    if (paramsNamespace === '') return { error: 'cannot use namespaced paramRef in policy binding that matches cluster-scoped resources' };
  }
  if (ref.namespace && clusterScoped) return { error: 'paramRef.namespace must not be provided for a cluster-scoped `paramKind`' };
  const candidates = (cluster.params ?? []).filter(
    (p) =>
      p.apiVersion === kind.apiVersion &&
      p.kind === kind.kind &&
      (clusterScoped ? true : (metadataOf(p).namespace ?? '') === paramsNamespace),
  );
  let list: JsonObject[];
  if (ref.name) {
    if (ref.selector) return { error: 'paramRef.name and paramRef.selector are mutually exclusive' };
    list = candidates.filter((p) => nameOf(p) === ref.name);
  } else if (ref.selector) {
    try {
      list = candidates.filter((p) => selectorMatches(ref.selector, labelsOf(p)));
    } catch (err) {
      if (!(err instanceof MatchError)) throw err;
      return { error: err.message };
    }
  } else {
    return { error: 'one of name or selector must be provided' };
  }
  if (list.length === 0 && ref.parameterNotFoundAction === 'Deny') {
    return { error: 'no params found for policy binding with `Deny` parameterNotFoundAction' };
  }
  return { list };
}

/** What the API server's create/update validation reports for a policy's expressions. */
export interface PolicyCheckOptions {
  /** The Kubernetes minor version of the API server. @default 33 */
  readonly kubernetesMinor?: number;
}

/**
 * The compile errors the API server reports when the policy is created: expressions are checked in
 * the NewExpressions environment, the libraries of the previous minor version (compatibility
 * version = emulation version - 1, component-base compatibility/version.go:110-111).
 *
 * @example
 * expect(policyCompileErrors(policy)).toEqual([]);
 */
export function policyCompileErrors(policy: JsonObject, options: PolicyCheckOptions = {}): string[] {
  const minor = (options.kubernetesMinor ?? 33) - 1;
  const spec = (policy.spec ?? {}) as Spec;
  const fields: Record<string, CelT> = {};
  const env = () => ({
    minor,
    variables: new Map<string, CelT>([
      ['object', T.dyn],
      ['oldObject', T.dyn],
      ['request', REQUEST_TYPE],
      ['namespaceObject', NAMESPACE_TYPE],
      ['variables', T.object('kubernetes.variables', fields)],
      ...(spec.paramKind ? ([['params', T.dyn]] as const) : []),
    ]),
  });
  const errors: string[] = [];
  const report = (path: string, expression: string, returnTypes?: readonly CelT[]) => {
    const c = compile(expression, env(), returnTypes);
    if (!c.ok) errors.push(`${path}: Invalid value: ${JSON.stringify(expression)}: ${c.error}`);
    return c;
  };
  (spec.variables ?? []).forEach((v, i) => {
    const c = report(`spec.variables[${i}].expression`, v.expression);
    fields[v.name] = c.ok ? c.type : T.dyn;
  });
  (spec.matchConditions ?? []).forEach((m, i) => report(`spec.matchConditions[${i}].expression`, m.expression, [T.bool]));
  (spec.validations ?? []).forEach((v, i) => {
    report(`spec.validations[${i}].expression`, v.expression, [T.bool]);
    if (v.messageExpression) report(`spec.validations[${i}].messageExpression`, v.messageExpression, [T.string]);
  });
  (spec.auditAnnotations ?? []).forEach((a, i) => report(`spec.auditAnnotations[${i}].valueExpression`, a.valueExpression, [T.string, T.null]));
  return errors;
}

export type { CompiledPolicy };
