/**
 * A quick, conservative check of a parsed state file, so commands that only read a valid file
 * (`evaluate`, `status`) never load zod: about 90 ms of every run. It accepts only what the zod
 * schema (schema.ts) accepts, in the forms this library writes; anything else, including valid
 * forms it does not know, goes to the zod schema, which gives the error message (or accepts it).
 * A property test checks that whatever it accepts, the schema accepts.
 */
import { parseInstant } from '../gate/instant';
import { isPhase } from '../phase/table';
import type { StateFile } from './schema';

/** The top-level fields of a state file (the keys of `stateFileSchema`). */
export const STATE_FIELDS: readonly string[] = ['agent', 'phase', 'since', 'history', 'hold', 'violationsActedUntil', 'violationsActed', 'revision'];

// The plain forms zod's `iso.datetime({ offset: true })` accepts: `T`, `Z`, a colon in the offset, at most milliseconds.
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,3})?(?:Z|[+-]\d{2}:\d{2})$/;
const DIGEST = /^[0-9a-f]{32}$/;
const KINDS = new Set(['set-phase', 'evaluate', 'set-revision']);

type Obj = Record<string, unknown>;

function isObject(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function text(v: unknown): boolean {
  return typeof v === 'string' && v.length > 0;
}

/** An ISO-8601 time with a zone and a real calendar date (the gate's parser checks the ranges), in the plain forms. */
function iso(v: unknown): boolean {
  return typeof v === 'string' && ISO.test(v) && !Number.isNaN(parseInstant(v));
}

function optional(v: unknown, check: (x: unknown) => boolean): boolean {
  return v === undefined || check(v);
}

function entry(h: unknown): boolean {
  if (!isObject(h)) return false;
  const action = h.revisionAction;
  return (h.from === null || isPhase(h.from)) && isPhase(h.to) && iso(h.at) && text(h.by)
    && Array.isArray(h.reasons) && h.reasons.every((r) => typeof r === 'string') && KINDS.has(h.kind as string)
    && optional(h.evidenceDigest, (x) => typeof x === 'string') && optional(h.policyDigest, (x) => typeof x === 'string')
    && optional(h.revision, text)
    && optional(action, (a) => a === 'keep' || a === 'restart' || (isObject(a) && isPhase(a.dropTo)));
}

function hold(v: unknown): boolean {
  if (v === null) return true;
  return isObject(v) && typeof v.reason === 'string' && iso(v.since) && iso(v.violationAt)
    && optional(v.violations, (n) => Number.isInteger(n) && (n as number) >= 1)
    && optional(v.evidenceDigest, (x) => typeof x === 'string') && optional(v.actedAt, iso);
}

function revision(v: unknown): boolean {
  return isObject(v) && text(v.id) && optional(v.model, text) && optional(v.prompt, text) && optional(v.toolset, text) && iso(v.since);
}

/** `raw` as a state file when it is plainly one; undefined when the zod schema must judge it. */
export function quickState(raw: unknown): StateFile | undefined {
  if (!isObject(raw)) return undefined;
  const ok = text(raw.agent) && isPhase(raw.phase) && iso(raw.since)
    && optional(raw.history, (h) => Array.isArray(h) && h.every(entry))
    && optional(raw.hold, hold)
    && optional(raw.violationsActedUntil, iso)
    && optional(raw.violationsActed, (a) => Array.isArray(a) && a.every((d) => typeof d === 'string' && DIGEST.test(d)))
    && optional(raw.revision, revision);
  return ok ? (raw as StateFile) : undefined;
}
