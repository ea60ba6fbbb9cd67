import { isIP } from 'node:net';
import { iamActionsFor, readsOnly, supportsResourceTag, type IamActionInfo } from '../aws/catalog';
import { codeChange, pinned, secretBearingRead } from '../aws/risky';
import { throwIfProblems, type Problem } from '../errors';
import { TIERS, TIER_VALUES, type Tier, type TierRules } from '../phase/table';
import { checkAck, checkLabels, checkOwnObjects, MIN_REASON_LENGTH, type Report } from './checks';
import { awsDangers, kubernetesDangers } from './dangerous';
import { isDnsLabel, isDnsSubdomain } from './names';
import { agentDefinitionSchema } from './schema';
import type {
  AgentDefinition,
  AwsAccess,
  EgressRule,
  KubernetesAccess,
  ResolvedDefinition,
  VaultAccess,
} from './types';
import { checkAction } from './validate-actions';

export { MIN_REASON_LENGTH };

/** Longest agent name: derived names such as `<name>-approvals` and `<name>.graduated-trust.dev` must stay within Kubernetes' limits. */
export const MAX_NAME_LENGTH = 50;

/**
 * Built-in namespaced resources (`group/resource`, core group as ''): a cluster-scoped rule on
 * them would reach every namespace. Custom resources are not known here.
 */
const NAMESPACED_KINDS = new Set([
  '/pods', '/services', '/endpoints', '/configmaps', '/secrets', '/serviceaccounts', '/events', '/persistentvolumeclaims',
  '/replicationcontrollers', '/limitranges', '/resourcequotas', '/podtemplates',
  'apps/deployments', 'apps/replicasets', 'apps/statefulsets', 'apps/daemonsets', 'apps/controllerrevisions',
  'batch/jobs', 'batch/cronjobs', 'autoscaling/horizontalpodautoscalers', 'policy/poddisruptionbudgets',
  'networking.k8s.io/ingresses', 'networking.k8s.io/networkpolicies', 'discovery.k8s.io/endpointslices',
  'events.k8s.io/events', 'coordination.k8s.io/leases', 'rbac.authorization.k8s.io/roles', 'rbac.authorization.k8s.io/rolebindings',
]);


/**
 * Checks a definition and returns every problem found (empty when valid). Each message names
 * the value, what is allowed and one fix.
 */
export function validateDefinition(input: unknown): Problem[] {
  const parsed = agentDefinitionSchema.safeParse(input);
  if (!parsed.success) {
    return parsed.error.issues.map((issue) => ({
      field: issue.path.map(String).join('.') || '(definition)',
      message: `${issue.message}; see the AgentDefinition type for the allowed shape`,
      code: 'GT_DEFINITION_INVALID' as const,
    }));
  }
  const def = input as AgentDefinition;
  const problems: Problem[] = [];
  const report: Report = (field, message, code = 'GT_DEFINITION_INVALID') => problems.push({ field, message, code });

  if (def.name.length > MAX_NAME_LENGTH) report('name', `"${def.name}" is ${def.name.length} characters; at most ${MAX_NAME_LENGTH} leave room for derived names such as "<name>-approvals"; shorten it`);
  else if (!isDnsLabel(def.name)) report('name', `"${def.name}" is not a DNS-1123 label; use lowercase letters, digits and '-', at most ${MAX_NAME_LENGTH} characters`);
  else if (def.name === 'default') report('name', `"default" would make the agent's ServiceAccount the namespace's default one, which every pod without a serviceAccountName runs as; name the agent, e.g. "incident-responder"`);
  if (!isDnsLabel(def.namespace)) report('namespace', `"${def.namespace}" is not a DNS-1123 label; use lowercase letters, digits and '-'`);
  checkLabels(def.podLabels, 'podLabels', report);
  if (def.podLabels && Object.keys(def.podLabels).length === 0) report('podLabels', `is empty, which would select every pod in namespace "${def.namespace}"; name the agent's own labels, e.g. { 'app.kubernetes.io/name': '${def.name}' }`);
  const c = def.escalationConfidence;
  if (c !== undefined && !(c > 0 && c < 1)) report('escalationConfidence', `${c} is outside (0, 1); use a probability such as 0.8`);

  const egressNames = new Set<string>();
  for (const tier of TIER_VALUES) {
    const caps = def[tier];
    if (!caps) continue;
    const rules = TIERS[tier];
    caps.kubernetes?.forEach((r, i) => {
      checkKubernetes(def, r, `${tier}.kubernetes[${i}]`, tier, rules, report);
      checkOwnObjects(def, { ...r, verbs: kubernetesVerbs(r, tier) }, `${tier}.kubernetes[${i}].resourceNames`, report);
    });
    caps.kubernetesActions?.forEach((a, i) => checkAction(def, a, `${tier}.kubernetesActions[${i}]`, tier, report));
    caps.egress?.forEach((r, i) => checkEgress(r, `${tier}.egress[${i}]`, egressNames, report));
    caps.vault?.forEach((r, i) => checkVault(r, `${tier}.vault[${i}]`, tier, rules, report));
    caps.aws?.forEach((r, i) => checkAws(r, `${tier}.aws[${i}]`, tier, rules, report));
  }
  return problems;
}

