/**
 * Runs the guard: every rule over one context, suppressions applied, findings sorted.
 */
import { TrustError } from '../../errors';
import { phaseLabel } from '../../phase/table';
import { MIN_REASON_LENGTH } from '../../definition/validate';
import type { OutputIndex } from '../output-index';
import { compare } from '../read';
import { guardContext, type GuardContext } from './context';
import { aboveCeilingFacts } from './model-check';
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
  const findings = [...GUARD_RULES.flatMap((rule) =>
    rule.check(ctx).map((hit): Finding => {
      const finding: Finding = { ruleId: rule.id, level: rule.level, what: hit.what, where: hit.where, why: rule.why, fix: rule.fix };
      const s = rule.level === 'warning' ? suppression(finding, suppressions) : undefined;
      return s ? { ...finding, suppressed: { reason: s.reason } } : finding;
    }),
  )];
  findings.push(...modelFindings(ctx, findings));
  return findings.sort((a, b) => compare(a.ruleId, b.ruleId) || compare(a.where, b.where) || compare(a.what, b.what));
}

/** The rule of each backend that reports access above the ceiling. */
const ABOVE_CEILING_RULE = { kubernetes: 'GT-K8S-001', egress: 'GT-NET-002', vault: 'GT-VAULT-001', aws: 'GT-IAM-001' } as const;

/**
 * Access the model holds above the ceiling in a backend whose rules reported nothing: one
 * finding per backend, pointing at the agent, so the guard never passes what `access` shows above it.
 */
function modelFindings(ctx: GuardContext, reported: readonly Finding[]): Finding[] {
  const above = aboveCeilingFacts(ctx.ceiling.model, ctx.access);
  const out: Finding[] = [];
  for (const backend of ['kubernetes', 'egress', 'vault', 'aws'] as const) {
    const ruleId = ABOVE_CEILING_RULE[backend];
    const here = above.filter((a) => a.fact.backend === backend);
    if (here.length === 0 || reported.some((f) => f.ruleId === ruleId && f.level === 'error')) continue;
    const rule = GUARD_RULES.find((r) => r.id === ruleId)!;
    out.push({
      ruleId, level: 'error', why: rule.why, fix: rule.fix, where: `agent ${ctx.agent.namespace}/${ctx.agent.name}`,
      what: `the agent's effective access (as trust-gate access computes it) holds ${here.slice(0, 5).map((a) => `${a.fact.text} (${a.why})`).join(', ')}${here.length > 5 ? ` and ${here.length - 5} more` : ''}, above the ${phaseLabel(ctx.phase)} ceiling`,
    });
  }
  return out;
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
