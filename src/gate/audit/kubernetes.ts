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
 * Reads a Kubernetes audit log and reports each request denied to `options.user`.
 * @example await readKubernetesAudit(textSource('audit.log', text), { user: 'bob', admissionPolicy: 'x.graduated-trust.dev' }, (d) => found.push(d))
 */
export async function readKubernetesAudit(source: Source, options: KubernetesAuditOptions, onDenial: (denial: AuditDenial) => void): Promise<AuditReadCounts> {
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
    if (why === undefined) return;
    const auditID = event.auditID;
    if (typeof auditID !== 'string' || auditID.length === 0) throw auditError(where(), `field "auditID" is ${shown(auditID)}: every audit event carries one; is this an audit log?`);
    const field = event.stageTimestamp !== undefined ? 'stageTimestamp' : event.requestReceivedTimestamp !== undefined ? 'requestReceivedTimestamp' : 'timestamp';
    const time = event[field];
    const atMs = typeof time === 'string' ? parseInstant(time) : NaN;
    if (Number.isNaN(atMs)) throw auditError(where(), `field "${field}" is ${shown(time)}: must be an RFC 3339 time such as 2026-05-01T10:00:00.000000Z`);
    denials++;
    onDenial({ identity: `k8s-audit\n${auditID}`, atMs, detail: `${target(event)}: ${why}`, where: where() });
  });
  return { records, denials };
}
