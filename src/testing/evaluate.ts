/**
 * Whether a phase allows one request, decided by the analysis evaluators over the synthesized
 * objects: the RBAC authorizer (Kubernetes), the Vault ACL of each auth role the agent can log in
 * with, IAM evaluation of each role it can assume (identity policies within the boundary), and
 * NetworkPolicy / CiliumNetworkPolicy egress. The answer names the objects that decide it.
 */
import { RbacAuthorizer, type Manifest } from '../analysis/k8s/authorizer';
import { agentPodLabels, podsText } from '../analysis/k8s/egress';
import { allowsEgress, egressGrants, type PodRef } from '../analysis/k8s/netpol';
import { nonResourceURLMatches, serviceAccountUser, type NonResourceRequest, type ResourceRequest } from '../analysis/k8s/rbac';
import { kubernetesBindingGrants, rowCoveredBy, type KubernetesBindingGrant } from '../analysis/k8s/access';
import { ANY, formatAgentRef } from '../analysis/model';
import { allowedActionResources, evaluateIam, type IamPolicies } from '../analysis/iam/evaluate';
import { awsRoleGrants, grantPolicies } from '../analysis/terraform/aws';
import { TerraformIndex } from '../analysis/terraform/resources';
import { vaultApprovalGrants, vaultRoleGrants } from '../analysis/terraform/vault';
import { VaultAcl } from '../analysis/vault/acl';
import { TrustError } from '../errors';
import { bindingText, iamSource, manifestsOf, roleAcl, vaultPolicySource } from './grants';
import type { ParsedRequest } from './request';
import type { PhaseAccess } from './synthesize';

/** The answer to one request and why: the objects that allow it, or what stops it. */
export interface Verdict {
  /** `unknown` when the output binds the agent to something it does not contain. */
  readonly answer: 'allowed' | 'denied' | 'unknown';
  readonly why: string;
}

type Backend = ParsedRequest['backend'];

/** How to get the output a backend's requests need. */
const FIX: Record<Backend, string> = {
  k8s: 'keep the kubernetes option of synthesizePhases',
  egress: 'keep the kubernetes option of synthesizePhases',
  vault: 'pass vault props to synthesizePhases',
  iam: 'pass aws props to synthesizePhases',
};

/** Refuses a request about a backend the phase has no output for (it would always be denied). */
function requireOutput(p: PhaseAccess, backend: Backend): void {
  const kubernetes = backend === 'k8s' || backend === 'egress';
  if ((kubernetes ? p.output.manifests : p.output.stacks).length > 0) return;
  throw new TrustError('GT_USAGE', `phase ${p.phase} has no ${kubernetes ? 'Kubernetes' : 'Terraform'} output, so a ${backend} request cannot be checked (it would always be denied); ${FIX[backend]}`);
}

function coversResource(g: KubernetesBindingGrant, req: ResourceRequest): boolean {
  const row = {
    scope: req.namespace || '',
    apiGroup: req.apiGroup,
    resource: req.subresource ? `${req.resource}/${req.subresource}` : req.resource,
    verb: req.verb,
    name: req.name ?? ANY,
  };
  return g.rows.some((by) => rowCoveredBy(row, by));
}

function coversUrl(g: KubernetesBindingGrant, req: NonResourceRequest): boolean {
  return g.nonResource.some((n) => (n.verb === ANY || n.verb === req.verb) && nonResourceURLMatches({ verbs: [], nonResourceURLs: [n.url] }, req.path));
}

/** Whether a binding applies where the request is: a ClusterRoleBinding everywhere, a RoleBinding in its namespace. */
function bindingReaches(g: KubernetesBindingGrant, request: Extract<ParsedRequest, { backend: 'k8s' }>): boolean {
  if (g.source.kind === 'ClusterRoleBinding') return true;
  return 'resource' in request && g.source.metadata?.namespace === request.resource.namespace;
}

function kubernetesVerdict(p: PhaseAccess, request: Extract<ParsedRequest, { backend: 'k8s' }>): Verdict {
  const manifests = manifestsOf(p);
  const user = serviceAccountUser(p.agent.namespace, p.agent.name);
  const authorizer = new RbacAuthorizer(manifests);
  const allowed = 'resource' in request ? authorizer.allows(user, request.resource) : authorizer.allowsNonResource(user, request.nonResource);
  const grants = kubernetesBindingGrants(manifests, p.agent);
  if (allowed) {
    const by = grants.filter((g) => ('resource' in request ? coversResource(g, request.resource) : coversUrl(g, request.nonResource)));
    return { answer: 'allowed', why: by.map(bindingText).join('; ') || 'RBAC' };
  }
  const unresolved = grants.filter((g) => !g.ref.resolved && bindingReaches(g, request));
  if (unresolved.length > 0) {
    return { answer: 'unknown', why: unresolved.map((g) => `${g.ref.binding} binds ${g.ref.role}, which is not in the output`).join('; ') };
  }
  return { answer: 'denied', why: `no Role or ClusterRole bound to ${formatAgentRef(p.agent)} grants it` };
}