/**
 * Validates and applies defaults. Throws a TrustError listing every problem.
 * @param where construct path or file named in the error
 */
export function resolveDefinition(input: AgentDefinition, where?: string): ResolvedDefinition {
  throwIfProblems(validateDefinition(input), where);
  return {
    ...input,
    podLabels: input.podLabels ?? { 'app.kubernetes.io/name': input.name },
  };
}

/** The verbs of a rule after the tier default. */
export function kubernetesVerbs(rule: KubernetesAccess, tier: Tier): readonly string[] {
  return rule.verbs ?? TIERS[tier].defaultKubernetesVerbs;
}

function checkKubernetes(def: AgentDefinition, rule: KubernetesAccess, field: string, tier: Tier, rules: TierRules, report: Report) {
  const verbs = rule.verbs ?? rules.defaultKubernetesVerbs;
  for (const [key, values] of [['apiGroups', rule.apiGroups], ['resources', rule.resources], ['verbs', verbs], ['resourceNames', rule.resourceNames ?? []]] as const) {
    for (const v of values) {
      if (v.includes('*')) report(`${field}.${key}`, `"${v}" is a wildcard; wildcards are never granted (a '*' also matches subresources and future kinds); list each ${key === 'verbs' ? 'verb' : 'item'} explicitly`);
    }
  }
  for (const v of verbs) {
    if (!v.includes('*') && !rules.kubernetesVerbs.includes(v)) {
      const inAnyTier = TIER_VALUES.some((t) => (TIERS[t].kubernetesVerbs as readonly string[]).includes(v));
      report(`${field}.verbs`, `verb "${v}" is not allowed in the ${tier} tier (allowed: ${rules.kubernetesVerbs.join(', ')}); ${inAnyTier ? 'move the rule to a tier that allows it' : 'drop the verb'}`);
    }
  }
  for (const g of rule.apiGroups) if (g !== '' && !g.includes('*') && !isDnsSubdomain(g)) report(`${field}.apiGroups`, `"${g}" is not a valid API group; use '' for core or a DNS name such as "apps"`);
  for (const r of rule.resources) if (!r.includes('*') && !/^[a-z0-9.-]+(\/[a-z0-9.-]+)?$/.test(r)) report(`${field}.resources`, `"${r}" is not a resource; use the lowercase plural, optionally with a subresource ("deployments/scale")`);
  for (const n of rule.resourceNames ?? []) if (!n.includes('*') && !isDnsSubdomain(n)) report(`${field}.resourceNames`, `"${n}" is not a DNS-1123 name; use the object's exact name`);
  if (rules.writes === 'named' && !(rule.resourceNames && rule.resourceNames.length > 0)) {
    report(`${field}.resourceNames`, `is missing; remediate rules must name the objects they write; add resourceNames: ['…'] or move the rule to autonomous`);
  }
  if (rule.clusterScoped) {
    const namespaced = rule.resources.filter((r) => rule.apiGroups.some((g) => NAMESPACED_KINDS.has(`${g}/${r.split('/')[0]}`)));
    if (namespaced.length > 0) report(`${field}.clusterScoped`, `${namespaced.map((r) => `"${r}"`).join(', ')} ${namespaced.length === 1 ? 'is' : 'are'} namespaced, so a ClusterRole would grant ${namespaced.length === 1 ? 'it' : 'them'} in every namespace; list the namespaces instead of clusterScoped`);
    if (!rules.clusterScoped) report(`${field}.clusterScoped`, `cluster-scoped rules are allowed only in read tiers (observe, recommend), not ${tier}; scope the rule to namespaces`);
    if (rule.namespaces) report(`${field}.namespaces`, `a cluster-scoped rule takes no namespaces; remove namespaces or clusterScoped`);
  } else if (!rule.namespaces) {
    report(`${field}.namespaces`, `is missing; list the namespaces the rule applies in, or set clusterScoped: true for cluster-scoped reads`);
  }
  for (const ns of rule.namespaces ?? []) if (!isDnsLabel(ns)) report(`${field}.namespaces`, `"${ns}" is not a DNS-1123 label; use the namespace's exact name`);
  checkAck(rule.dangerous, kubernetesDangers({ ...rule, verbs }, def.workloadKinds), field, report);
}

