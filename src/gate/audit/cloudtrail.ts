/**
 * AWS CloudTrail logs: calls by the agent's IAM role that AWS denied.
 *
 * Accepts a `{"Records": [...]}` file as CloudTrail delivers it to S3 (gunzipped by the file
 * reader when it is `.gz`), a JSON array of records, or JSON lines (one record per line).
 * A record counts when `userIdentity.sessionContext.sessionIssuer.arn` is the role (session ARNs
 * change every session; the issuer does not) and `errorCode` is `AccessDenied*` or
 * `*UnauthorizedOperation` (`Client.UnauthorizedOperation` from EC2). Each `eventID` counts once.
 * Only the role's denials are checked beyond being objects.
 */
import { parseInstant } from '../instant';
import { clip, shown, type Source } from '../source';
import { auditError, eachJsonRecord, parseRecord, pathOf, type AuditDenial, type AuditReadCounts } from './read';

/** Whom to look for in CloudTrail. */
export interface CloudTrailOptions {
  /** The agent's role, e.g. `arn:aws:iam::111122223333:role/incident-responder`. */
  readonly roleArn: string;
}

/** A call of the agent's role that AWS allowed (for `trust-gate usage`): the fields that name the action and resource. */
export interface CloudTrailAllowedCall {
  /** `eventID`. */
  readonly id: string;
  readonly atMs: number;
  /** `ecs.amazonaws.com`. */
  readonly eventSource: string;
  readonly eventName: string;
  readonly region: string;
  /** `recipientAccountId`, else `userIdentity.accountId`. */
  readonly account: string;
  /** `resources[].ARN`, when the record lists them. */
  readonly resourceArns: readonly string[];
  /** `requestParameters`, as logged (null when none). */
  readonly requestParameters: Readonly<Record<string, unknown>> | null;
  /** `FILE:LINE`. */
  readonly where: string;
}

function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

const WHAT = 'CloudTrail records: {"Records": [...]}, a JSON array, or one record per line';
const DENIED = /^AccessDenied|UnauthorizedOperation$/;

/**
 * Reads CloudTrail records and reports each call denied to `options.roleArn` and, with
 * `onAllowed`, each call of the role without an `errorCode`.
 * @example await readCloudTrail(textSource('trail.json', text), { roleArn: 'arn:aws:iam::1:role/x' }, (d) => found.push(d))
 */
export async function readCloudTrail(
  source: Source,
  options: CloudTrailOptions,
  onDenial: (denial: AuditDenial) => void,
  onAllowed?: (call: CloudTrailAllowedCall) => void,
): Promise<AuditReadCounts> {
  let records = 0;
  let denials = 0;
  await eachJsonRecord(source, WHAT, (text, where) => {
    const record = parseRecord(text, where(), WHAT);
    records++;
    if (pathOf(record, 'userIdentity', 'sessionContext', 'sessionIssuer', 'arn') !== options.roleArn) return;
    const errorCode = record.errorCode;
    const denied = typeof errorCode === 'string' && DENIED.test(errorCode);
    const allowed = !denied && onAllowed !== undefined && (errorCode === undefined || errorCode === null);
    if (!denied && !allowed) return;
    const eventID = record.eventID;
    if (typeof eventID !== 'string' || eventID.length === 0) throw auditError(where(), `field "eventID" is ${shown(eventID)}: every CloudTrail record carries one; is this a CloudTrail log?`);
    const atMs = typeof record.eventTime === 'string' ? parseInstant(record.eventTime) : NaN;
    if (Number.isNaN(atMs)) throw auditError(where(), `field "eventTime" is ${shown(record.eventTime)}: must be an ISO-8601 time such as 2026-05-01T10:00:00Z`);
    if (!denied) {
      const resources = Array.isArray(record.resources) ? record.resources : [];
      const parameters = record.requestParameters;
      onAllowed!({
        id: eventID, atMs, where: where(),
        eventSource: str(record.eventSource),
        eventName: str(record.eventName),
        region: str(record.awsRegion),
        account: str(record.recipientAccountId) || str(pathOf(record, 'userIdentity', 'accountId')),
        resourceArns: resources.map((r) => str(pathOf(r, 'ARN'))).filter((a) => a !== ''),
        requestParameters: typeof parameters === 'object' && parameters !== null && !Array.isArray(parameters) ? parameters as Record<string, unknown> : null,
      });
      return;
    }
    denials++;
    const call = `${typeof record.eventSource === 'string' ? clip(record.eventSource, 100) : '?'} ${typeof record.eventName === 'string' ? clip(record.eventName, 100) : '?'}`;
    onDenial({ identity: `cloudtrail\n${eventID}`, atMs, detail: `${call}: ${clip(errorCode, 100)}`, where: where() });
  });
  return { records, denials };
}