function vaultVerdict(p: PhaseAccess, request: Extract<ParsedRequest, { backend: 'vault' }>): Verdict {
  const roles = vaultRoleGrants(new TerraformIndex(p.output.stacks), p.agent);
  const isList = request.capability === 'list';
  for (const role of roles) {
    const acl = roleAcl(role);
    if (acl.allows(request.path, request.capability)) {
      const rule = acl.matchingRule(request.path, isList)!;
      return { answer: 'allowed', why: `path "${rule}" of ${vaultPolicySource(role, rule)}` };
    }
  }
  const index = new TerraformIndex(p.output.stacks);
  if (p.access.vault.approval !== null) {
    for (const approval of vaultApprovalGrants(index, p.agent)) {
      const acl = new VaultAcl(approval.policies.map((x) => x.rules));
      if (acl.allows(request.path, request.capability)) {
        return { answer: 'allowed', why: `only with an approval: path "${acl.matchingRule(request.path, isList)}" of policy ${approval.policies.map((x) => x.name).join(', ')}, carried by tokens of the operator-only approval role ${approval.name} (${p.access.vault.approval})` };
      }
    }
  }
  const unresolved = roles.flatMap((r) => r.unresolved.map((policy) => `Vault role ${r.name} attaches policy ${policy}, which is not in the output`));
  if (unresolved.length > 0) return { answer: 'unknown', why: unresolved.join('; ') };
  if (roles.length === 0) return { answer: 'denied', why: `no Vault Kubernetes auth role admits ${formatAgentRef(p.agent)}` };
  const applied = roles.flatMap((role) => {
    const acl = roleAcl(role);
    const rule = acl.matchingRule(request.path, isList);
    return rule === undefined ? [] : [`the rule that applies is path "${rule}" of ${vaultPolicySource(role, rule)}, with ${acl.capabilities(request.path).join(', ')}`];
  });
  return { answer: 'denied', why: applied.join('; ') || `no path rule of the agent's Vault policies matches it` };
}

/**
 * A resource the policies may allow `action` on: the one asked about, or any candidate of the
 * analysis (every resource pattern the policies name); undefined when there is none.
 */
function allowedResource(policies: IamPolicies, action: string, resource: string | undefined): string | undefined {
  if (resource !== undefined) return evaluateIam(policies, { action, resource }) === 'allow' ? resource : undefined;
  return allowedActionResources(policies).find((a) => a.action.toLowerCase() === action.toLowerCase())?.resource;
}

function awsVerdict(p: PhaseAccess, request: Extract<ParsedRequest, { backend: 'iam' }>): Verdict {
  const roles = awsRoleGrants(new TerraformIndex(p.output.stacks), p.agent);
  for (const role of roles) {
    const resource = allowedResource(grantPolicies(role), request.action, request.resource);
    if (resource !== undefined) {
      const gated = Object.values(p.access.aws.roles[role.name]?.approvalActions ?? {}).some((byAction) => Object.entries(byAction).some(([a, rs]) => a.toLowerCase() === request.action.toLowerCase() && rs.includes(resource)));
      const approval = gated ? ` (only with an approval: ${p.access.aws.roles[role.name]!.approval})` : '';
      return { answer: 'allowed', why: `${request.resource === undefined ? `on ${resource}, ` : ''}${iamSource(role, request.action, resource)}${approval}` };
    }
  }
  const unresolved = roles.flatMap((r) => [
    ...r.policies.filter((x) => !x.statements).map((x) => `IAM role ${r.name}: ${x.name} is not in the output`),
    ...(r.boundary === null ? [`IAM role ${r.name}: boundary ${r.boundaryName} is not in the output`] : []),
  ]);
  if (unresolved.length > 0) return { answer: 'unknown', why: unresolved.join('; ') };
  if (roles.length === 0) return { answer: 'denied', why: `no IAM role in the output trusts ${formatAgentRef(p.agent)}` };
  const outside = roles.flatMap((role) => {
    const resource = allowedResource({ identity: grantPolicies(role).identity }, request.action, request.resource);
    return resource === undefined ? [] : [`${iamSource(role, request.action, resource)} allows it, but the permissions boundary ${role.boundaryName} does not`];
  });
  return { answer: 'denied', why: outside.join('; ') || `no policy of IAM role ${roles.map((r) => r.name).join(', ')} allows it` };
}

/** `NetworkPolicy ops-agents/incident-responder`. */
function policyText(m: Manifest): string {
  return `${m.kind} ${m.metadata?.namespace ? `${m.metadata.namespace}/` : ''}${m.metadata?.name ?? ''}`;
}

function egressVerdict(p: PhaseAccess, request: Extract<ParsedRequest, { backend: 'egress' }>): Verdict {
  const manifests = manifestsOf(p);
  const pod: PodRef = { namespace: p.agent.namespace, labels: agentPodLabels(manifests, p.agent) };
  const pods = podsText({ matchLabels: pod.labels }, pod.namespace);
  if (!egressGrants(manifests, pod).isolated) return { answer: 'allowed', why: `no network policy isolates the egress of ${pods}, so every destination is open` };
  const allows = (m: readonly Manifest[]) => allowsEgress(m, pod, request.destination, request.port, request.protocol);
  const selecting = manifests.filter((m) => egressGrants([m], pod).isolated);
  if (allows(manifests)) return { answer: 'allowed', why: selecting.filter((m) => allows([m])).map(policyText).join('; ') };
  const dns = 'fqdn' in request.destination ? '; a DNS name matches only toFQDNs rules (Cilium) and rules open to every destination, so ask for an address to check CIDR rules' : '';
  return { answer: 'denied', why: `no egress rule of ${selecting.map(policyText).join(', ')} (selecting ${pods}) allows it${dns}` };
}

/**
 * Evaluates one parsed request against a phase. Throws TrustError (`GT_USAGE`) when the phase
 * has no output for the request's backend, since every request would be denied vacuously.
 */
export function evaluateRequest(p: PhaseAccess, request: ParsedRequest): Verdict {
  requireOutput(p, request.backend);
  switch (request.backend) {
    case 'k8s':
      return kubernetesVerdict(p, request);
    case 'vault':
      return vaultVerdict(p, request);
    case 'iam':
      return awsVerdict(p, request);
    case 'egress':
      return egressVerdict(p, request);
  }
}