function isCidr(value: string): boolean {
  const [ip, bits, extra] = value.split('/');
  if (!ip || bits === undefined || extra !== undefined || !/^\d+$/.test(bits)) return false;
  const family = isIP(ip);
  return family !== 0 && Number(bits) <= (family === 4 ? 32 : 128);
}

function checkEgress(rule: EgressRule, field: string, names: Set<string>, report: Report) {
  if (!isDnsLabel(rule.name)) report(`${field}.name`, `"${rule.name}" is not a DNS-1123 label; use a short name such as "prometheus"`);
  if (names.has(rule.name)) report(`${field}.name`, `"${rule.name}" is used by another egress rule; egress names must be unique so diffs can name them`);
  names.add(rule.name);
  for (const [i, p] of rule.ports.entries()) {
    if (!(p.port >= 1 && p.port <= 65535)) report(`${field}.ports[${i}].port`, `${p.port} is not a port; use 1–65535`);
  }
  const to = rule.to;
  if ('cidr' in to) {
    if (!isCidr(to.cidr)) report(`${field}.to.cidr`, `"${to.cidr}" is not a CIDR; write it as 10.0.0.1/32`);
    if (to.cidr.endsWith('/0')) report(`${field}.to.cidr`, `"${to.cidr}" is the whole internet; name the destination's own range`);
    for (const e of to.except ?? []) if (!isCidr(e)) report(`${field}.to.except`, `"${e}" is not a CIDR`);
  } else if ('fqdn' in to) {
    if (!isDnsSubdomain(to.fqdn.toLowerCase()) || to.fqdn !== to.fqdn.toLowerCase()) report(`${field}.to.fqdn`, `"${to.fqdn}" is not a lowercase DNS name; wildcards are not supported, name the host`);
  } else {
    if (!isDnsLabel(to.namespace)) report(`${field}.to.namespace`, `"${to.namespace}" is not a DNS-1123 label`);
    checkLabels(to.podLabels, `${field}.to.podLabels`, report);
  }
}

