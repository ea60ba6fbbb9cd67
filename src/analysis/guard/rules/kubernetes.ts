/** Guard rules for the Kubernetes API: RBAC bindings, reach, the admission policies and other agents' control objects. */
import { LABELS, objectNames } from '../../../definition/names';
import type { AdmissionObject } from '../../../k8s/admission';
import { missingWiring } from '../../../k8s/pod-template';
import { activeRbacRules } from '../../../k8s/rbac';
import { PHASES, phaseLabel } from '../../../phase/table';
import { BINDING_KIND, POLICY_KIND, bindingsOf, jsonDifferences, namedPolicy } from '../../k8s/admission';
import { admittedRowDangers, agentAdmission, rowDangers, rowText, KubernetesRowCover, type KubernetesRow } from '../../k8s/access';
import { kubernetesReach } from '../../k8s/reach';
import type { Manifest } from '../../k8s/authorizer';
import { ANY } from '../../model';
import { resolved } from '../ceiling';
import type { GuardContext } from '../context';
import type { GuardRule, RuleHit } from '../types';

const MAX_LISTED = 5;

/** `a, b, c and 4 more`. */
export function listed(items: readonly string[]): string {
  const shown = items.slice(0, MAX_LISTED).join(', ');
  return items.length > MAX_LISTED ? `${shown} and ${items.length - MAX_LISTED} more` : shown;
}

/** The agent's admission as the output has it (computed once per index). */
function admission(ctx: GuardContext): ReturnType<typeof agentAdmission> {
  return agentAdmission(ctx.index, ctx.agent);
}

function aboveCeiling(ctx: GuardContext): RuleHit[] {
  const ceiling = new KubernetesRowCover(ctx.ceiling.kubernetes);
  // Reach is compared by its consequence ("may read every Secret of web"): the ceiling's model
  // merges rows (a named get under a namespace-wide one), so the grant texts differ.
  const ceilingReach = new Set(ctx.ceiling.model.reach.map((r) => r.reach));
  return ctx.bindings.flatMap((b) => {
    const extra = b.rows.filter((row) => !ceiling.covers(row));
    const urls = b.nonResource.map((u) => `${u.verb} ${u.url}`);
    const reach = kubernetesReach(b.rows, rowDangers, admission(ctx)).filter((r) => !ceilingReach.has(r.reach)).map((r) => `${r.grant} (${r.reach})`);
    const above = [...new Set([...extra.map(rowText), ...urls, ...reach])];
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
      what: `${b.ref.binding} binds ${b.ref.role} to the agent (subject ${b.ref.subject}), but ${b.ref.role.endsWith('(aggregated)') ? 'an aggregated ClusterRole also holds the rules of every labelled ClusterRole of the cluster, and those outside the output are unknown' : 'that role is not in the output'}, so its access cannot be checked`,
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
    const flags = b.rows.flatMap((row) => admittedRowDangers(row, admission(ctx)).filter((d) => d.id !== 'wildcard').map((d) => `${rowText(row)} (${d.id})`));
    if (flags.length === 0) return [];
    return [{ what: `${b.ref.binding} grants the agent ${listed([...new Set(flags)])} from the dangerous set`, where: ctx.where(b.source) }];
  });
}

/** What differs between one admission policy (and its bindings) in the output and the rendering. */
function policyProblems(ctx: GuardContext, rendered: AdmissionObject): Array<{ what: string; source?: Manifest }> {
  const name = rendered.policy.metadata!.name!;
  const policy = namedPolicy(ctx.index.ofKind(POLICY_KIND), name);
  if (!policy) return [{ what: `ValidatingAdmissionPolicy "${name}" is missing` }];
  const problems: Array<{ what: string; source?: Manifest }> = [];
  const rendering = `what TrustPhasedAgent renders for ${phaseLabel(ctx.phase)}`;
  const annotation = LABELS.admission;
  const fields = [
    ...jsonDifferences(policy['spec'], rendered.policy.spec, 'spec'),
    ...(policy.metadata?.annotations?.[annotation] === rendered.policy.metadata?.annotations?.[annotation] ? [] : [`metadata.annotations["${annotation}"]`]),
  ];
  if (fields.length > 0) problems.push({ what: `ValidatingAdmissionPolicy "${name}" differs from ${rendering} at ${listed(fields)}`, source: policy });
  const bindings = bindingsOf(ctx.index.ofKind(BINDING_KIND), name);
  if (bindings.length === 0) problems.push({ what: `no ValidatingAdmissionPolicyBinding binds "${name}"` });
  for (const b of bindings) {
    const diff = jsonDifferences(b['spec'], rendered.binding.spec, 'spec');
    if (diff.length > 0) problems.push({ what: `ValidatingAdmissionPolicyBinding "${b.metadata?.name ?? ''}" of "${name}" differs from ${rendering} at ${listed(diff)}`, source: b });
  }
  return problems;
}

