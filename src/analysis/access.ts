/**
 * The effective-access report: for each agent in a synthesized output, what it can actually do
 * in Kubernetes, on the network, in Vault and in AWS, evaluated with each control's semantics.
 */
import { LABELS, objectNames } from '../definition/names';
import { PHASES, isPhase } from '../phase/table';
import { TrustError } from '../errors';
import { kubernetesAccess } from './k8s/access';
import { egressAccess } from './k8s/egress';
import { serviceAccountUser } from './k8s/rbac';
import { ANY, formatAgentRef, parseAgentRef, sortedRecord, type AccessModel, type AgentRef } from './model';
import { OutputIndex } from './output-index';
import { compare, type SynthOutput } from './read';
import { awsAccess, awsReach, awsRoleGrants } from './terraform/aws';
import { vaultAccess, vaultRoleGrants } from './terraform/vault';
import { TerraformIndex, stringList } from './terraform/resources';

function phaseOf(output: OutputIndex, agent: AgentRef): number | null {
  const labelled = output.find('ServiceAccount', agent.namespace, agent.name);
  const fromLabel = labelled?.metadata?.labels?.[LABELS.phase];
  const fromTag = output.terraform.ofType('aws_iam_role')
    .map(({ resource }) => resource.config['tags'] as Record<string, string> | undefined)
    .find((tags) => tags?.[LABELS.agent] === agent.name)?.[LABELS.phase];
  const value = Number(fromLabel ?? fromTag);
  return isPhase(value) ? value : null;
}

/**
 * Agents in an output: ServiceAccounts labelled `graduated-trust.dev/agent`; failing that every
 * ServiceAccount; failing that (Terraform only) the single ServiceAccount each Vault role binds.
 */
export function detectAgents(output: SynthOutput): AgentRef[] {
  const accounts = output.manifests.map((m) => m.manifest).filter((m) => m.kind === 'ServiceAccount' && m.metadata?.name);
  const labelled = accounts.filter((m) => m.metadata?.labels?.[LABELS.agent]);
  let refs = (labelled.length > 0 ? labelled : accounts).map((m) => ({ namespace: m.metadata?.namespace ?? 'default', name: m.metadata!.name! }));
  if (refs.length === 0) {
    refs = new TerraformIndex(output.stacks).ofType('vault_kubernetes_auth_backend_role').flatMap(({ resource }) => {
      const names = stringList(resource.config['bound_service_account_names']);
      const namespaces = stringList(resource.config['bound_service_account_namespaces']);
      return names.length === 1 && namespaces.length === 1 && !names[0]!.includes('*') && !namespaces[0]!.includes('*') ? [{ namespace: namespaces[0]!, name: names[0]! }] : [];
    });
  }
  const unique = new Map(refs.map((r) => [formatAgentRef(r), r]));
  return [...unique.keys()].sort(compare).map((k) => unique.get(k)!);
}

/**
 * The effective access of one agent in an output. `index` (built from `output`) lets several
 * agents share the output's indexes.
 *
 * @example
 * const model = accessOf(readSynthOutput('dist'), { namespace: 'ops-agents', name: 'incident-responder' });
 */
export function accessOf(output: SynthOutput, agent: AgentRef, index: OutputIndex = new OutputIndex(output)): AccessModel {
  const kubernetes = kubernetesAccess(index, agent);
  const aws = awsRoleGrants(index.terraform, agent);
  const reach = [...kubernetes.reach, ...aws.flatMap(awsReach)];
  return {
    agent: formatAgentRef(agent),
    phase: phaseOf(index, agent),
    kubernetes: kubernetes.model,
    egress: index.manifests.length > 0 ? egressAccess(index.networkPolicies(agent.namespace), agent) : { isolated: true, destinations: {}, dnsNames: [] },
    vault: vaultAccess(index.terraform, agent),
    aws: awsAccess(index.terraform, agent),
    reach: Object.values(sortedRecord(reach.map((r) => [`${r.backend}\u0000${r.grant}\u0000${r.reach}`, r] as const))),
  };
}

