import { z } from 'zod';
import { phaseSchema as phaseOf } from '../phase/schema';

/** A trust phase, 1 to 4 (`must be 1, 2, 3 or 4 (1 Shadow, …)` otherwise). */
export const phaseSchema = phaseOf();
/** An ISO-8601 date-time with a zone (RFC 3339). */
export const isoDateTimeSchema = z.iso.datetime({ offset: true, error: 'must be an ISO-8601 time with a zone, e.g. 2026-05-01T00:00:00Z' });

/** One phase change recorded in the state file. */
export const historyEntrySchema = z.looseObject({
  from: phaseSchema.nullable(),
  to: phaseSchema,
  at: isoDateTimeSchema,
  /** Who or what decided: a person for set-phase, `trust-gate evaluate` for the gate. */
  by: z.string().min(1),
  reasons: z.array(z.string()),
  /** `set-phase` (manual override), `evaluate` (the gate) or `set-revision` (a new agent revision). */
  kind: z.enum(['set-phase', 'evaluate', 'set-revision']),
  evidenceDigest: z.string().optional(),
  policyDigest: z.string().optional(),
  /** The revision a `set-revision` entry made current. */
  revision: z.string().min(1).optional(),
  /** What a `set-revision` entry did to the phase: `keep` (the phase and its start stay), `restart`, or `{ dropTo: N }`. */
  revisionAction: z.union([z.literal('keep'), z.literal('restart'), z.looseObject({ dropTo: phaseSchema })]).optional(),
});

/** A hold blocks promotion until an investigation closes. */
export const holdSchema = z.looseObject({
  reason: z.string(),
  since: isoDateTimeSchema,
  /** The scope violation that caused it (the newest one when it covers several). */
  violationAt: isoDateTimeSchema,
  /** How many scope violations the hold covers. */
  violations: z.number().int().min(1).optional(),
  /** `sha256:<hex>` of the inputs of the evaluation that placed or extended it. */
  evidenceDigest: z.string().optional(),
  /**
   * When the gate last acted on a violation the hold covers (the evaluation time). Only an
   * investigation closed later lifts it. Holds written before this field: the later of `since`
   * and `violationAt`.
   */
  actedAt: isoDateTimeSchema.optional(),
});

/** The agent's current revision: one opaque string, or the digests it was made from. */
export const revisionSchema = z.looseObject({
  /** What evidence records carry in `revision`: the string, or `model=…;prompt=…;toolset=…` for digests. */
  id: z.string().min(1, 'must name the revision'),
  model: z.string().min(1).optional(),
  prompt: z.string().min(1).optional(),
  toolset: z.string().min(1).optional(),
  /** When it became current. */
  since: isoDateTimeSchema,
});

/**
 * The committed phase file. Unknown fields are kept as they are, so tools that add their own
 * data never lose it through a write by this library.
 */
export const stateFileSchema = z.looseObject({
  agent: z.string().min(1, 'must name the agent'),
  phase: phaseSchema,
  since: isoDateTimeSchema,
  history: z.array(historyEntrySchema).optional(),
  hold: holdSchema.nullable().optional(),
  /**
   * Time of the newest scope violation already acted on. Informational: which violations were
   * acted on is `violationsActed`, so a late-arriving older violation still demotes once.
   */
  violationsActedUntil: isoDateTimeSchema.optional(),
  /**
   * Digests of the scope violations already acted on (32 hex digits each, sorted); the gate
   * acts on every violation not listed here exactly once. See `graduated-trust/gate`.
   */
  violationsActed: z.array(z.string().regex(/^[0-9a-f]{32}$/, 'must be 32 lowercase hex digits, as trust-gate evaluate writes them')).optional(),
  /**
   * The agent revision evidence must carry to count for promotion (records without one count
   * too). Set with `trust-gate set-revision`. Without it every record counts, whatever it carries.
   */
  revision: revisionSchema.optional(),
});

/** The fields of a state file this library reads and writes; any other top-level field is kept, with a warning unless it starts with `x-`. */
export { STATE_FIELDS } from './quick-check';

export type StateFile = z.infer<typeof stateFileSchema>;
export type HistoryEntry = z.infer<typeof historyEntrySchema>;
export type Hold = z.infer<typeof holdSchema>;
export type Revision = z.infer<typeof revisionSchema>;
