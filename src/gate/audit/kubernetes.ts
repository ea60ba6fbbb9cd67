/**
 * Kubernetes API audit logs (audit.k8s.io/v1 and v1beta1 `Event`s, one JSON object per line, as
 * the log backend writes them): requests the agent's identity was denied.
 *
 * - Identity: the user authorization was checked for: `impersonatedUser.username` when the
 *   request was impersonated, else `user.username`.
 * - Each `auditID` counts once, at its final stage (`ResponseComplete` or `Panic`); the
 *   `RequestReceived` and `ResponseStarted` events of the same request are skipped.
 * - A denial is the annotation `authorization.k8s.io/decision: forbid`; in logs without a
 *   decision annotation (before Kubernetes 1.11, or a denied impersonation, which fails before
 *   authorization annotates), code 403 with reason `Forbidden`; or a rejection by the agent's
 *   own approval ValidatingAdmissionPolicy: a failed response whose message names the policy
 *   (`ValidatingAdmissionPolicy '<name>' with binding ... denied request`, code 422 by default)
 *   or whose `validation.policy.admission.k8s.io/validation_failure` annotation lists the policy
 *   with the `Deny` action. A 403 from any other admission plugin (decision `allow`) and a 401
 *   are not scope violations.
 * - Time: `stageTimestamp`, else `requestReceivedTimestamp`, else `timestamp` (v1beta1).
 * Only events of the agent's identity are checked beyond their shape; other users' events are
 * counted and skipped.
 */
import { parseInstant } from '../instant';
import { clip, shown, type Source } from '../source';
import { auditError, eachJsonLine, parseRecord, pathOf, type AuditDenial, type AuditReadCounts } from './read';

/** A request of the agent's identity that authorization allowed (for `trust-gate usage`). */
export interface KubernetesAllowedRequest {
  /** `auditID`. */
  readonly id: string;
  readonly atMs: number;
  readonly verb: string;
  /** `''` for the core group. */
  readonly apiGroup: string;
  /** `''` for a non-resource request. */
  readonly resource: string;
  readonly subresource: string;
  readonly name: string;
  /** `''` for cluster-scoped requests. */
  readonly namespace: string;
  /** The URL path of a non-resource request (`/healthz`); `''` for resource requests. */
  readonly path: string;
  /** The response code; 0 when the event has none. A write with a code below 400 was admitted. */
  readonly code: number;
  /** `FILE:LINE`. */
  readonly where: string;
}

/** Whom to look for in a Kubernetes audit log. */
export interface KubernetesAuditOptions {
  /** The agent's username, e.g. `system:serviceaccount:ops-agents:incident-responder`. */
  readonly user: string;
  /** The agent's own ValidatingAdmissionPolicy (`objectNames(agent).admissionPolicy`). */
  readonly admissionPolicy: string;
}

const WHAT = 'one audit.k8s.io Event per line, as the API server log backend writes them';
const DECISION = 'authorization.k8s.io/decision';
const VALIDATION_FAILURE = 'validation.policy.admission.k8s.io/validation_failure';

/** Why the request was a scope violation, or undefined when it was not. */
function denial(event: Record<string, unknown>, policy: string): string | undefined {
  const annotations = (event.annotations ?? {}) as Record<string, unknown>;
  const status = (event.responseStatus ?? {}) as Record<string, unknown>;
  const decision = annotations[DECISION];
  if (decision === 'forbid') {
    const reason = annotations['authorization.k8s.io/reason'];
    return `forbidden by authorization${typeof reason === 'string' && reason ? ` (${clip(reason, 200)})` : ''}`;
  }
  if (decision === undefined && status.code === 403 && status.reason === 'Forbidden') return 'forbidden (403)';
  if (typeof status.code === 'number' && status.code >= 400 && rejectedBy(policy, annotations[VALIDATION_FAILURE], status.message)) {
    return `rejected by ValidatingAdmissionPolicy ${policy} (${status.code})`;
  }
  return undefined;
}

function rejectedBy(policy: string, failures: unknown, message: unknown): boolean {
  if (typeof message === 'string' && message.includes(`ValidatingAdmissionPolicy '${policy}'`)) return true;
  if (typeof failures !== 'string') return false;
  let list: unknown;
  try {
    list = JSON.parse(failures);
  } catch {
    return false;
  }
  if (!Array.isArray(list)) return false;
  return list.some((f) => {
    const actions = pathOf(f, 'validationActions');
    return pathOf(f, 'policy') === policy && Array.isArray(actions) && actions.includes('Deny');
  });
}

/** Whether authorization allowed the request: the `allow` decision or, in logs without one, neither a 401 nor a 403 Forbidden. */
function authorized(event: Record<string, unknown>): boolean {
  const decision = pathOf(event, 'annotations', DECISION);
  if (decision !== undefined) return decision === 'allow';
  const code = pathOf(event, 'responseStatus', 'code');
  return code !== 401 && !(code === 403 && pathOf(event, 'responseStatus', 'reason') === 'Forbidden');
}

