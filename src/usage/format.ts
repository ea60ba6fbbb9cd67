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

/** Markdown: a table per backend (used, then never used). */
export function formatUsageMarkdown(r: UsageReport): string {
  const out = [`### Grant usage: \`${r.agent}\``, '', `${r.phase === null ? 'Phase not recorded' : `Phase ${r.phase}`}; window ${windowText(r)}; ${r.records} records read.`, ''];
  for (const [key, title] of BACKENDS) {
    const b = r[key];
    out.push(`#### ${title}`, '');
    if (!b.read) {
      out.push('No log given.', '');
      continue;
    }
    out.push(`${counts(b)}.`, '', '| Grant | Uses | Last use | Via |', '| --- | ---: | --- | --- |');
    for (const g of [...b.used, ...b.unused]) out.push(`| \`${cell(g.grant)}\` | ${g.count} | ${g.lastUse ?? '**never**'} | ${cell(g.via)} |`);
    for (const p of b.unexplained) out.push('', `> [!WARNING]\n> allowed but no grant in the output allows it: \`${cell(p.part)}\` (${p.count}×)`);
    out.push('');
  }
  return out.join('\n');
}