/**
 * Access models of `agent`, or of every detected agent when it is omitted; the output is indexed
 * once. Throws GT_USAGE naming the agents present when `agent` is not one of them: a misspelt
 * agent never gets an empty report that reads as "no access".
 */
export function accessModels(output: SynthOutput, agent?: AgentRef): AccessModel[] {
  const index = new OutputIndex(output);
  const present = detectAgents(output);
  if (agent && !present.some((a) => a.namespace === agent.namespace && a.name === agent.name) && !mentions(index, agent)) {
    const names = present.map(formatAgentRef);
    throw new TrustError('GT_USAGE', `agent ${formatAgentRef(agent)} is not in the output${names.length > 0 ? `; it holds ${names.join(', ')}` : ' (no agents found)'}; check --agent`);
  }
  return (agent ? [agent] : present).map((a) => accessOf(output, a, index));
}

/** Whether anything in the output grants the agent something (a binding, a Vault or IAM role), though no ServiceAccount of it is there. */
function mentions(index: OutputIndex, agent: AgentRef): boolean {
  return index.rbac.bindingsFor(serviceAccountUser(agent.namespace, agent.name)).some((b) => b.subject.kind !== 'Group')
    || vaultRoleGrants(index.terraform, agent).length > 0
    || awsRoleGrants(index.terraform, agent).length > 0;
}

/** How the agent's writes are admitted, as one line. */
function admissionText(m: AccessModel): string {
  const ref = parseAgentRef(m.agent);
  switch (m.kubernetes.writeAdmission) {
    case 'deny':
      return 'deny (its ValidatingAdmissionPolicy rejects every write by the agent)';
    case 'approval':
      return `approval (a write must be a declared action and carry a single-use operator approval in ConfigMap ${ref ? `${ref.namespace}/${objectNames(ref.name).approvals}` : 'NAMESPACE/NAME-approvals'})`;
    case 'actions':
      return 'actions (a write must be one of the declared actions, which admission compares with the previous version)';
    case 'none':
      return 'none (no ValidatingAdmissionPolicy selects the agent; RBAC alone decides)';
    case 'custom':
      return 'custom (a ValidatingAdmissionPolicy selects the agent but is not what TrustPhasedAgent renders; what it admits is unknown)';
  }
}

const FENCE_TEXT: Record<AccessModel['kubernetes']['fence'], string> = {
  admission: 'pods running as its ServiceAccount must carry its pod labels and no host network (admission)',
  none: 'none: a pod running as its ServiceAccount with other labels or the host network escapes its NetworkPolicy',
  custom: 'custom (a fence policy differs from what TrustPhasedAgent renders)',
};

function dnsText(names: readonly string[] | null): string {
  if (names === null) return 'any name: cluster DNS forwards lookups outside the cluster upstream, so DNS is an outbound channel (the Cilium flavour limits names)';
  return names.length === 0 ? 'none' : names.join(', ');
}

function phaseText(phase: number | null): string {
  return phase !== null && isPhase(phase) ? `phase ${phase} (${PHASES[phase].name})` : 'phase not recorded';
}

function seconds(v: number | null): string {
  return v === null ? 'unset' : `${v}s`;
}

function namesText(names: readonly string[]): string {
  return names.length === 1 && names[0] === ANY ? '' : ` ${names.map((n) => `"${n}"`).join(', ')}`;
}

function approvalSuffix(approval: string | null): string {
  return approval ? ` (approval: ${approval})` : '';
}