const PROMISE = { deny: 'reject every write', approval: 'admit only declared actions, each with a single-use operator approval', actions: 'admit only declared actions' } as const;

function admissionPolicies(ctx: GuardContext): RuleHit[] {
  const own = ctx.bindings.find((b) => ctx.ownObject(b.source));
  if (!own) return [];
  const { writes, approved, approvals, fence } = ctx.ceiling.admission;
  const what = [
    ...policyProblems(ctx, writes).map((p) => ({ ...p, what: `${p.what}; ${phaseLabel(ctx.phase)} requires admission to ${PROMISE[PHASES[ctx.phase].writeAdmission]} by the agent` })),
    ...(approved ? policyProblems(ctx, approved).map((p) => ({ ...p, what: `${p.what}; in phase 3 each remediate write needs a single-use operator approval` })) : []),
    ...policyProblems(ctx, approvals).map((p) => ({ ...p, what: `${p.what}; only approvers may write the agent's approvals` })),
    ...policyProblems(ctx, fence).map((p) => ({ ...p, what: `${p.what}; pods running as the agent must stay inside its NetworkPolicy` })),
  ];
  return what.map(({ what: text, source }) => ({ what: text, where: ctx.where(source ?? own.source) }));
}

/** Rows writing another agent's approvals or phase ConfigMap. */
/** The verbs that change another agent's control objects. */
const CONTROL_WRITE_VERBS = ['create', 'update', 'patch', 'delete'];

function controlObjectRows(other: { name: string; namespace: string }): KubernetesRow[] {
  const names = objectNames(other.name);
  return CONTROL_WRITE_VERBS.flatMap((verb) => [names.approvals, names.phaseConfig].map((name) => ({ scope: other.namespace, apiGroup: '', resource: 'configmaps', verb, name })));
}

/** Rows the definition grants through rules that carry a dangerous reason. */
function acknowledgedRows(ctx: GuardContext): KubernetesRow[] {
  return activeRbacRules(ctx.definition, ctx.phase).filter((r) => r.dangerous).flatMap((r) => {
    const scopes = r.clusterScoped ? [ANY] : [...(r.namespaces ?? [])];
    const names = r.resourceNames ?? [ANY];
    return scopes.flatMap((scope) => r.apiGroups.flatMap((apiGroup) => r.resources.flatMap((resource) => r.verbs.flatMap((verb) => names.map((name) => ({ scope, apiGroup, resource, verb, name }))))));
  });
}

function otherAgentsObjects(ctx: GuardContext): RuleHit[] {
  const acknowledged = new KubernetesRowCover(acknowledgedRows(ctx));
  // Indexed once per agent: every other agent of the app is checked against the same bindings.
  // Only rows that can write a core ConfigMap matter; most bindings have none, so the check stays linear.
  const writesConfigMaps = (r: KubernetesRow) => [ANY, 'configmaps'].includes(r.resource) && [ANY, ''].includes(r.apiGroup) && [ANY, ...CONTROL_WRITE_VERBS].includes(r.verb);
  const bindings = ctx.bindings.flatMap((b) => {
    const rows = b.rows.filter(writesConfigMaps);
    return rows.length > 0 ? [{ b, cover: new KubernetesRowCover(rows) }] : [];
  });
  if (bindings.length === 0) return [];
  return (ctx.input.otherAgents ?? []).flatMap((other) => {
    const wants = controlObjectRows(other);
    return bindings.flatMap(({ b, cover }) => {
      const hits = wants.filter((want) => cover.covers(want) && !acknowledged.covers(want));
      if (hits.length === 0) return [];
      return [{ what: `${b.ref.binding} lets the agent ${listed([...new Set(hits.map((h) => `${h.verb} ConfigMap ${other.namespace}/${h.name}`))])}, agent ${other.name}'s approvals or phase, without a dangerous reason`, where: ctx.where(b.source) }];
    });
  });
}

