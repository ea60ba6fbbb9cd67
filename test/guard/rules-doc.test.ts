import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { GUARD_VISIBILITY, rulesMarkdown } from '../../src/analysis/guard/rules-doc';
import { GUARD_RULES } from '../../src/analysis/guard/run';

const rules = readFileSync(join(__dirname, '..', '..', 'RULES.md'), 'utf8');

describe('RULES.md', () => {
  it('is exactly what scripts/rules-table.ts generates (run it after changing a rule)', () => {
    expect(rules).toBe(rulesMarkdown());
  });

  it('lists every rule once and names other stacks and other repos among what the guard cannot see', () => {
    for (const r of GUARD_RULES) expect(rules.split(`| ${r.id} |`).length - 1).toBe(1);
    const cannot = GUARD_VISIBILITY.map((r) => r.cannotSee).join('\n');
    expect(cannot).toContain('Other stacks');
    expect(cannot).toContain('other repos');
  });

  it('names in the table every rule it cites', () => {
    const cited = [...GUARD_VISIBILITY.map((r) => r.sees + r.cannotSee).join('\n').matchAll(/GT-[A-Z0-9]+-\d{3}/g)].map((m) => m[0]);
    expect(cited.filter((id) => !GUARD_RULES.some((r) => r.id === id))).toEqual([]);
  });
});
