/**
 * Reads the output of `trust-gate usage --format json` back (for `trust-gate report --usage`):
 * the report alone, or the `usage` field of the output with `--definition`.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { TrustError } from '../errors';
import type { UsageReport } from './model';

const grant = z.object({ grant: z.string(), via: z.string(), count: z.number(), lastUse: z.string().nullable(), daily: z.record(z.string(), z.number()) });
const backend = z.object({ read: z.boolean(), allowed: z.number(), denied: z.number(), used: z.array(grant), unused: z.array(grant) });
const report = z.object({ agent: z.string(), kubernetes: backend, vault: backend, aws: backend });

/** The usage report in `file`; GT_INPUT naming the file and field when it is not one. */
export function readUsageReportFile(file: string): UsageReport {
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new TrustError('GT_INPUT', `cannot be read as JSON (${(e as Error).message}); give the output of trust-gate usage --format json`, file);
  }
  const inner = typeof value === 'object' && value !== null && 'usage' in value ? (value as { usage: unknown }).usage : value;
  const parsed = report.safeParse(inner);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new TrustError('GT_INPUT', `field "${issue.path.join('.')}": ${issue.message}; give the output of trust-gate usage --format json`, file);
  }
  return inner as UsageReport;
}