/** The report as lines with two-space indentation per level. */
function reportLines(m: AccessModel): string[] {
  const out = [`${m.agent}: ${phaseText(m.phase)}`, '  kubernetes:'];
  const scopes = Object.entries(m.kubernetes.scopes);
  if (scopes.length === 0) out.push('    (no access)');
  for (const [scope, resources] of scopes) {
    out.push(`    ${scope === ANY ? 'cluster-wide' : `namespace ${scope}`}:`);
    for (const [key, access] of Object.entries(resources)) {
      const verbs = Object.entries(access.verbs).map(([verb, names]) => `${verb}${namesText(names)}`);
      out.push(`      ${key}: ${verbs.join('; ')}`);
    }
  }
  for (const [url, verbs] of Object.entries(m.kubernetes.nonResourceURLs)) out.push(`    non-resource ${url}: ${verbs.join(', ')}`);
  for (const d of m.kubernetes.dangerous) out.push(`    ! dangerous: ${d.grant} (${d.id}: ${d.why})`);
  for (const b of m.kubernetes.bindings) out.push(`    via ${b.binding} → ${b.role} (${b.subject})${b.resolved ? '' : ' [role not fully in output: access unknown]'}`);
  for (const u of m.kubernetes.unresolved) out.push(`    ! unknown: ${u}`);
  out.push(`    write admission: ${admissionText(m)}`);
  for (const w of m.kubernetes.writes) out.push(`      admits ${w.write}: ${w.changes}${approvalSuffix(w.approval)}`);
  out.push(`    fence: ${FENCE_TEXT[m.kubernetes.fence]}`);
  out.push(`  egress${m.egress.isolated ? '' : ' (not isolated: every destination)'}:`);
  const destinations = Object.entries(m.egress.destinations);
  if (destinations.length === 0) out.push('    (none)');
  for (const [d, ports] of destinations) out.push(`    ${d === ANY ? 'anywhere' : d}: ${ports.join(', ')}`);
  out.push(`    dns names: ${dnsText(m.egress.dnsNames)}`);
  out.push('  vault:');
  const roles = Object.entries(m.vault.roles);
  if (roles.length === 0) out.push('    (no role)');
  for (const [role, r] of roles) out.push(`    role ${role} (auth/${r.backend}, ${r.auth}): policies ${r.policies.join(', ') || 'none'}; token_ttl ${seconds(r.tokenTtlSeconds)}, token_max_ttl ${seconds(r.tokenMaxTtlSeconds)}; audience ${r.audience ?? 'any'}`);
  for (const [path, caps] of Object.entries(m.vault.paths)) out.push(`    ${path}: ${caps.join(', ')}`);
  for (const [path, caps] of Object.entries(m.vault.approvalPaths)) out.push(`    ${path}: ${caps.join(', ')}${approvalSuffix(m.vault.approval)}`);
  for (const p of m.vault.unresolved) out.push(`    ! not in the output, access unknown: ${p}`);
  out.push('  aws:');
  const awsRoles = Object.entries(m.aws.roles);
  if (awsRoles.length === 0) out.push('    (no role)');
  for (const [role, r] of awsRoles) {
    out.push(`    role ${role}: boundary ${r.permissionsBoundary ?? 'none'}; max_session_duration ${seconds(r.maxSessionDurationSeconds)}`);
    for (const who of r.assumableBy) out.push(`      assumable by ${who}`);
    for (const [gated, levels] of [[false, r.actions], [true, r.approvalActions]] as const) {
      for (const [level, actions] of Object.entries(levels)) {
        out.push(`      ${level}${gated ? ` (approval: ${r.approval})` : ''}:`);
        for (const [action, resources] of Object.entries(actions)) out.push(`        ${action} on ${resources.join(', ')}`);
      }
    }
    for (const d of r.dangerous) out.push(`      ! dangerous: ${d.grant} (${d.id}: ${d.why})`);
    for (const p of r.unresolved) out.push(`      ! ${p} is not in the output: access unknown`);
  }
  if (m.reach.length > 0) out.push('  reach:');
  for (const r of m.reach) out.push(`    ! ${r.grant}: ${r.reach} (${r.id})`);
  return out;
}