const VAULT_PATH = /^[A-Za-z0-9_\-.+/*]+$/;
const VAULT_FORBIDDEN_WRITES = ['sys/', 'auth/', 'identity/'];
const KV_V2_PREFIXES = new Set(['data', 'metadata', 'delete', 'undelete', 'destroy']);

/** A read of a whole mount (`secret/data/*`, `secret/*`): the Vault twin of listing every Secret. */
function readsWholeMount(path: string): boolean {
  const segments = path.split('/');
  const glob = segments.findIndex((seg) => seg.includes('*') || seg === '+');
  if (glob === -1) return false;
  const literal = glob - (KV_V2_PREFIXES.has(segments[1] ?? '') ? 1 : 0);
  return literal < 2;
}

function checkVault(rule: VaultAccess, field: string, tier: Tier, rules: TierRules, report: Report) {
  const p = rule.path;
  const f = `${field}.path`;
  // Character whitelist first: a quote, newline or brace could otherwise close the HCL string and add a rule.
  if (!VAULT_PATH.test(p)) {
    report(f, `${JSON.stringify(p)} has characters outside [A-Za-z0-9_-./+*]; quotes, braces, spaces and newlines could change the policy, remove them`, 'GT_VAULT_PATH');
    return;
  }
  if (p.startsWith('/')) report(f, `"${p}" starts with '/'; Vault paths are relative to the root, drop the leading '/'`, 'GT_VAULT_PATH');
  if (p === '*' || p === '+' || /^[+*]/.test(p)) report(f, `"${p}" matches every mount; start with the mount path, e.g. "secret/data/shop/"`, 'GT_VAULT_PATH');
  if (p.slice(0, -1).includes('*')) report(f, `"${p}" has '*' before the end; Vault allows a glob only as the last character`, 'GT_VAULT_PATH');
  if (p.split('/').some((seg) => seg.includes('+') && seg !== '+')) report(f, `"${p}" uses '+' inside a segment; '+' must be a whole segment ("a/+/b")`, 'GT_VAULT_PATH');
  if (p.split('/').some((seg, i, all) => seg === '' && i < all.length - 1)) report(f, `"${p}" has an empty segment ('//'); remove it`, 'GT_VAULT_PATH');
  const writes = rule.capabilities.filter((cap) => cap !== 'read' && cap !== 'list');
  for (const cap of rule.capabilities) {
    if (!rules.vaultCapabilities.includes(cap)) report(`${field}.capabilities`, `"${cap}" is not allowed in the ${tier} tier (allowed: ${rules.vaultCapabilities.join(', ')}); move the rule to remediate or autonomous`);
  }
  if (writes.length > 0) {
    const under = VAULT_FORBIDDEN_WRITES.find((prefix) => p.startsWith(prefix) || p === prefix.slice(0, -1));
    if (under) report(f, `"${p}" is under ${under}, where writes change Vault itself (policies, auth, identities); they are never granted, grant read/list only`, 'GT_VAULT_PATH');
    const globbed = p.includes('*') || p.split('/').includes('+');
    if (rules.writes === 'named' && globbed) report(f, `"${p}" is a pattern, but remediate writes must name exact paths; list each path`, 'GT_VAULT_PATH');
    const segments = p.split('/');
    const glob = segments.findIndex((seg) => seg.includes('*') || seg === '+');
    // KV v2 puts data/, metadata/, delete/ … after the mount: they do not narrow anything.
    const literal = glob - (KV_V2_PREFIXES.has(segments[1] ?? '') ? 1 : 0);
    if (rules.writes === 'namespaced' && glob !== -1 && literal < 2) report(f, `"${p}" writes under a whole mount; keep at least two literal segments before a glob besides KV's data/ or metadata/, e.g. "secret/data/shop/*"`, 'GT_VAULT_PATH');
  }
  const reads = rule.capabilities.some((cap) => cap === 'read' || cap === 'list');
  const dangers = reads && readsWholeMount(p) ? [{ id: 'vault-mount-read', why: `"${p}" reads every secret of the mount, the Vault twin of listing every Secret` }] : [];
  checkAck(rule.dangerous, dangers, field, report);
}

function checkAws(rule: AwsAccess, field: string, tier: Tier, rules: TierRules, report: Report) {
  const expanded: IamActionInfo[] = [];
  for (const action of rule.actions) {
    const f = `${field}.actions`;
    const [service, name] = action.split(':');
    if (action === '*' || !service || !name || name === '*') {
      report(f, `"${action}" grants a whole service or everything; list the actions the agent needs`, 'GT_IAM_ACTION');
      continue;
    }
    if (/[*?]/.test(action) && rules.writes !== 'none') {
      report(f, `"${action}" is a wildcard in the ${tier} tier; write tiers list exact actions`, 'GT_IAM_ACTION');
      continue;
    }
    const infos = iamActionsFor(action);
    if (infos.length === 0) {
      report(f, `"${action}" is not an IAM action known to the AWS Service Authorization Reference; check the spelling`, 'GT_IAM_ACTION');
      continue;
    }
    for (const info of infos) {
      expanded.push(info);
      const bad = info.accessLevels.filter((l) => !rules.iamAccessLevels.includes(l));
      if (bad.length > 0) {
        report(f, `"${info.action}" has access level ${info.accessLevels.join(', ')}; the ${tier} tier allows ${rules.iamAccessLevels.join(', ')}; ${rules.writes === 'none' ? 'move it to remediate or autonomous' : 'permissions management is never granted to an agent'}`, 'GT_IAM_ACTION');
      }
      const forbidden = forbiddenAction(info);
      if (forbidden) report(f, `"${info.action}" ${forbidden}; it is never granted`, 'GT_IAM_ACTION');
    }
  }
  const writes = expanded.some((i) => !readsOnly(i));
  checkConditions(rule, `${field}.conditions`, report);
  const dangers = [...awsDangers(expanded.map((i) => i.action))];
  const wide = rule.resources.filter((arn) => arn === '*' || (/[*?]/.test(arn) && !boundedArnPattern(arn)));
  for (const info of expanded) {
    const change = codeChange(info.action);
    if (change && rules.writes !== 'none' && !(change.pins && pinned(rule.conditions, change.pins))) {
      const pins = change.pins ? `conditions on ${change.pins.join(' and ')}` : 'no condition key pins it';
      dangers.push({ id: 'aws-runs-code', why: `"${info.action}" ${change.reach}; ${pins}${change.pins ? ' would pin it' : ''}` });
    }
    const read = secretBearingRead(info.action);
    if (read && readsOnly(info) && wide.length > 0) {
      dangers.push({ id: 'aws-secret-bearing-read', why: `"${info.action}" ${read.why}, and ${wide.map((w) => `"${w}"`).join(', ')} reaches every resource of the service, region or account; name the resources (e.g. the log groups)` });
    }
    if (tier === 'remediate' && !readsOnly(info) && !supportsResourceTag(info.action) && !rule.dangerous) {
      report(`${field}.actions`, `"${info.action}" acts on resources that cannot carry the approval tag (aws:ResourceTag is not a condition key of its resource), so an operator cannot approve one write at a time in phase 3; use an action on a taggable resource, move it to autonomous, or add dangerous: { reason } to allow it in phase 3 without a per-write approval`, 'GT_IAM_ACTION');
    }
  }
  if (tier === 'remediate' && rule.dangerous && writes && expanded.some((i) => !supportsResourceTag(i.action))) {
    dangers.push({ id: 'aws-write-without-approval', why: 'is allowed in phase 3 without a per-write operator approval, since its resource cannot carry the approval tag' });
  }
  for (const arn of rule.resources) {
    const f = `${field}.resources`;
    if (/\$\{|%\{|["\\\s]/.test(arn)) {
      report(f, `${JSON.stringify(arn)} contains a quote, backslash, whitespace, "\${" or "%{"; none belong in an ARN and Terraform would evaluate "\${"; remove them`, 'GT_IAM_ACTION');
      continue;
    }
    if (arn !== '*' && !/^arn:aws[a-z-]*:[a-z0-9-]+:[a-z0-9*?-]*:(\d{12}|[*?])?:.+$/.test(arn)) {
      report(f, `"${arn}" is not an ARN; write arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE`);
      continue;
    }
    if (writes && arn === '*') report(f, `"*" with write actions lets the agent change every resource; name the ARNs`);
    else if (writes && rules.writes === 'named' && /[*?]/.test(arn)) report(f, `"${arn}" is a pattern, but remediate writes must name exact ARNs`);
    else if (writes && /[*?]/.test(arn) && !boundedArnPattern(arn)) report(f, `"${arn}" is a pattern that reaches every resource of the service, region or account; keep partition, service, region and account literal and start the resource with a literal name, e.g. "arn:aws:ecs:eu-west-1:111122223333:service/shop/*"`);
  }
  checkAck(rule.dangerous, [...new Map(dangers.map((d) => [`${d.id}\u0000${d.why}`, d])).values()], field, report);
}

/** IAM condition operators (with the IfExists suffix and the ForAllValues/ForAnyValue prefixes). */
const CONDITION_OPERATOR = /^(ForAllValues:|ForAnyValue:)?(StringEquals|StringNotEquals|StringEqualsIgnoreCase|StringNotEqualsIgnoreCase|StringLike|StringNotLike|NumericEquals|NumericNotEquals|NumericLessThan|NumericLessThanEquals|NumericGreaterThan|NumericGreaterThanEquals|DateEquals|DateNotEquals|DateLessThan|DateLessThanEquals|DateGreaterThan|DateGreaterThanEquals|Bool|BinaryEquals|IpAddress|NotIpAddress|ArnEquals|ArnLike|ArnNotEquals|ArnNotLike)(IfExists)?$|^Null$/;
const CONDITION_KEY = /^[a-zA-Z0-9-]+:[A-Za-z0-9_.:/${}-]+$/;

function checkConditions(rule: AwsAccess, field: string, report: Report): void {
  for (const [op, byKey] of Object.entries(rule.conditions ?? {})) {
    if (!CONDITION_OPERATOR.test(op)) report(`${field}.${op}`, `"${op}" is not an IAM condition operator; use e.g. StringEquals, ArnLike or their IfExists forms`, 'GT_IAM_ACTION');
    for (const [key, value] of Object.entries(byKey)) {
      if (!CONDITION_KEY.test(key) || /\$\{/.test(key)) report(`${field}.${op}.${key}`, `"${key}" is not a condition key; write service:key, e.g. ecs:task-definition`, 'GT_IAM_ACTION');
      for (const v of typeof value === 'string' ? [value] : value) {
        if (/\$\{|%\{|["\\]/.test(v)) report(`${field}.${op}.${key}`, `${JSON.stringify(v)} holds a quote, backslash, "\${" or "%{"; condition values are literals, remove them`, 'GT_IAM_ACTION');
      }
    }
  }
}

/** An ARN pattern whose partition, service, region and account are literal and whose resource starts literally. */
function boundedArnPattern(arn: string): boolean {
  const parts = arn.split(':');
  const head = parts.slice(0, 5);
  const resource = parts.slice(5).join(':');
  return head.every((p) => !/[*?]/.test(p)) && resource.length > 0 && !/^[*?]/.test(resource);
}

function forbiddenAction(info: IamActionInfo): string | undefined {
  const a = info.action.toLowerCase();
  if (a === 'iam:passrole') return 'hands the agent any role it can name';
  if (a.startsWith('sts:assumerole')) return 'lets the agent become another role';
  if (a.startsWith('iam:') && !readsOnly(info)) return 'changes IAM';
  if (a.startsWith('organizations:') && !readsOnly(info)) return 'changes the AWS organization';
  return undefined;
}
