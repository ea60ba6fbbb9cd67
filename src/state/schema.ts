import { z } from 'zod';

const phase = z.union([z.literal(1), z.literal(2), z.literal(3), z.literal(4)], {
  error: 'must be 1, 2, 3 or 4 (1 Shadow, 2 Read-Only Assist, 3 Limited Remediation, 4 Autonomous)',
});
const isoWithZone = z.iso.datetime({ offset: true, error: 'must be an ISO-8601 time with a zone, e.g. 2026-05-01T00:00:00Z' });

/** One phase change recorded in the state file. */
export const historyEntrySchema = z.looseObject({
  from: phase.nullable(),
  to: phase,
  at: isoWithZone,
  /** Who or what decided: a person for set-phase, `trust-gate evaluate` for the gate. */
  by: z.string().min(1),
  reasons: z.array(z.string()),
  /** `set-phase` (manual override) or `evaluate` (the gate). */
  kind: z.enum(['set-phase', 'evaluate']),
  evidenceDigest: z.string().optional(),
  policyDigest: z.string().optional(),
});

/** A hold blocks promotion until an investigation closes. */
export const holdSchema = z.looseObject({
  reason: z.string(),
  since: isoWithZone,
  /** The scope violation that caused it (the newest one when it covers several). */
  violationAt: isoWithZone,
  /** How many scope violations the hold covers. */
  violations: z.number().int().min(1).optional(),
  /** `sha256:<hex>` of the inputs of the evaluation that placed or extended it. */
  evidenceDigest: z.string().optional(),
});

/**
 * The committed phase file. Unknown fields are kept as they are, so tools that add their own
 * data never lose it through a write by this library.
 */
export const stateFileSchema = z.looseObject({
  agent: z.string().min(1, 'must name the agent'),
  phase,
  since: isoWithZone,
  history: z.array(historyEntrySchema).optional(),
  hold: holdSchema.nullable().optional(),
  /**
   * Time of the newest scope violation already acted on. Informational: which violations were
   * acted on is `violationsActed`, so a late-arriving older violation still demotes once.
   */
  violationsActedUntil: isoWithZone.optional(),
  /**
   * Digests of the scope violations already acted on (32 hex digits each, sorted); the gate
   * acts on every violation not listed here exactly once. See `graduated-trust/gate`.
   */
  violationsActed: z.array(z.string().regex(/^[0-9a-f]{32}$/, 'must be 32 lowercase hex digits, as trust-gate evaluate writes them')).optional(),
});

export type StateFile = z.infer<typeof stateFileSchema>;
export type HistoryEntry = z.infer<typeof historyEntrySchema>;
export type Hold = z.infer<typeof holdSchema>;
