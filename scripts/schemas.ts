/**
 * The JSON Schemas of every file format graduated-trust reads or writes, generated from the zod
 * schemas the code uses, into schemas/ (shipped as `graduated-trust/schemas/<name>`):
 *
 *   npm run schemas
 *
 * test/schemas/schemas.test.ts fails when a committed file differs from what this generates, so
 * a change to a zod schema (or a merge of two) needs only this command.
 */
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { awsApprovalTagValueSchema, kubernetesApprovalsDataSchema } from '../src/definition/approvals';
import {
  evidenceRecordSchema, incidentRecordSchema, investigationClosedRecordSchema, scopeViolationRecordSchema, signoffRecordSchema,
} from '../src/gate/evidence-schema';
import { policyFileSchema } from '../src/gate/policy-file';
import { phaseConfigDataSchema } from '../src/k8s/phase-config';
import { stateFileSchema } from '../src/state/schema';

/** The folder of the committed schemas. */
export const SCHEMAS_DIR = join(__dirname, '..', 'schemas');

/**
 * Each schema file: its zod source, title and one line on what it describes. `shared`: parts used
 * more than once go to `$defs` (the policy file repeats each gate per promotion: 100 kB inline,
 * 44 kB with `$defs`); the small schemas stay inline, easier to read.
 */
const SCHEMAS: ReadonlyArray<{ readonly file: string; readonly schema: z.ZodType; readonly title: string; readonly description: string; readonly shared?: boolean }> = [
  { file: 'state-file.schema.json', schema: stateFileSchema, title: 'graduated-trust state file', description: 'The committed phase file of one agent (trust/<agent>.json).' },
  { file: 'policy-file.schema.json', schema: policyFileSchema, title: 'graduated-trust gate policy file', description: 'trust-gate evaluate --policy: any part of the gate policy over the defaults; null drops a gate or trigger.', shared: true },
  { file: 'evidence-record.schema.json', schema: evidenceRecordSchema, title: 'graduated-trust evidence record', description: 'One line of an evidence file (JSON lines): any of the four record types.' },
  { file: 'evidence-incident.schema.json', schema: incidentRecordSchema, title: 'graduated-trust evidence: incident', description: 'An incident the agent handled and its outcomes; the last record of an id wins.' },
  { file: 'evidence-signoff.schema.json', schema: signoffRecordSchema, title: 'graduated-trust evidence: signoff', description: "A person's sign-off for a promotion." },
  { file: 'evidence-scope-violation.schema.json', schema: scopeViolationRecordSchema, title: 'graduated-trust evidence: scope-violation', description: 'Something the agent did or tried outside its scope.' },
  { file: 'evidence-investigation-closed.schema.json', schema: investigationClosedRecordSchema, title: 'graduated-trust evidence: investigation-closed', description: 'Closes the investigation of the scope violations before it.' },
  { file: 'phase-config.schema.json', schema: phaseConfigDataSchema, title: 'graduated-trust phase ConfigMap data', description: 'The data of the ConfigMap <agent>-phase, mounted into the agent pod (one file per key).' },
  { file: 'kubernetes-approvals.schema.json', schema: kubernetesApprovalsDataSchema, title: 'graduated-trust Kubernetes approvals ConfigMap data', description: 'The data of the ConfigMap <agent>-approvals: each key one approved write, its value the approver.' },
  { file: 'aws-approval-tag.schema.json', schema: awsApprovalTagValueSchema, title: 'graduated-trust AWS approval tag value', description: 'The value of the tag graduated-trust.dev/approved-for an operator sets on an AWS resource.' },
];

/** The generated schema files: name → text (2-space JSON, trailing newline). */
export function schemaFiles(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const { file, schema, title, description, shared } of SCHEMAS) {
    const json = z.toJSONSchema(schema, { io: 'input', target: 'draft-2020-12', reused: shared ? 'ref' : 'inline' }) as Record<string, unknown>;
    const { $schema, ...rest } = json;
    out[file] = JSON.stringify({ $schema, $id: `https://graduated-trust.dev/schemas/${file}`, ...rest, title, description }, null, 2) + '\n';
  }
  return out;
}

if (require.main === module) {
  mkdirSync(SCHEMAS_DIR, { recursive: true });
  for (const old of readdirSync(SCHEMAS_DIR).filter((f) => f.endsWith('.schema.json'))) rmSync(join(SCHEMAS_DIR, old));
  const files = Object.entries(schemaFiles());
  for (const [file, text] of files) writeFileSync(join(SCHEMAS_DIR, file), text);
  console.log(`wrote ${files.length} schemas to schemas/`);
}
