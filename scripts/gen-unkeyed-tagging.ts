/**
 * Writes src/aws/unkeyed-tagging.ts: every IAM action whose access level includes Tagging and
 * whose request carries no `aws:TagKeys` (on the action or any of its resource types), from the
 * bundled AWS Service Authorization Reference. The permissions boundary denies these outright,
 * since no condition can stop them setting the approval tag. test/terraform/unkeyed-tagging.test.ts
 * checks the committed file equals a fresh run.
 *
 *   npx tsx scripts/gen-unkeyed-tagging.ts
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { unkeyedTaggingActions, unkeyedTaggingSource } from '../test/support/unkeyed-tagging';

const out = join(__dirname, '..', 'src', 'aws', 'unkeyed-tagging.ts');
writeFileSync(out, unkeyedTaggingSource(unkeyedTaggingActions()));
console.log(`wrote ${out}`);
