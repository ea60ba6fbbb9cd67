/**
 * A narrower definition from what the agent used: for each rule of each tier active in the
 * phase, the requests it allowed (matched with the access model's evaluators: `ruleAllows`,
 * the Vault path rule the output's ACL picks, `statementMatches`) and the rule cut down to
 * them. A rule nothing used is dropped; a rule partly used is replaced by rules that allow
 * exactly the used combinations (verbs × resources × namespaces), so the proposal is never
 * wider than the definition and never wider than what was used. Kubernetes actions and egress
 * are kept as they are, and so is the remediate tier where the phase admits its writes only with
 * an operator's approval (they run with the approval's credentials; see docs/usage.md).
 */
import { ruleAllows } from '../analysis/k8s/rbac';
import { statementMatches } from '../analysis/iam/evaluate';
import { kubernetesVerbs } from '../definition/validate';
import type { AgentDefinition, AwsAccess, KubernetesAccess, Tier, TierCapabilities, VaultAccess } from '../definition/types';
import { activeTiers, PHASES, type Phase, type VaultCapability } from '../phase/table';
import { compare } from '../order';
import { vaultPathPattern } from '../vault/match';
import type { KubernetesAtom } from './kubernetes';
import type { VaultAtoms } from './vault';

/** What the agent used, as the usage counters hold it. */
export interface UsedRequests {
  readonly kubernetes: Iterable<KubernetesAtom>;
  /** Vault rule pattern → paths used under it. */
  readonly vault: ReadonlyMap<string, VaultAtoms>;
  /** `action\u0000resource` (`''` when not logged) → count. */
  readonly aws: ReadonlyMap<string, number>;
  /** Whether the AWS counter dropped keys (then resources are kept as declared). */
  readonly awsOverflow: boolean;
  /** Backends whose logs were read; rules of the others are kept as declared (no log is no evidence). */
  readonly read: Readonly<Record<'kubernetes' | 'vault' | 'aws', boolean>>;
}

/** One rule of a tier and what replaces it (nothing: dropped). */
export interface RuleChange {
  readonly tier: Tier;
  readonly backend: 'kubernetes' | 'vault' | 'aws';
  /** Position in the tier's list. */
  readonly index: number;
  readonly before: KubernetesAccess | VaultAccess | AwsAccess;
  readonly after: ReadonlyArray<KubernetesAccess | VaultAccess | AwsAccess>;
  /** Requests in the window the rule allowed. */
  readonly uses: number;
}

/** The proposal: the changes and the narrowed definition. */
export interface Narrowing {
  readonly phase: Phase;
  readonly changes: readonly RuleChange[];
  readonly definition: AgentDefinition;
}

/** Named paths proposed instead of a glob, at most; beyond, the glob stays with fewer capabilities. */
export const MAX_NAMED_PATHS = 10;

const sorted = (values: Iterable<string>) => [...new Set(values)].sort(compare);
const same = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((v, i) => v === b[i]);

