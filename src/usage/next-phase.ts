/**
 * The autonomous tier proposed from the writes operators approved: in a phase whose writes
 * each need an approval (the phase table's `writeAdmission: 'approval'`), every write admission
 * let through was approved, so the admitted writes of the agent in the audit log are its
 * approved actions. Each is matched to the remediate tier's action that allows it (its RBAC rule
 * from `actionRule`, evaluated with `ruleAllows`), and the proposal for the autonomous tier is
 * each action used, limited to the namespaces and objects it was used on: generalised no
 * further than the evidence. It is shown next to the autonomous tier the definition declares.
 *
 * Outcomes (completed, rolled back) are not joined: evidence records name the incident, not
 * the action or object, so a write cannot be tied to its outcome (see docs/usage.md).
 */
import { ruleAllows } from '../analysis/k8s/rbac';
import { actionKind, actionRule, actionText } from '../definition/actions';
import type { AgentDefinition, KubernetesAction } from '../definition/types';
import { compare } from '../order';
import { PHASES, type Phase } from '../phase/table';
import type { AdmittedWrite } from './kubernetes';
import { isoOf } from './model';

/** One remediate action and what was approved under it. */
export interface ApprovedAction {
  /** `restart apps/deployments "checkout", "cart" in shop`. */
  readonly declared: string;
  /** `shop/checkout` → writes. */
  readonly objects: ReadonlyArray<{ readonly object: string; readonly writes: number; readonly lastWrite: string }>;
  /** The action limited to what was approved; null when nothing was. */
  readonly proposed: KubernetesAction | null;
}

/** The next phase's proposal. */
export interface NextPhaseProposal {
  readonly actions: readonly ApprovedAction[];
  /** The autonomous tier's actions as the definition declares them, as text. */
  readonly declaredAutonomous: readonly string[];
  /** The proposed autonomous actions, as text. */
  readonly proposedAutonomous: readonly string[];
  /** Admitted writes no remediate action allows (written outside the declared actions). */
  readonly undeclared: number;
}

/**
 * The proposal, or null when `phase` does not gate writes on approvals.
 * @example const next = proposeNextPhase(incidentResponder, 3, counts.kubernetes.writes.values());
 */
export function proposeNextPhase(definition: AgentDefinition, phase: Phase, writes: Iterable<AdmittedWrite>): NextPhaseProposal | null {
  if (PHASES[phase].writeAdmission !== 'approval') return null;
  const list = [...writes];
  const matched = new Set<AdmittedWrite>();
  const actions = (definition.remediate?.kubernetesActions ?? []).flatMap((action): ApprovedAction[] => {
    const kind = actionKind(action, definition);
    if (!kind) return [];
    const rule = actionRule(action, kind);
    const mutating = rule.verbs.filter((v) => v !== 'get');
    const hits = list.filter((w) => mutating.includes(w.verb) && rule.namespaces.includes(w.namespace) && ruleAllows({ ...rule, verbs: mutating }, w));
    hits.forEach((w) => matched.add(w));
    const byObject = new Map<string, { writes: number; lastMs: number }>();
    for (const w of hits) {
      const k = `${w.namespace}/${w.name}`;
      const o = byObject.get(k) ?? { writes: 0, lastMs: w.lastMs };
      o.writes += w.count;
      o.lastMs = Math.max(o.lastMs, w.lastMs);
      byObject.set(k, o);
    }
    const names = [...new Set(hits.map((w) => w.name))].sort(compare);
    const namespaces = action.namespaces.filter((n) => hits.some((w) => w.namespace === n));
    return [{
      declared: actionText(action, kind),
      objects: [...byObject].sort(([a], [b]) => compare(a, b)).map(([object, o]) => ({ object, writes: o.writes, lastWrite: isoOf(o.lastMs) })),
      proposed: hits.length === 0 ? null : { ...action, namespaces, names: action.names ? action.names.filter((n) => names.includes(n)) : names },
    }];
  });
  const text = (a: KubernetesAction) => {
    const kind = actionKind(a, definition);
    return kind ? actionText(a, kind) : a.action;
  };
  return {
    actions,
    declaredAutonomous: (definition.autonomous?.kubernetesActions ?? []).map(text),
    proposedAutonomous: actions.flatMap((a) => (a.proposed ? [text(a.proposed)] : [])),
    undeclared: list.filter((w) => !matched.has(w)).reduce((n, w) => n + w.count, 0),
  };
}

/** The proposal as text lines. */
export function formatNextPhase(next: NextPhaseProposal): string {
  const out = ['next phase: the autonomous tier from the writes approved in this phase'];
  for (const a of next.actions) {
    out.push(`  ${a.declared}: ${a.objects.length === 0 ? 'never approved' : a.objects.map((o) => `${o.object} ${o.writes}×`).join(', ')}`);
  }
  out.push('  proposed autonomous actions:', ...(next.proposedAutonomous.length > 0 ? next.proposedAutonomous.map((t) => `    + ${t}`) : ['    (none: no approved write)']));
  out.push('  declared autonomous actions:', ...(next.declaredAutonomous.length > 0 ? next.declaredAutonomous.map((t) => `    ${t}`) : ['    (none)']));
  if (next.undeclared > 0) out.push(`  ! ${next.undeclared} admitted write(s) match no remediate action`);
  return out.join('\n') + '\n';
}
