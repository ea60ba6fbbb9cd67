import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { usageSection } from '../../src/report/usage';
import type { BackendUsage, UsageReport } from '../../src/usage/model';
import { readUsageReportFile } from '../../src/usage/report-file';
import { tempDir } from '../support/cli';

const none: BackendUsage = { read: false, allowed: 0, denied: 0, unexplained: [], used: [], unused: [] };
const report: UsageReport = {
  agent: 'ops-agents/incident-responder', phase: 2, window: { since: null, until: null }, records: 3,
  kubernetes: {
    ...none, read: true, allowed: 3,
    used: [{ grant: 'get pods in shop', via: 'RoleBinding shop/x → Role shop/x, rule 1', count: 3, lastUse: '2026-11-18T00:00:00.000Z', parts: [], daily: { '2026-11-16': 2, '2026-11-18': 1 } }],
    unused: [{ grant: 'list nodes cluster-wide', via: 'ClusterRoleBinding x → ClusterRole x, rule 1', count: 0, lastUse: null, parts: [], daily: {} }],
  },
  vault: none, aws: none,
};

describe('grant usage over time in the trust report', () => {
  it('shows one bar per day from the first to the last use, and never-used grants', () => {
    const html = usageSection(report);
    expect(html).toContain('2026-11-16 to 2026-11-18');
    expect(html).toContain('<code>█·▄</code>');
    expect(html).toMatch(/list nodes cluster-wide<\/code><\/td><td class="n">0<\/td><td class="n">never/);
  });

  it('reads the JSON of trust-gate usage back, with or without --definition', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'a.json'), JSON.stringify(report));
    writeFileSync(join(dir, 'b.json'), JSON.stringify({ usage: report, proposal: {} }));
    expect(readUsageReportFile(join(dir, 'a.json'))).toEqual(report);
    expect(readUsageReportFile(join(dir, 'b.json'))).toEqual(report);
  });

  it('fails naming the file and field when the JSON is not a usage report', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'c.json'), JSON.stringify({ agent: 'x' }));
    expect(() => readUsageReportFile(join(dir, 'c.json'))).toThrow(/c\.json.*field "kubernetes"/s);
  });
});
