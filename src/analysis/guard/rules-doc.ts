/**
 * RULES.md as data: what the guard sees and what it cannot see, and the rule table, rendered
 * from the rules themselves by scripts/rules-table.ts (test/guard/rules-doc.test.ts checks the
 * committed file is exactly this). The README's guard section carries the same visibility table.
 */
import { GUARD_RULES } from './run';

/** One row: what the guard reads on one surface, and what on that surface it cannot see. */
export interface VisibilityRow {
  readonly sees: string;
  readonly cannotSee: string;
}

/** What the guard sees (and fails synthesis on when it widens the agent), and what it cannot. */
export const GUARD_VISIBILITY: readonly VisibilityRow[] = [
  {
    sees: 'Every object of the cdk8s App the agent is in: all charts, Included YAML, JSON patches and hand-edited objects',
    cannotSee: 'Objects applied outside the app: Helm charts, other repos, `kubectl apply` by hand, operators creating RBAC at run time',
  },
  {
    sees: 'Every resource of the cdktf stack the agent is in, overrides and escape hatches included',
    cannotSee: 'Other stacks and other Terraform roots, even in the same repo: keep an agent\'s Vault and IAM access in one stack',
  },
  {
    sees: 'RoleBindings and ClusterRoleBindings reaching the ServiceAccount by name or through `system:serviceaccounts`, `system:serviceaccounts:NS`, `system:authenticated`; aggregated ClusterRoles with the members in the app',
    cannotSee: 'Aggregated ClusterRoles\' members outside the app (binding one is an error, GT-K8S-002), bindings to Users or Groups an identity provider maps the agent to',
  },
  {
    sees: 'NetworkPolicies and Cilium policies selecting the pods, the fence keeping pods of the ServiceAccount in them, and whether the egress reaches the API server, Vault and AWS (GT-NET-004)',
    cannotSee: 'Cluster-wide defaults of the CNI, Cilium policies selecting by identity labels it cannot resolve',
  },
  {
    sees: 'Kubernetes auth roles binding the ServiceAccount (bound lists given by expressions count as binding it), JWT/OIDC roles binding its `sub`, its Kubernetes claims or nothing at all, every policy they attach (a policy list given by an expression and Vault\'s `default` policy are errors, GT-VAULT-003), the approval token role',
    cannotSee: 'JWT/OIDC roles bound by claims a ServiceAccount token never carries, identity entities and groups (policies through entity aliases), policies written by hand in Vault, other Vault clusters',
  },
  {
    sees: 'IAM roles whose trust admits the ServiceAccount (IRSA, Pod Identity), every attachment type of the AWS provider (`aws_iam_role_policy`, `…_attachment`, `…_attachments_exclusive`, `…_policies_exclusive`, `aws_iam_policy_attachment`, inline blocks, `managed_policy_arns`; test/guard/iam-attachments.test.ts fails on a new one), the boundary, and resources of other services in the stack that name the role (GT-IAM-008)',
    cannotSee: 'Policies attached outside the stack (the rendered boundary, which is the phase ceiling, still caps them), what resource policies and KMS grants naming the role allow, SCPs',
  },
];

const cell = (text: string) => text.replace(/\|/g, '\\|');

/** The visibility table as Markdown. */
export function visibilityTable(): string {
  return [
    '| Sees (fails synthesis when it widens the agent) | Cannot see (check it elsewhere) |',
    '| --- | --- |',
    ...GUARD_VISIBILITY.map((r) => `| ${cell(r.sees)} | ${cell(r.cannotSee)} |`),
  ].join('\n') + '\n';
}

/** The rule table as Markdown. */
export function rulesTable(): string {
  return [
    '| ID | Level | What it checks | Why | Fix |',
    '| --- | --- | --- | --- | --- |',
    ...GUARD_RULES.map((r) => `| ${r.id} | ${r.level} | ${cell(r.checks)} | ${cell(r.why)} | ${cell(r.fix)} |`),
  ].join('\n') + '\n';
}

const INTRO = `# Guard rules

The guard runs at synth (cdk8s and cdktf) over everything the app synthesizes and checks it against the agent's phase ceiling: the access TrustPhasedAgent renders for the phase, from the same phase table and agent definition. See docs/analysis.md.

- **error**: the output grants the agent more than its phase allows (or something that cannot be checked). Synthesis fails. Errors cannot be suppressed.
- **warning**: within the ceiling but worth a reviewer's attention. Suppress with \`{ ruleId, reason }\` where the reason is at least 10 characters; the reason is recorded next to the finding in the output.

Rule IDs are stable: a rule is never renumbered and an ID is never reused.

The guard and \`trust-gate access\` decide from one effective-access model: the ceiling is the
model of exactly what TrustPhasedAgent renders for the definition, phase and epoch, and the guard
reports every part of the output's model above it (per object where it can say which object,
and as one finding per backend otherwise). What the model cannot evaluate is an error, never "none".
`;

/** The whole of RULES.md. */
export function rulesMarkdown(): string {
  return `${INTRO}\n## What the guard sees, and what it cannot\n\n${visibilityTable()}\n## Rules\n\n${rulesTable()}`;
}
