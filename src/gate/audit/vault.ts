/**
 * Vault file audit device logs (JSON lines): requests by the agent's Vault role that Vault
 * refused.
 *
 * Only `response` entries count (the `request` entry of a denied request carries the same
 * error), once per `request.id`, when `auth.metadata.role` is the role and `error` contains
 * `permission denied`. Tokens and secret values in the log are HMAC'd; role and service-account
 * metadata are not, which is what makes the role usable here.
 */
import { parseInstant } from '../instant';
import { clip, shown, type Source } from '../source';
import { auditError, eachJsonLine, parseRecord, pathOf, type AuditDenial, type AuditReadCounts } from './read';

/** Whom to look for in a Vault audit log. */
export interface VaultAuditOptions {
  /** The agent's Vault role (Kubernetes auth role name), e.g. `incident-responder`. */
  readonly role: string;
}

/** A request of the agent's Vault role that Vault allowed (for `trust-gate usage`). */
export interface VaultAllowedRequest {
  /** `request.id`. */
  readonly id: string;
  readonly atMs: number;
  /** `read`, `list`, `create`, `update`, `delete`, `patch`. */
  readonly operation: string;
  readonly path: string;
  /** `FILE:LINE`. */
  readonly where: string;
}

const WHAT = 'one Vault audit entry per line, as the file audit device writes them';

/**
 * Reads a Vault audit log and reports each request denied to `options.role` and, with
 * `onAllowed`, each response to the role without an error.
 * @example await readVaultAudit(textSource('vault-audit.log', text), { role: 'incident-responder' }, (d) => found.push(d))
 */
export async function readVaultAudit(
  source: Source,
  options: VaultAuditOptions,
  onDenial: (denial: AuditDenial) => void,
  onAllowed?: (request: VaultAllowedRequest) => void,
): Promise<AuditReadCounts> {
  let records = 0;
  let denials = 0;
  await eachJsonLine(source, (line, where) => {
    const entry = parseRecord(line, where(), WHAT);
    records++;
    if (entry.type !== 'response' || pathOf(entry, 'auth', 'metadata', 'role') !== options.role) return;
    const denied = typeof entry.error === 'string' && entry.error.includes('permission denied');
    const allowed = !denied && onAllowed !== undefined && (entry.error === undefined || entry.error === '');
    if (!denied && !allowed) return;
    const id = pathOf(entry, 'request', 'id');
    if (typeof id !== 'string' || id.length === 0) throw auditError(where(), `field "request.id" is ${shown(id)}: every Vault audit entry carries one; is this a Vault audit log?`);
    const atMs = typeof entry.time === 'string' ? parseInstant(entry.time) : NaN;
    if (Number.isNaN(atMs)) throw auditError(where(), `field "time" is ${shown(entry.time)}: must be an RFC 3339 time such as 2026-05-01T10:00:00.123456789Z`);
    if (!denied) {
      const operation = pathOf(entry, 'request', 'operation');
      const path = pathOf(entry, 'request', 'path');
      onAllowed!({ id, atMs, operation: typeof operation === 'string' ? operation : '', path: typeof path === 'string' ? path : '', where: where() });
      return;
    }
    denials++;
    const text = (v: unknown) => (typeof v === 'string' ? clip(v, 200) : '?');
    const operation = text(pathOf(entry, 'request', 'operation'));
    const path = text(pathOf(entry, 'request', 'path'));
    onDenial({ identity: `vault-audit\n${id}`, atMs, detail: `${operation} ${path}: permission denied`, where: where() });
  });
  return { records, denials };
}
