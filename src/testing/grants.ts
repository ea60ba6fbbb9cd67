/**
 * What a phase grants, one atomic permission per line with the object it comes from, read from
 * the synthesized objects with the analysis (RBAC bindings, Vault roles and ACLs, IAM roles and
 * their policies). The assertions use it to name the grant that breaks a promise.
 */
import { ANY } from '../analysis/model';
import { admittedRowDangers, agentAdmission, kubernetesBindingGrants, rowText, type KubernetesBindingGrant } from '../analysis/k8s/access';
import { OutputIndex } from '../analysis/output-index';
import { coveredByAction } from '../analysis/k8s/reach';
import type { Manifest } from '../analysis/k8s/authorizer';
import { statementMatches } from '../analysis/iam/evaluate';
import { allowedActions, awsRoleGrants, type AwsRoleGrant } from '../analysis/terraform/aws';
import { TerraformIndex } from '../analysis/terraform/resources';
import { vaultApprovalGrants, vaultRoleGrants, type VaultRoleGrant } from '../analysis/terraform/vault';
import { VaultAcl } from '../analysis/vault/acl';
import { awsDangers } from '../definition/dangerous';
import { READ_VERBS } from '../phase/table';
import { vaultPathPattern } from '../vault/match';
import type { PhaseAccess } from './synthesize';

/** One permission the phase grants. */
export interface Grant {
  /** `patch apps/deployments "checkout" in shop`, `vault update secret/data/shop/x`, `iam ecs:UpdateService on arn:…`. */
  readonly text: string;
  /** The object it comes from: `Role incident-responder in shop`, `policy x of Vault role y`, …. */
  readonly source: string;
  /** Anything but reading: a write verb, a Vault capability other than read/list, an IAM action outside Read/List. */
  readonly writes: boolean;
  /** Limited to named objects, an exact Vault path or an ARN without wildcards. */
  readonly named: boolean;
  /** IDs from the dangerous set (`secrets`, `wildcard`, `aws-secret-read`, …). */
  readonly dangers: readonly string[];
  /** How one use is approved, when the grant needs an operator approval (Vault approval token, IAM approval tag). */
  readonly approval?: string;
}

const READS = new Set<string>(READ_VERBS);
/** HTTP verbs of non-resource URLs that only read. */
const URL_READS = new Set(['get', 'head', 'options']);
const VAULT_READS = new Set(['read', 'list']);
const IAM_READ_LEVELS = new Set(['Read', 'List']);

/** `text (source)`, with the approval and the danger IDs when there are any. */
export function grantLine(g: Grant): string {
  return `${g.text} (${g.source}${g.approval ? `; approval: ${g.approval}` : ''})${g.dangers.length > 0 ? ` [${g.dangers.join(', ')}]` : ''}`;
}

/** `Role incident-responder in shop`, `ClusterRole view, bound by RoleBinding extra in shop, to Group system:authenticated`. */
export function bindingText(g: KubernetesBindingGrant): string {
  const binding = g.source;
  const name = binding.metadata?.name ?? '';
  const namespace = binding.metadata?.namespace ?? '';
  const role = (binding['roleRef'] ?? {}) as { readonly kind?: string; readonly name?: string };
  const parts = [role.kind === 'Role' ? `Role ${role.name} in ${namespace}` : `ClusterRole ${role.name}`];
  if (name !== role.name || (binding.kind === 'RoleBinding' && role.kind === 'ClusterRole')) {
    parts.push(`bound by ${binding.kind === 'RoleBinding' ? `RoleBinding ${name} in ${namespace}` : `ClusterRoleBinding ${name}`}`);
  }
  if (g.viaGroup) parts.push(`to ${g.ref.subject}`);
  return parts.join(', ');
}

/** The manifests of the output. */
export function manifestsOf(p: PhaseAccess): Manifest[] {
  return p.output.manifests.map((m) => m.manifest);
}

function kubernetesGrants(p: PhaseAccess): Grant[] {
  const index = new OutputIndex(p.output);
  // Dangers as admission lets them through: a pod-template write admitted only as a declared action is bounded.
  const admission = agentAdmission(index, p.agent);
  return kubernetesBindingGrants(index.rbac, p.agent).flatMap((g) => {
    const source = bindingText(g);
    const rows = g.rows.map((row): Grant => ({
      text: rowText(row),
      source,
      writes: !READS.has(row.verb),
      // A write admitted only with a per-write approval names its object in that approval (key with name and resourceVersion).
      named: row.name !== ANY || (admission.mode === 'approval' && coveredByAction(row, admission)),
      dangers: admittedRowDangers(row, admission).map((d) => d.id),
    }));
    const urls = g.nonResource.map(({ url, verb }): Grant => ({
      text: `${verb} ${url} (non-resource URL)`,
      source,
      writes: !URL_READS.has(verb),
      named: !url.includes(ANY),
      dangers: verb === ANY || url.includes(ANY) ? ['wildcard'] : [],
    }));
    return [...rows, ...urls];
  });
}

