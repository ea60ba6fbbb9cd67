/**
 * The guard and `trust-gate access` decide from one model: every permission the access model of
 * the output holds that the ceiling's model does not cover (or holds without the approval the
 * ceiling requires) is above the ceiling. The per-object rules say where; this check makes sure
 * nothing the model sees is missed by them.
 */
import { facts, type Fact } from '../diff';
import { KubernetesRowCover } from '../k8s/access';
import type { AccessModel, AwsRoleAccess } from '../model';

/** Fact kinds the comparison leaves to other rules: identities, unknowns and admission's own lines. */
const LEFT_TO_RULES = ['iam-trust', 'vault-role', 'iam-unresolved', 'vault-unresolved', 'k8s-unresolved', 'k8s-write'];

function merge(into: Record<string, Record<string, Set<string>>>, levels: AwsRoleAccess['actions']): void {
  for (const [level, actions] of Object.entries(levels)) {
    const byAction = (into[level] ??= {});
    for (const [action, resources] of Object.entries(actions)) for (const r of resources) (byAction[action] ??= new Set()).add(r);
  }
}

function record(levels: Record<string, Record<string, Set<string>>>): AwsRoleAccess['actions'] {
  return Object.fromEntries(Object.entries(levels).map(([l, a]) => [l, Object.fromEntries(Object.entries(a).map(([k, v]) => [k, [...v]]))]));
}

/** The model with every IAM role folded into one: what the agent can do in AWS is the union over the roles it can assume. */
export function oneRole(model: AccessModel): AccessModel {
  const roles = Object.values(model.aws.roles);
  if (roles.length === 0) return model;
  const actions = {};
  const gated = {};
  for (const r of roles) {
    merge(actions, r.actions);
    merge(gated, r.approvalActions);
  }
  const approval = roles.map((r) => r.approval).find((a) => a !== null) ?? null;
  const merged: AwsRoleAccess = { ...roles[0]!, assumableBy: [], actions: record(actions), approvalActions: record(gated), approval, unresolved: [] };
  return { ...model, aws: { roles: { agent: merged } } };
}

/**
 * Facts of `actual` above `ceiling`, each with why: not covered, or covered without its approval.
 * Kubernetes rows (most of the facts, and never approval-gated) are looked up in an index of the
 * ceiling's rows; the few other facts are compared with the ceiling's other facts in order.
 */
export function aboveCeilingFacts(ceiling: AccessModel, actual: AccessModel): Array<{ readonly fact: Fact; readonly why: string }> {
  const allowed = facts(oneRole(ceiling));
  const rows = new KubernetesRowCover(allowed.flatMap((c) => (c.row ? [c.row] : [])));
  const rowKeys = new Set(allowed.filter((c) => c.row).map((c) => c.key));
  const others = allowed.filter((c) => !c.row);
  const compared = facts(oneRole(actual)).filter((f) => !LEFT_TO_RULES.some((k) => f.key.startsWith(`${k}\u0000`)));
  return compared.flatMap((f) => {
    // A row is covered only by a row (its coveredBy reads `other.row`); it carries no approval.
    if (f.row) return rowKeys.has(f.key) || rows.covers(f.row) ? [] : [{ fact: f, why: 'not allowed in this phase' }];
    const cover = others.filter((c) => c.key === f.key || f.coveredBy(c));
    if (cover.length === 0) return [{ fact: f, why: 'not allowed in this phase' }];
    if (f.approval === null && cover.every((c) => c.approval)) return [{ fact: f, why: `needs ${cover[0]!.approval} in this phase` }];
    return [];
  });
}
