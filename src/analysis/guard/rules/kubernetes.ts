/** Guard rules for the Kubernetes API: RBAC bindings and the admission policy. */
import { PHASE_VALUES, PHASES, phaseLabel } from '../../../phase/table';
import type { AdmissionAccess } from '../../../k8s/admission';
import { BINDING_KIND, POLICY_KIND, boundPolicy, isAdmissionKind, jsonDifferences, jsonEqual, renderedAdmission } from '../../k8s/admission';
import { KubernetesRowCover, rowDangers, rowText } from '../../k8s/access';
import type { Manifest } from '../../k8s/authorizer';
import type { GuardContext } from '../context';
import type { GuardRule, RuleHit } from '../types';

const MAX_LISTED = 5;

/** `a, b, c and 4 more`. */
export function listed(items: readonly string[]): string {
  const shown = items.slice(0, MAX_LISTED).join(', ');
  return items.length > MAX_LISTED ? `${shown} and ${items.length - MAX_LISTED} more` : shown;
}

function aboveCeiling(ctx: GuardContext): RuleHit[] {
  const ceiling = new KubernetesRowCover(ctx.ceiling.kubernetes);
  return ctx.bindings.flatMap((b) => {
    const extra = b.rows.filter((row) => !ceiling.covers(row));
    const urls = b.nonResource.map((u) => `${u.verb} ${u.url}`);
    const above = [...new Set([...extra.map(rowText), ...urls])];
    if (above.length === 0) return [];
    return [{
      what: `${b.ref.binding} (subject ${b.ref.subject}) grants ${b.ref.role} to the agent, including ${listed(above)}, above the ${phaseLabel(ctx.phase)} ceiling`,
      where: ctx.where(b.source),
    }];
  });
}

function unresolvedRole(ctx: GuardContext): RuleHit[] {
  return ctx.bindings
    .filter((b) => !b.ref.resolved)
    .map((b) => ({
      what: `${b.ref.binding} binds ${b.ref.role} to the agent (subject ${b.ref.subject}), but that role is not in the output, so its access cannot be checked`,
      where: ctx.where(b.source),
    }));
}

function groupBinding(ctx: GuardContext): RuleHit[] {
  return ctx.bindings
    .filter((b) => b.viaGroup && b.ref.resolved && b.rows.length > 0)
    .map((b) => ({
      what: `${b.ref.binding} reaches the agent through ${b.ref.subject}, so the agent's access changes whenever that binding changes`,
      where: ctx.where(b.source),
    }));
}

function foreignBinding(ctx: GuardContext): RuleHit[] {
  return ctx.bindings
    .filter((b) => !b.viaGroup && b.ref.resolved && !ctx.ownObject(b.source))
    .map((b) => ({
      what: `${b.ref.binding} binds ${b.ref.role} to the agent's ServiceAccount but was not rendered by its TrustPhasedAgent`,
      where: ctx.where(b.source),
    }));
}

function dangerousGrant(ctx: GuardContext): RuleHit[] {
  return ctx.bindings.flatMap((b) => {
    const flags = b.rows.flatMap((row) => rowDangers(row).filter((d) => d.id !== 'wildcard').map((d) => `${rowText(row)} (${d.id})`));
    if (flags.length === 0) return [];
    return [{ what: `${b.ref.binding} grants the agent ${listed([...new Set(flags)])} from the dangerous set`, where: ctx.where(b.source) }];
  });
}

/**
 * `a, b` of the fields where `actual` differs from the rendering of the agent's phase, or
 * undefined when it equals the rendering of a phase with the same admission (they differ only in
 * the phase the message names).
 */
function differingFields(actual: unknown, ctx: GuardContext, rendered: AdmissionAccess, part: (a: AdmissionAccess) => unknown): string | undefined {
  const own = part(rendered);
  if (jsonEqual(actual, own)) return undefined;
  const mode = PHASES[ctx.phase].writeAdmission;
  const alike = PHASE_VALUES.filter((p) => p !== ctx.phase && PHASES[p].writeAdmission === mode);
  if (alike.some((p) => jsonEqual(actual, part(renderedAdmission(ctx.definition, p)!)))) return undefined;
  return listed(jsonDifferences(actual, own, 'spec'));
}