/** `policy a` or `policies a, b` of a Vault role declaring `path`. */
export function vaultPolicySource(role: VaultRoleGrant, path: string): string {
  const names = role.policies.filter((x) => x.rules.some((r) => vaultPathPattern(r.path).path === path)).map((x) => x.name);
  return `${names.length === 1 ? 'policy' : 'policies'} ${names.join(', ')} of Vault role ${role.name}`;
}

/** The merged ACL of the policies a Vault role attaches (what a token of that role gets). */
export function roleAcl(role: VaultRoleGrant): VaultAcl {
  return new VaultAcl(role.policies.map((x) => x.rules));
}

/** The grants of one token's policies: each capability on each path pattern they name. */
function tokenGrants(policies: VaultRoleGrant['policies'], source: (path: string) => string, approval?: string): Grant[] {
  const acl = new VaultAcl(policies.map((x) => x.rules));
  const paths = [...new Set(policies.flatMap((x) => x.rules.map((r) => vaultPathPattern(r.path).path)))];
  return paths.flatMap((path) =>
    acl.capabilities(path).filter((c) => c !== 'deny').map((capability): Grant => ({
      text: `vault ${capability} ${path}`,
      source: source(path),
      writes: !VAULT_READS.has(capability),
      named: vaultPathPattern(path).kind === 'exact',
      dangers: [],
      ...(approval && !VAULT_READS.has(capability) ? { approval } : {}),
    })),
  );
}

function vaultGrants(p: PhaseAccess): Grant[] {
  const index = new TerraformIndex(p.output.stacks);
  const own = vaultRoleGrants(index, p.agent).flatMap((role) => tokenGrants(role.policies, (path) => vaultPolicySource(role, path)));
  const approval = p.access.vault.approval;
  const approved = approval === null ? [] : vaultApprovalGrants(index, p.agent).flatMap((a) =>
    tokenGrants(a.policies, () => `policy ${a.policies.map((x) => x.name).join(', ')} of approval token role ${a.name}`, approval));
  return [...own, ...approved];
}

/** The identity policies of an IAM role that allow `action` on `resource`, with statement IDs. */
export function iamSource(role: AwsRoleGrant, action: string, resource: string): string {
  const found = role.policies.flatMap((policy) =>
    (policy.statements ?? [])
      .filter((s) => s.Effect === 'Allow' && statementMatches(s, { action, resource }))
      .map((s) => `${policy.name}${s.Sid ? ` statement ${s.Sid}` : ''}`),
  );
  return found.length > 0 ? `${found.join(', ')} of IAM role ${role.name}` : `IAM role ${role.name}`;
}

function awsGrants(p: PhaseAccess): Grant[] {
  return awsRoleGrants(new TerraformIndex(p.output.stacks), p.agent).flatMap((role) => {
    const model = p.access.aws.roles[role.name];
    const gated = (action: string, resource: string) => Object.values(model?.approvalActions ?? {}).some((byAction) => byAction[action]?.includes(resource));
    return allowedActions(role).map(({ action, level, resource }): Grant => ({
      text: `iam ${action} on ${resource}`,
      source: iamSource(role, action, resource),
      writes: level.split(', ').some((l) => !IAM_READ_LEVELS.has(l)),
      named: !/[*?]/.test(resource),
      dangers: awsDangers([action]).map((d) => d.id),
      ...(model?.approval && gated(action, resource) ? { approval: model.approval } : {}),
    }));
  });
}

/** Every Kubernetes, Vault and IAM permission of the phase with its source (egress grants nothing to write). */
export function grantsOf(p: PhaseAccess): Grant[] {
  return [...kubernetesGrants(p), ...vaultGrants(p), ...awsGrants(p)];
}

/** Objects the agent is bound to whose content is not in the output, so its access through them is unknown. */
export function unknownAccess(p: PhaseAccess): string[] {
  const m = p.access;
  return [
    ...m.kubernetes.bindings.filter((b) => !b.resolved).map((b) => `${b.binding} binds ${b.role}, which is not in the output`),
    ...m.vault.unresolved.map((policy) => `Vault policy ${policy} is attached but not in the output`),
    ...Object.entries(m.aws.roles).flatMap(([role, r]) => r.unresolved.map((x) => `IAM role ${role}: ${x} is not in the output`)),
  ];
}
