/**
 * Prints the rule table of RULES.md from the guard's rules (test/analysis/guard.test.ts checks
 * RULES.md lists exactly these):
 *
 *   npx tsx scripts/rules-table.ts
 */
import { GUARD_RULES } from '../src/analysis/guard/run';

const cell = (text: string) => text.replace(/\|/g, '\\|');
console.log('| ID | Level | What it checks | Why | Fix |');
console.log('| --- | --- | --- | --- | --- |');
for (const r of GUARD_RULES) console.log(`| ${r.id} | ${r.level} | ${cell(r.checks)} | ${cell(r.why)} | ${cell(r.fix)} |`);