/** Workloads of the agent's namespace whose pods run as its ServiceAccount without wirePod's labels and phase mount. */
function unwiredPods(ctx: GuardContext): RuleHit[] {
  const wiring = { agent: ctx.agent.name, podLabels: resolved(ctx.definition).podLabels };
  // A workload without a namespace lands in the one it is applied to: maybe the agent's.
  return ctx.index.podsRunningAs(ctx.agent.namespace, ctx.agent.name).flatMap(({ manifest: m, pod }) => {
    const missing = missingWiring(pod, wiring);
    if (missing.length === 0) return [];
    return [{ what: `${m.kind} ${ctx.agent.namespace}/${m.metadata?.name ?? ''} runs as the agent's ServiceAccount ${ctx.agent.name} without ${missing.join(', ')}`, where: ctx.where(m) }];
  });
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
    checks: 'The agent holds no grant from the dangerous set (secrets, exec/attach/portforward, tokens, nodes/proxy, escalate/bind/impersonate, guardrail writes, pod template writes admission does not bound).',
    why: 'These grants read credentials, run code in other workloads or edit the agent\'s own guardrails; even when acknowledged in the definition a reviewer should see them.',
    fix: 'Remove the grant, or suppress with the reason (the definition\'s dangerous.reason is a good start).',
    check: dangerousGrant,
  },
  {
    id: 'GT-K8S-006',
    level: 'error',
    checks: 'The agent\'s ValidatingAdmissionPolicies (writes, approved, approvals, fence) and every binding of them are present and exactly what TrustPhasedAgent renders for the phase and its epoch.',
    why: 'Admission is what makes a phase hold: it rejects every write in Shadow and Read-Only Assist, admits only declared actions (each with a single-use approval in Limited Remediation), lets only approvers write approvals, and keeps pods running as the agent inside its NetworkPolicy. Without them RBAC alone decides.',
    fix: 'Keep the admission policies and bindings TrustPhasedAgent renders unchanged (re-synthesize after the state file changes, since the epoch is part of them).',
    check: admissionPolicies,
  },
  {
    id: 'GT-K8S-007',
    level: 'error',
    checks: 'No binding lets the agent write the approvals or phase ConfigMap of another agent of the app (a namespace-wide ConfigMap write where another agent lives included) unless a rule of its definition carries a dangerous reason for it.',
    why: 'Writing another agent\'s approvals approves its writes; writing its phase ConfigMap tells its binary it may act. Validation sees one definition; the guard sees the whole app.',
    fix: 'Limit the ConfigMap rule with resourceNames that exclude the other agent\'s objects, or move the agent out of that namespace, or add dangerous: { reason } to the rule.',
    check: otherAgentsObjects,
  },
  {
    id: 'GT-K8S-008',
    level: 'warning',
    checks: 'Every workload of the app whose pods run as the agent\'s ServiceAccount is wired by wirePod: the pod carries the agent\'s podLabels and mounts the phase ConfigMap <agent>-phase read-only at /etc/graduated-trust in every container, init containers included. Workloads without a namespace count as the agent\'s namespace. Kinds whose pod template the kind catalogue does not locate (Argo Workflows, Tekton TaskRuns, unknown custom resources) are not read.',
    why: 'Without the labels the fence rejects the pods at admission (and the NetworkPolicy would not select them); without the mount the agent binary cannot read its phase, so it cannot tell Shadow from Autonomous or notice a demotion.',
    fix: 'Call wirePod(agent, workload) after adding the workload\'s containers, or suppress with the reason the pod reads its phase another way.',
    check: unwiredPods,
  },
];