/** What differs between the agent's admission objects and what TrustPhasedAgent renders, with the object to point at. */
function admissionProblems(ctx: GuardContext): Array<{ what: string; source?: Manifest }> {
  const rendered = renderedAdmission(ctx.definition, ctx.phase);
  if (!rendered) return [];
  const name = rendered.policy.metadata!.name!;
  const policy = ctx.index.ofKind(POLICY_KIND).find((m) => isAdmissionKind(m, POLICY_KIND) && m.metadata?.name === name);
  if (!policy) return [{ what: `ValidatingAdmissionPolicy "${name}" is missing` }];
  const problems: Array<{ what: string; source?: Manifest }> = [];
  const rendering = `what TrustPhasedAgent renders for ${phaseLabel(ctx.phase)}`;
  const policyFields = differingFields(policy['spec'], ctx, rendered, (r) => r.policy.spec);
  if (policyFields) problems.push({ what: `ValidatingAdmissionPolicy "${name}" differs from ${rendering} at ${policyFields}`, source: policy });
  const bindings = ctx.index.ofKind(BINDING_KIND).filter((m) => isAdmissionKind(m, BINDING_KIND) && boundPolicy(m) === name);
  if (bindings.length === 0) problems.push({ what: `no ValidatingAdmissionPolicyBinding binds "${name}"` });
  for (const b of bindings) {
    const fields = differingFields(b['spec'], ctx, rendered, (r) => r.binding.spec);
    if (fields) problems.push({ what: `ValidatingAdmissionPolicyBinding "${b.metadata?.name ?? ''}" of "${name}" differs from ${rendering} at ${fields}`, source: b });
  }
  return problems;
}

function admission(ctx: GuardContext): RuleHit[] {
  const rbacInOutput = ctx.bindings.some((b) => ctx.ownObject(b.source));
  if (!rbacInOutput) return [];
  return admissionProblems(ctx).map(({ what, source }) => ({
    what: `${what}; ${phaseLabel(ctx.phase)} requires admission to ${PHASES[ctx.phase].writeAdmission === 'deny' ? 'reject every write' : 'admit only approved writes'} by the agent`,
    where: ctx.where(source ?? ctx.bindings.find((b) => ctx.ownObject(b.source))!.source),
  }));
}

/** The Kubernetes rules. */
export const KUBERNETES_RULES: readonly GuardRule[] = [
  {
    id: 'GT-K8S-001',
    level: 'error',
    checks: 'No RoleBinding or ClusterRoleBinding grants the agent\'s ServiceAccount (by name or through a group) Kubernetes access above its phase ceiling.',
    why: 'Any binding that reaches the ServiceAccount adds to what the agent can do; one extra binding elsewhere in the app widens the blast radius behind the construct\'s back.',
    fix: 'Remove the binding or its extra rules, or grant the access through the agent definition so it follows the phase.',
    check: aboveCeiling,
  },
  {
    id: 'GT-K8S-002',
    level: 'error',
    checks: 'Every binding that reaches the agent\'s ServiceAccount refers to a Role or ClusterRole that is part of the output.',
    why: 'A binding to a role that is not synthesized (a built-in such as edit or cluster-admin, or one created elsewhere) grants access nobody can review here.',
    fix: 'Remove the binding, or define the role in the app so its rules can be checked against the ceiling.',
    check: unresolvedRole,
  },
  {
    id: 'GT-K8S-003',
    level: 'warning',
    checks: 'No binding reaches the agent only through a group (system:serviceaccounts, system:serviceaccounts:NS, system:authenticated).',
    why: 'Group bindings grant every account in the group; they are within the ceiling today, but anyone editing them changes the agent\'s access without touching the agent.',
    fix: 'Bind the access to named subjects other than the agent, or suppress with the reason the shared grant is acceptable.',
    check: groupBinding,
  },
  {
    id: 'GT-K8S-004',
    level: 'warning',
    checks: 'Bindings to the agent\'s ServiceAccount by name come from its TrustPhasedAgent (they carry its agent label).',
    why: 'A second binding to the agent, even within the ceiling today, does not follow the phase: it stays when the agent is demoted.',
    fix: 'Move the access into the agent definition, or suppress with the reason the extra binding exists.',
    check: foreignBinding,
  },
  {
    id: 'GT-K8S-005',
    level: 'warning',
    checks: 'The agent holds no grant from the dangerous set (secrets, exec/attach/portforward, tokens, nodes/proxy, escalate/bind/impersonate, guardrail writes).',
    why: 'These grants read credentials, run code in other workloads or edit the agent\'s own guardrails; even when acknowledged in the definition a reviewer should see them.',
    fix: 'Remove the grant, or suppress with the reason (the definition\'s dangerous.reason is a good start).',
    check: dangerousGrant,
  },
  {
    id: 'GT-K8S-006',
    level: 'error',
    checks: 'In phases whose writeAdmission is deny or approval, the agent\'s ValidatingAdmissionPolicy and every binding of it are present and have exactly the spec TrustPhasedAgent renders for the phase.',
    why: 'In Shadow and Read-Only Assist admission rejects every write by the agent, and in Limited Remediation it admits only operator-approved writes; without the policy RBAC alone decides.',
    fix: 'Keep the admission policy and binding TrustPhasedAgent renders unchanged (failurePolicy Fail, the agent match condition, the validations, validationActions [Deny], no extra matchResources, approvals from the operator ConfigMap).',
    check: admission,
  },
];