function kubernetesNarrowed(rule: KubernetesAccess, tier: Tier, atoms: readonly KubernetesAtom[]): { after: KubernetesAccess[]; uses: number } {
  const verbs = kubernetesVerbs(rule, tier);
  const scopes = rule.clusterScoped ? [''] : rule.namespaces ?? [];
  const policy = { verbs, apiGroups: rule.apiGroups, resources: rule.resources, ...(rule.resourceNames ? { resourceNames: rule.resourceNames } : {}) };
  // (group, resource, namespace) → verbs used, and names used under resourceNames.
  const used = new Map<string, Set<string>>();
  const names = new Set<string>();
  let uses = 0;
  for (const a of atoms) {
    if (!scopes.includes(a.namespace)) continue;
    const [resource, subresource = ''] = a.resource.split('/') as [string, string?];
    const candidates = a.names.size > 0 ? [...a.names] : [''];
    const allowed = candidates.filter((name) => ruleAllows(policy, { verb: a.verb, apiGroup: a.apiGroup, resource, subresource, name, namespace: a.namespace }));
    if (allowed.length === 0) continue;
    uses += a.count;
    allowed.forEach((n) => names.add(n));
    const key = `${a.apiGroup}\u0000${a.resource}\u0000${a.namespace}`;
    used.set(key, (used.get(key) ?? new Set()).add(a.verb));
  }
  // Group (resource, namespace) by (group, verbs), then resources by their namespace sets: exact products.
  const byGroupVerbs = new Map<string, Map<string, Set<string>>>();
  for (const [key, vs] of used) {
    const [group, resource, namespace] = key.split('\u0000') as [string, string, string];
    const k = `${group}\u0000${sorted(vs).join(',')}`;
    const resources = byGroupVerbs.get(k) ?? new Map<string, Set<string>>();
    resources.set(resource, (resources.get(resource) ?? new Set()).add(namespace));
    byGroupVerbs.set(k, resources);
  }
  const after: KubernetesAccess[] = [];
  for (const [k, resources] of [...byGroupVerbs].sort(([a], [b]) => compare(a, b))) {
    const [group, verbList] = k.split('\u0000') as [string, string];
    const byNamespaces = new Map<string, string[]>();
    for (const [resource, nss] of resources) {
      const nk = sorted(nss).join(',');
      byNamespaces.set(nk, [...(byNamespaces.get(nk) ?? []), resource]);
    }
    for (const [nk, rs] of [...byNamespaces].sort(([a], [b]) => compare(a, b))) {
      const v = verbList.split(',');
      const ns = nk.split(',');
      const keepVerbs = same(sorted(v), sorted(verbs)) ? {} : { verbs: verbs.filter((x) => v.includes(x)) };
      const usedNames = rule.resourceNames?.filter((n) => names.has(n));
      after.push({
        apiGroups: [group],
        resources: rule.resources.filter((r) => rs.includes(r)),
        ...(rule.verbs ? { verbs: verbs.filter((x) => v.includes(x)) } : keepVerbs),
        ...(usedNames ? { resourceNames: usedNames } : {}),
        ...(rule.clusterScoped ? { clusterScoped: true } : { namespaces: (rule.namespaces ?? []).filter((n) => ns.includes(n)) }),
        ...(rule.dangerous ? { dangerous: rule.dangerous } : {}),
      });
    }
  }
  return { after, uses };
}

function vaultNarrowed(rule: VaultAccess, vault: ReadonlyMap<string, VaultAtoms>): { after: VaultAccess[]; uses: number } {
  const pattern = vaultPathPattern(rule.path);
  const atoms = vault.get(pattern.path);
  const byPath = new Map<string, Set<string>>();
  let uses = 0;
  for (const [key, n] of atoms?.paths ?? []) {
    const [op, path] = key.split('\u0000') as [string, string];
    if (!(rule.capabilities as readonly string[]).includes(op)) continue;
    uses += n;
    byPath.set(path, (byPath.get(path) ?? new Set()).add(op));
  }
  const caps = (ops: Set<string>) => rule.capabilities.filter((c) => ops.has(c)) as VaultCapability[];
  const extra = rule.dangerous ? { dangerous: rule.dangerous } : {};
  if (byPath.size === 0) return { after: [], uses };
  if (pattern.kind === 'exact' || atoms!.overflow || byPath.size > MAX_NAMED_PATHS) {
    const all = new Set([...byPath.values()].flatMap((s) => [...s]));
    return { after: [{ path: rule.path, capabilities: caps(all), ...extra }], uses };
  }
  return { after: [...byPath].sort(([a], [b]) => compare(a, b)).map(([path, ops]) => ({ path, capabilities: caps(ops), ...extra })), uses };
}