/** Plain text: one indented block per agent. */
export function formatAccessText(models: readonly AccessModel[]): string {
  return models.length === 0 ? 'no agents found\n' : models.map((m) => reportLines(m).join('\n') + '\n').join('\n');
}

/** JSON: the models as they are (stable and sorted). */
export function formatAccessJson(models: readonly AccessModel[]): string {
  return JSON.stringify(models, null, 2) + '\n';
}

/** Markdown: one section per agent with tables per backend. */
export function formatAccessMarkdown(models: readonly AccessModel[]): string {
  if (models.length === 0) return 'No agents found.\n';
  const out: string[] = [];
  for (const m of models) {
    out.push(`### Effective access: \`${m.agent}\`, ${phaseText(m.phase)}`, '', '#### Kubernetes API', '', '| Scope | Resource | Verbs (names) |', '| --- | --- | --- |');
    for (const [scope, resources] of Object.entries(m.kubernetes.scopes)) {
      for (const [key, access] of Object.entries(resources)) {
        const verbs = Object.entries(access.verbs).map(([verb, names]) => `${verb}${namesText(names)}`).join('; ');
        out.push(`| ${scope === ANY ? 'cluster-wide' : scope} | \`${key}\` | ${verbs} |`);
      }
    }
    out.push('', `Write admission: ${admissionText(m).replace(/^(\w+)/, '**$1**')}`);
    for (const w of m.kubernetes.writes) out.push(`- admits \`${w.write}\`: ${w.changes}${approvalSuffix(w.approval)}`);
    out.push('', `Fence: ${FENCE_TEXT[m.kubernetes.fence]}`);
    for (const u of m.kubernetes.unresolved) out.push('', `> [!CAUTION]\n> access unknown: ${u}`);
    for (const d of m.kubernetes.dangerous) out.push('', `> [!WARNING]\n> dangerous: \`${d.grant}\` (${d.id}: ${d.why})`);
    out.push('', '#### Network egress', '');
    if (!m.egress.isolated) out.push('Not isolated: every destination is reachable.');
    for (const [d, ports] of Object.entries(m.egress.destinations)) out.push(`- ${d === ANY ? 'anywhere' : `\`${d}\``}: ${ports.join(', ')}`);
    out.push(`- DNS names: ${dnsText(m.egress.dnsNames)}`);
    out.push('', '#### Vault', '');
    for (const [role, r] of Object.entries(m.vault.roles)) out.push(`- role \`${role}\`: token_ttl ${seconds(r.tokenTtlSeconds)}, token_max_ttl ${seconds(r.tokenMaxTtlSeconds)}`);
    for (const [path, caps] of Object.entries(m.vault.paths)) out.push(`- \`${path}\`: ${caps.join(', ')}`);
    for (const [path, caps] of Object.entries(m.vault.approvalPaths)) out.push(`- \`${path}\`: ${caps.join(', ')}${approvalSuffix(m.vault.approval)}`);
    out.push('', '#### AWS IAM', '');
    for (const [role, r] of Object.entries(m.aws.roles)) {
      out.push(`- role \`${role}\`: boundary ${r.permissionsBoundary ?? 'none'}, max_session_duration ${seconds(r.maxSessionDurationSeconds)}; assumable by ${r.assumableBy.join('; ')}`);
      for (const [gated, levels] of [[false, r.actions], [true, r.approvalActions]] as const) {
        for (const [level, actions] of Object.entries(levels)) {
          for (const [action, resources] of Object.entries(actions)) out.push(`  - ${level}: \`${action}\` on ${resources.map((x) => `\`${x}\``).join(', ')}${gated ? approvalSuffix(r.approval) : ''}`);
        }
      }
    }
    if (m.reach.length > 0) out.push('', '#### Reach', '');
    for (const r of m.reach) out.push(`> [!WARNING]\n> \`${r.grant}\` ${r.reach} (${r.id})`, '');
    out.push('');
  }
  return out.join('\n');
}
