/**
 * Runs the guard: every rule over one context, suppressions applied, findings sorted.
 */
import { TrustError } from '../../errors';
import { MIN_REASON_LENGTH } from '../../definition/validate';
import type { OutputIndex } from '../output-index';
import { compare } from '../read';
import { guardContext } from './context';
import { IAM_RULES } from './rules/iam';
import { KUBERNETES_RULES } from './rules/kubernetes';
import { NETWORK_RULES } from './rules/network';
import { VAULT_RULES } from './rules/vault';
import type { Finding, GuardInput, GuardRule, Suppression } from './types';

/** Every guard rule, in ID order. RULES.md lists exactly these. */
export const GUARD_RULES: readonly GuardRule[] = [...KUBERNETES_RULES, ...NETWORK_RULES, ...VAULT_RULES, ...IAM_RULES];

function checkSuppressions(suppressions: readonly Suppression[]): void {
  for (const s of suppressions) {
    const rule = GUARD_RULES.find((r) => r.id === s.ruleId);
    if (!rule) throw new TrustError('GT_GUARD', `suppression of "${s.ruleId}": no such rule; use one of the IDs in RULES.md`);
    if (rule.level === 'error') {
      throw new TrustError('GT_GUARD', `suppression of ${s.ruleId}: it is an error (access above the phase ceiling) and cannot be suppressed; remove the access or change the agent definition`);
    }
    if (s.reason.trim().length < MIN_REASON_LENGTH) {
      throw new TrustError('GT_GUARD', `suppression of ${s.ruleId}: reason "${s.reason}" is shorter than ${MIN_REASON_LENGTH} characters; write why the warning is acceptable here`);
    }
  }
}

function suppression(finding: Finding, suppressions: readonly Suppression[]): Suppression | undefined {
  return suppressions.find((s) => s.ruleId === finding.ruleId && (s.where === undefined || finding.where.startsWith(s.where)));
}

/**
 * Checks everything an app synthesized against the agent's phase ceiling. Pure: the same input
 * gives the same findings in the same order. `index` (built from `input.output`) lets several
 * agents share the output's indexes. Suppressed warnings stay in the result with the
 * reason; an error is never suppressed (a suppression naming an error rule is refused).
 *
 * @example
 * const findings = runGuard({ output: readSynthOutput('dist'), definition, phase: 2 });
 * if (findings.some((f) => f.level === 'error')) process.exitCode = 1;
 */
export function runGuard(input: GuardInput, index?: OutputIndex): Finding[] {
  const suppressions = input.suppressions ?? [];
  checkSuppressions(suppressions);
  const ctx = guardContext(input, index);
  const findings = GUARD_RULES.flatMap((rule) =>
    rule.check(ctx).map((hit): Finding => {
      const finding: Finding = { ruleId: rule.id, level: rule.level, what: hit.what, where: hit.where, why: rule.why, fix: rule.fix };
      const s = rule.level === 'warning' ? suppression(finding, suppressions) : undefined;
      return s ? { ...finding, suppressed: { reason: s.reason } } : finding;
    }),
  );
  return findings.sort((a, b) => compare(a.ruleId, b.ruleId) || compare(a.where, b.where) || compare(a.what, b.what));
}

/** Findings that fail synthesis: every error. */
export function blockingFindings(findings: readonly Finding[]): Finding[] {
  return findings.filter((f) => f.level === 'error');
}

/** One finding as text: `[error] GT-K8S-001 at WHERE: what`, then why and fix. */
export function formatFinding(f: Finding): string {
  const head = `[${f.level}] ${f.ruleId} at ${f.where}: ${f.what}`;
  const tail = f.suppressed ? `\n  suppressed: ${f.suppressed.reason}` : `\n  why: ${f.why}\n  fix: ${f.fix}`;
  return head + tail;
}

/** Findings as text, errors and warnings counted; suppressed warnings are listed with their reason. */
export function formatFindings(findings: readonly Finding[]): string {
  if (findings.length === 0) return 'guard: no findings\n';
  const errors = findings.filter((f) => f.level === 'error').length;
  const warnings = findings.filter((f) => f.level === 'warning' && !f.suppressed).length;
  const suppressed = findings.filter((f) => f.suppressed).length;
  return `${findings.map(formatFinding).join('\n')}\nguard: ${errors} error(s), ${warnings} warning(s), ${suppressed} suppressed\n`;
}
