/**
 * Writes RULES.md from the guard's rules and its visibility table (src/analysis/guard/rules-doc.ts);
 * test/guard/rules-doc.test.ts checks the committed file is exactly this:
 *
 *   npx tsx scripts/rules-table.ts          # writes RULES.md
 *   npx tsx scripts/rules-table.ts --print  # prints it
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { rulesMarkdown } from '../src/analysis/guard/rules-doc';

if (process.argv.includes('--print')) process.stdout.write(rulesMarkdown());
else writeFileSync(join(__dirname, '..', 'RULES.md'), rulesMarkdown());
