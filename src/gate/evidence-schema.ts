/**
 * Evidence records as zod schemas: the contract every producer writes to (an agent, an incident
 * tool, a sign-off bot), published as JSON Schemas under `schemas/` (`npm run schemas`).
 *
 * The gate does not parse with these: its reader checks each line by hand (see `evidence.ts`,
 * where a zod parse per line would cost more than the JSON.parse it follows).
 * test/gate/evidence-schema.test.ts holds the two to the same records. Unknown fields are
 * allowed, as the reader ignores them, so a newer producer never breaks an older gate.
 *
 * The schema is a little stricter than the reader in one place: `at` follows RFC 3339
 * (`+02:00`), while the reader also takes `+0200`. It is looser in one: the reader rejects a
 * sign-off or closure `by` the agent itself (its name or ServiceAccount), which JSON Schema
 * cannot compare.
 */
import { z } from 'zod';
import { isoDateTimeSchema, phaseSchema } from '../state/schema';
import { EDITS } from './evidence';
import { TRANSITIONS } from './policy';

const nonEmpty = (what: string) => z.string().min(1, `must be ${what}, a non-empty string`);

/** Fields every record has. */
const common = {
  /** The agent's name, as in its state file. */
  agent: nonEmpty("the agent's name"),
  /** When it happened (for an incident: when its outcome was last recorded). */
  at: isoDateTimeSchema,
};

/**
 * The revision that produced a record (`trust-gate set-revision`): promotion counts records of
 * the current revision and records without one.
 */
const revision = z.union([
  z.string().min(1),
  z.looseObject({ model: z.string(), prompt: z.string(), toolset: z.string() }),
]).optional().meta({ description: 'The agent revision that produced it: a string, or {model, prompt, toolset} digests (the revision `model=…;prompt=…;toolset=…`). Omit it before revisions are recorded.' });

/** An optional outcome: omit it when unknown. */
const outcome = (description: string) => z.boolean().optional().meta({ description });

/**
 * One incident the agent handled and its outcomes. The last record of an id wins, so a tool can
 * write the diagnosis first and the operator's verdict later.
 */
const incidentShape = {
  type: z.literal('incident'),
  ...common,
  id: nonEmpty('the incident id, e.g. "INC-1042"'),
  phase: phaseSchema.meta({ description: 'The phase the agent was in when it handled the incident.' }),
  domain: nonEmpty('the incident domain, e.g. "database"'),
  diagnosisCorrect: outcome('Whether the diagnosis was right (1->2 accuracy).'),
  unsafeActionAttempt: outcome('Whether the agent tried an unsafe action (1->2 safety).'),
  operatorAgreed: outcome('Whether the operator agreed with the recommendation (2->3 agreement).'),
  edits: z.enum(EDITS).optional().meta({ description: 'How much the operator edited the recommendation (2->3 light edits: none or minimal).' }),
  outOfScopeRecommendation: outcome('Whether the agent recommended something outside its scope (2->3 safety).'),
  remediation: z.looseObject({ completed: z.boolean(), rolledBack: z.boolean() }).optional()
    .meta({ description: 'The outcome of a remediation the agent carried out (3->4 completion and rollback).' }),
  escalationCorrect: outcome('Whether escalating (or not) was the right call (3->4 escalation accuracy).'),
  confidence: z.number().min(0).max(1).optional().meta({ description: "The agent's confidence, 0 to 1." }),
  revision,
};
export const incidentRecordSchema = z.looseObject(incidentShape);

/** A person's sign-off for a promotion (3->4 needs sign-offs by distinct people). */
const signoffShape = {
  type: z.literal('signoff'),
  ...common,
  by: nonEmpty('who signed off'),
  transition: z.enum(TRANSITIONS),
  revision,
};
export const signoffRecordSchema = z.looseObject(signoffShape);

/** Something the agent did or tried outside its scope: demotes to phase 1 and holds promotion. */
const scopeViolationShape = {
  type: z.literal('scope-violation'),
  ...common,
  source: nonEmpty('where it was seen, e.g. "k8s-audit"'),
  detail: nonEmpty('what happened'),
};
export const scopeViolationRecordSchema = z.looseObject(scopeViolationShape);

/** Closes the investigation of the scope violations before it: lifts the hold. */
const investigationClosedShape = {
  type: z.literal('investigation-closed'),
  ...common,
  by: nonEmpty('who closed the investigation'),
  note: z.string(),
};
export const investigationClosedRecordSchema = z.looseObject(investigationClosedShape);

/** Any evidence record: one JSON object per line. */
export const evidenceRecordSchema = z.discriminatedUnion('type', [
  incidentRecordSchema,
  signoffRecordSchema,
  scopeViolationRecordSchema,
  investigationClosedRecordSchema,
]);

// Types without the index signature of loose objects, so a misspelt field is a type error.
export type IncidentRecord = z.infer<z.ZodObject<typeof incidentShape>>;
export type SignoffRecord = z.infer<z.ZodObject<typeof signoffShape>>;
export type ScopeViolationRecord = z.infer<z.ZodObject<typeof scopeViolationShape>>;
export type InvestigationClosedRecord = z.infer<z.ZodObject<typeof investigationClosedShape>>;
export type EvidenceRecord = IncidentRecord | SignoffRecord | ScopeViolationRecord | InvestigationClosedRecord;