function text(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

/**
 * The object a request URI names, for events without `objectRef` (written by hand, or by old
 * API servers): `/api/v1/namespaces/NS/RESOURCE/NAME/SUB` and `/apis/GROUP/VERSION/…`; other
 * paths are non-resource URLs.
 */
export function objectOfUri(uri: string): { apiGroup: string; resource: string; subresource: string; name: string; namespace: string; path: string } {
  const path = uri.split('?')[0]!;
  const parts = path.split('/').filter((p) => p !== '');
  const start = parts[0] === 'api' ? 2 : parts[0] === 'apis' ? 3 : -1;
  if (start === -1 || parts.length <= start) return { apiGroup: '', resource: '', subresource: '', name: '', namespace: '', path };
  const apiGroup = parts[0] === 'apis' ? parts[1]! : '';
  let rest = parts.slice(start);
  let namespace = '';
  if (rest[0] === 'namespaces' && rest.length >= 3) {
    namespace = rest[1]!;
    rest = rest.slice(2);
  }
  return { apiGroup, resource: rest[0] ?? '', name: rest[1] ?? '', subresource: rest[2] ?? '', namespace, path: '' };
}

function allowedRequest(event: Record<string, unknown>, id: string, atMs: number, where: string): KubernetesAllowedRequest {
  const ref = event.objectRef as Record<string, unknown> | undefined;
  const code = pathOf(event, 'responseStatus', 'code');
  const object = ref
    ? { apiGroup: text(ref.apiGroup), resource: text(ref.resource), subresource: text(ref.subresource), name: text(ref.name), namespace: text(ref.namespace), path: '' }
    : objectOfUri(text(event.requestURI));
  return { id, atMs, where, verb: text(event.verb), ...object, code: typeof code === 'number' ? code : 0 };
}

function target(event: Record<string, unknown>): string {
  const ref = event.objectRef as Record<string, unknown> | undefined;
  const verb = typeof event.verb === 'string' ? clip(event.verb, 40) : '?';
  if (!ref) return `${verb} ${clip(event.requestURI ?? '', 200)}`.trim();
  const text = (v: unknown) => (typeof v === 'string' ? clip(v, 100) : '');
  const group = text(ref.apiGroup) ? `${text(ref.apiGroup)}/` : '';
  const sub = text(ref.subresource) ? `/${text(ref.subresource)}` : '';
  const name = text(ref.name) ? ` ${text(ref.name)}` : '';
  const ns = text(ref.namespace) ? ` in ${text(ref.namespace)}` : '';
  return `${verb} ${group}${typeof ref.resource === 'string' ? clip(ref.resource, 100) : '?'}${sub}${name}${ns}`;
}

/**
 * Reads a Kubernetes audit log and reports each request denied to `options.user` and, with
 * `onAllowed`, each request of `options.user` that authorization allowed.
 * @example await readKubernetesAudit(textSource('audit.log', text), { user: 'bob', admissionPolicy: 'x.graduated-trust.dev' }, (d) => found.push(d))
 */
export async function readKubernetesAudit(
  source: Source,
  options: KubernetesAuditOptions,
  onDenial: (denial: AuditDenial) => void,
  onAllowed?: (request: KubernetesAllowedRequest) => void,
): Promise<AuditReadCounts> {
  let records = 0;
  let denials = 0;
  await eachJsonLine(source, (line, where) => {
    const event = parseRecord(line, where(), WHAT);
    records++;
    if (event.kind !== undefined && event.kind !== 'Event') throw auditError(where(), `field "kind" is ${shown(event.kind)}; expected ${WHAT}`);
    const stage = event.stage;
    if (typeof stage !== 'string') throw auditError(where(), `field "stage" is ${shown(stage)}; expected ${WHAT}`);
    if (stage !== 'ResponseComplete' && stage !== 'Panic') return;
    const impersonated = pathOf(event, 'impersonatedUser', 'username');
    const user = typeof impersonated === 'string' ? impersonated : pathOf(event, 'user', 'username');
    if (user !== options.user) return;
    const why = denial(event, options.admissionPolicy);
    const allowed = why === undefined && onAllowed !== undefined && authorized(event);
    if (why === undefined && !allowed) return;
    const auditID = event.auditID;
    if (typeof auditID !== 'string' || auditID.length === 0) throw auditError(where(), `field "auditID" is ${shown(auditID)}: every audit event carries one; is this an audit log?`);
    const field = event.stageTimestamp !== undefined ? 'stageTimestamp' : event.requestReceivedTimestamp !== undefined ? 'requestReceivedTimestamp' : 'timestamp';
    const time = event[field];
    const atMs = typeof time === 'string' ? parseInstant(time) : NaN;
    if (Number.isNaN(atMs)) throw auditError(where(), `field "${field}" is ${shown(time)}: must be an RFC 3339 time such as 2026-05-01T10:00:00.000000Z`);
    if (why === undefined) {
      onAllowed!(allowedRequest(event, auditID, atMs, where()));
      return;
    }
    denials++;
    onDenial({ identity: `k8s-audit\n${auditID}`, atMs, detail: `${target(event)}: ${why}`, where: where() });
  });
  return { records, denials };
}