function awsNarrowed(rule: AwsAccess, aws: ReadonlyMap<string, number>, overflow: boolean): { after: AwsAccess[]; uses: number } {
  const statement = { Effect: 'Allow' as const, Action: [...rule.actions], Resource: [...rule.resources] };
  const byAction = new Map<string, Set<string>>();
  let unknownResource = overflow;
  let uses = 0;
  for (const [key, n] of aws) {
    const [action, resource] = key.split('\u0000') as [string, string];
    const hit = resource ? statementMatches(statement, { action, resource }) : rule.resources.some((r) => statementMatches(statement, { action, resource: r }));
    if (!hit) continue;
    uses += n;
    if (!resource) unknownResource = true;
    byAction.set(action, (byAction.get(action) ?? new Set()).add(resource));
  }
  if (byAction.size === 0) return { after: [], uses };
  const extra = { ...(rule.conditions ? { conditions: rule.conditions } : {}), ...(rule.dangerous ? { dangerous: rule.dangerous } : {}) };
  const wide = rule.resources.some((r) => r.includes('*') || r.includes('?'));
  if (unknownResource || !wide) return { after: [{ actions: sorted(byAction.keys()), resources: [...rule.resources], ...extra }], uses };
  const byResources = new Map<string, string[]>();
  for (const [action, resources] of byAction) {
    const k = sorted(resources).join('\u0000');
    byResources.set(k, [...(byResources.get(k) ?? []), action]);
  }
  return { after: [...byResources].sort(([a], [b]) => compare(a, b)).map(([k, actions]) => ({ actions: sorted(actions), resources: k.split('\u0000'), ...extra })), uses };
}

/**
 * The definition narrowed to what was used in the window, in the tiers `phase` activates.
 * Tiers the phase does not activate are left as they are: nothing could use them.
 * @example const { changes } = proposeNarrowing(incidentResponder, 2, usedRequests(counts));
 */
export function proposeNarrowing(definition: AgentDefinition, phase: Phase, used: UsedRequests): Narrowing {
  const atoms = [...used.kubernetes];
  const changes: RuleChange[] = [];
  const narrowed: Record<string, unknown> = { ...definition };
  for (const tier of activeTiers(phase)) {
    const caps = definition[tier];
    // Writes approved one at a time run with the approval's credentials, not the agent's: its own logs cannot judge them.
    if (!caps || (tier === 'remediate' && PHASES[phase].writeAdmission === 'approval')) continue;
    const next: Record<string, unknown> = { ...caps };
    const apply = <R extends KubernetesAccess | VaultAccess | AwsAccess>(backend: RuleChange['backend'], rules: readonly R[] | undefined, narrow: (r: R) => { after: R[]; uses: number }) => {
      if (!rules || !used.read[backend]) return;
      const out: R[] = [];
      rules.forEach((rule, index) => {
        const { after, uses } = narrow(rule);
        out.push(...after);
        if (after.length !== 1 || JSON.stringify(after[0]) !== JSON.stringify(rule)) changes.push({ tier, backend, index, before: rule, after, uses });
      });
      next[backend] = out;
    };
    apply('kubernetes', caps.kubernetes, (r) => kubernetesNarrowed(r, tier, atoms));
    apply('vault', caps.vault, (r) => vaultNarrowed(r, used.vault));
    apply('aws', caps.aws, (r) => awsNarrowed(r, used.aws, used.awsOverflow));
    narrowed[tier] = next as TierCapabilities;
  }
  return { phase, changes, definition: narrowed as unknown as AgentDefinition };
}

/** JavaScript-like text of a value: single quotes, bare keys, on one line. */
function js(value: unknown): string {
  if (typeof value === 'string') return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
  if (Array.isArray(value)) return `[${value.map(js).join(', ')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value).map(([k, v]) => `${/^[A-Za-z_$][\w$]*$/.test(k) ? k : js(k)}: ${js(v)}`);
    return `{ ${entries.join(', ')} }`;
  }
  return String(value);
}

/** The changes as a readable patch of the definition object (`-` the rule, `+` what replaces it). */
export function formatNarrowingPatch(n: Narrowing): string {
  if (n.changes.length === 0) return `# phase ${n.phase}: every rule of the active tiers was used as declared; nothing to narrow\n`;
  const out = [`# phase ${n.phase}: narrow the definition to what the agent used`];
  for (const c of n.changes) {
    out.push(`${c.tier}.${c.backend}[${c.index}]: ${c.after.length === 0 ? 'never used: drop it' : `used ${c.uses}×: narrow it`}`);
    out.push(`-  ${js(c.before)},`);
    for (const a of c.after) out.push(`+  ${js(a)},`);
  }
  return out.join('\n') + '\n';
}
