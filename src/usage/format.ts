/** The usage report as text, JSON and markdown, like `trust-gate access` and `diff`. */
import type { BackendUsage, GrantUsage, UsageReport } from './model';

const BACKENDS = [['kubernetes', 'Kubernetes API'], ['vault', 'Vault'], ['aws', 'AWS IAM']] as const;

function windowText(r: UsageReport): string {
  const { since, until } = r.window;
  if (since === null && until === null) return 'every record in the logs';
  return `${since ?? 'the first record'} to ${until ?? 'the last record'}`;
}

function head(r: UsageReport): string {
  return `${r.agent}: ${r.phase === null ? 'phase not recorded' : `phase ${r.phase}`}; window ${windowText(r)}; ${r.records} records read`;
}

function counts(b: BackendUsage): string {
  return `${b.allowed} allowed, ${b.denied} denied; ${b.used.length} grants used, ${b.unused.length} never used`;
}

function usedLine(g: GrantUsage): string {
  return `${g.grant}: ${g.count}× (last ${g.lastUse})`;
}

/** Plain text. */
export function formatUsageText(r: UsageReport): string {
  const out = [head(r)];
  for (const [key, title] of BACKENDS) {
    const b = r[key];
    if (!b.read) {
      out.push(`  ${key}: no log given`);
      continue;
    }
    out.push(`  ${key}: ${counts(b)}`);
    if (b.used.length > 0) out.push('    used:');
    for (const g of b.used) {
      out.push(`      ${usedLine(g)}  [${g.via}]`);
      for (const p of g.parts) out.push(`        ${p.part}: ${p.count}×`);
    }
    if (b.unused.length > 0) out.push('    never used:');
    for (const g of b.unused) out.push(`      ${g.grant}  [${g.via}]`);
    if (b.unexplained.length > 0) out.push(`    ! allowed but no grant in the output allows it (${title} access beyond the output):`);
    for (const p of b.unexplained) out.push(`      ${p.part}: ${p.count}× (last ${p.lastUse})`);
  }
  return out.join('\n') + '\n';
}

/** JSON: the report as it is. */
export function formatUsageJson(r: UsageReport): string {
  return JSON.stringify(r, null, 2) + '\n';
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|');
}

/** Markdown for a pull request: what was used in this phase, then what was never used, one table each. */
export function formatUsageMarkdown(r: UsageReport): string {
  const read = BACKENDS.filter(([key]) => r[key].read);
  const out = [
    `### Grant usage: \`${r.agent}\``, '',
    `${r.phase === null ? 'Phase not recorded' : `Phase ${r.phase}`}; window ${windowText(r)}; ${r.records} records read; ` +
      `${read.map(([key, title]) => `${title}: ${counts(r[key])}`).join('; ') || 'no log given'}.`, '',
    '#### Used in this phase', '', '| Backend | Grant | Uses | Last use | Via |', '| --- | --- | ---: | --- | --- |',
  ];
  for (const [key, title] of read) for (const g of r[key].used) out.push(`| ${title} | \`${cell(g.grant)}\` | ${g.count} | ${g.lastUse} | ${cell(g.via)} |`);
  out.push('', '#### Never used', '', '| Backend | Grant | Via |', '| --- | --- | --- |');
  for (const [key, title] of read) for (const g of r[key].unused) out.push(`| ${title} | \`${cell(g.grant)}\` | ${cell(g.via)} |`);
  for (const [key] of read) for (const p of r[key].unexplained) out.push('', `> [!WARNING]\n> allowed but no grant in the output allows it: \`${cell(p.part)}\` (${p.count}×)`);
  for (const [key, title] of BACKENDS) if (!r[key].read) out.push('', `${title}: no log given, so its grants are not judged.`);
  out.push('');
  return out.join('\n');
}
