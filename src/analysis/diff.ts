/**
 * The semantic diff of two access models: what the agent gains and loses.
 *
 * Each model is flattened to atomic permissions (a verb on a resource name in a scope, an egress
 * destination and port, a Vault capability on a path, an IAM action on a resource). A permission
 * is gained when nothing on the before side grants it (a wildcard or "every object" grant counts),
 * and lost when nothing on the after side does; so the reverse diff shows exactly the same lines
 * with gains and losses swapped. Object names, construct paths, ordering and formatting never
 * reach the model, so they never show as changes. Settings (token TTLs, session duration,
 * boundary, write admission) show as `~` lines.
 */
import { PHASES, isPhase } from '../phase/table';
import { wildcardMatches } from './iam/evaluate';
import { kubernetesRows, rowCoveredBy, rowText, type KubernetesRow } from './k8s/access';
import { ANY, type AccessModel } from './model';
import { compare } from './read';

/** The backends in report order. */
export const BACKENDS = ['kubernetes', 'egress', 'vault', 'aws'] as const;

/** A backend of the access model. */
export type Backend = (typeof BACKENDS)[number];

/** One line of a diff. */
export interface Change {
  /** `+` gained, `-` lost, `~` a setting changed. */
  readonly kind: '+' | '-' | '~';
  readonly backend: Backend;
  /** The change without its sign, e.g. `patch apps/deployments "checkout" in shop`. */
  readonly text: string;
  /** Danger IDs of a gained or lost grant in the dangerous set. */
  readonly dangers: readonly string[];
}

/** The diff of one agent. */
export interface AccessDiff {
  readonly agent: string;
  readonly before: { readonly phase: number | null };
  readonly after: { readonly phase: number | null };
  readonly changes: readonly Change[];
}

/** One atomic permission with how to print it and what covers it. */
export interface Fact {
  readonly backend: Backend;
  readonly key: string;
  readonly text: string;
  readonly dangers: readonly string[];
  readonly coveredBy: (other: Fact) => boolean;
  /** The Kubernetes permission, for facts of that backend. */
  readonly row?: KubernetesRow;
  /** How one use is approved (`operator token …`), or null when it needs none; only for writes that can need one. */
  readonly approval?: string | null;
}

function exact(key: string): (other: Fact) => boolean {
  return (other) => other.key === key;
}

const KIND_ORDER = { '+': 0, '-': 1, '~': 2 } as const;

function kubernetesFacts(model: AccessModel): Fact[] {
  const rows = kubernetesRows(model.kubernetes);
  const dangers = new Map<string, string[]>();
  for (const d of model.kubernetes.dangerous) dangers.set(d.grant, [...(dangers.get(d.grant) ?? []), d.id]);
  const facts: Fact[] = rows.map((row) => ({
    backend: 'kubernetes',
    key: `k8s\u0000${row.scope}\u0000${row.apiGroup}\u0000${row.resource}\u0000${row.verb}\u0000${row.name}`,
    text: rowText(row),
    dangers: dangers.get(rowText(row)) ?? [],
    coveredBy: (other) => other.row !== undefined && rowCoveredBy(row, other.row),
    row,
  }));
  for (const w of model.kubernetes.writes) {
    const key = `k8s-write\u0000${w.write}`;
    facts.push({ backend: 'kubernetes', key, text: `admits ${w.write}: ${w.changes}`, dangers: [], coveredBy: exact(key), approval: w.approval });
  }
  for (const u of model.kubernetes.unresolved) {
    const key = `k8s-unresolved\u0000${u}`;
    facts.push({ backend: 'kubernetes', key, text: `access unknown: ${u}`, dangers: ['unresolved'], coveredBy: exact(key) });
  }
  for (const [url, verbs] of Object.entries(model.kubernetes.nonResourceURLs)) {
    for (const verb of verbs) {
      const key = `url\u0000${url}\u0000${verb}`;
      facts.push({ backend: 'kubernetes', key, text: `${verb} ${url} (non-resource URL) cluster-wide`, dangers: [], coveredBy: (o) => o.key === key });
    }
  }
  return facts;
}

/** `hooks.example.com:443`, `10.0.0.10/32:53/UDP`, `anywhere`. */
function egressText(destination: string, port: string): string {
  if (destination === ANY) return 'anywhere';
  if (port === ANY) return `${destination} (every port)`;
  const [number, protocol] = port.split('/');
  return protocol === 'TCP' ? `${destination}:${number}` : `${destination}:${number}/${protocol}`;
}

function egressFacts(model: AccessModel): Fact[] {
  const facts: Fact[] = [];
  const anyName = `dns\u0000${ANY}`;
  for (const name of model.egress.dnsNames ?? [ANY]) {
    const key = `dns\u0000${name}`;
    facts.push({ backend: 'egress', key, text: name === ANY ? 'dns lookups of any name (forwarded outside the cluster)' : `dns lookups of ${name}`, dangers: [], coveredBy: (o) => o.key === key || o.key === anyName });
  }
  for (const [destination, ports] of Object.entries(model.egress.destinations)) {
    for (const port of ports) {
      const key = `egress\u0000${destination}\u0000${port}`;
      facts.push({
        backend: 'egress',
        key,
        text: `egress ${egressText(destination, port)}`,
        dangers: [],
        coveredBy: (o) => o.key === key || o.key === `egress\u0000${ANY}\u0000${ANY}` || o.key === `egress\u0000${destination}\u0000${ANY}`,
      });
    }
  }
  return facts;
}

const VAULT_READS = new Set(['read', 'list', 'deny']);

function vaultFacts(model: AccessModel): Fact[] {
  const facts: Fact[] = [];
  for (const [paths, approval] of [[model.vault.paths, null], [model.vault.approvalPaths, model.vault.approval]] as const) {
    for (const [path, caps] of Object.entries(paths)) {
      for (const cap of caps) {
        if (cap === 'deny') continue;
        const key = `vault\u0000${path}\u0000${cap}`;
        facts.push({ backend: 'vault', key, text: `vault ${cap} ${path}`, dangers: [], coveredBy: exact(key), ...(VAULT_READS.has(cap) ? {} : { approval }) });
      }
    }
  }
  for (const role of Object.keys(model.vault.roles)) {
    const key = `vault-role\u0000${role}`;
    facts.push({ backend: 'vault', key, text: `vault login as role ${role}`, dangers: [], coveredBy: (o) => o.key === key });
  }
  for (const policy of model.vault.unresolved) {
    const key = `vault-unresolved\u0000${policy}`;
    facts.push({ backend: 'vault', key, text: `vault policy ${policy} (not in the output, access unknown)`, dangers: ['unresolved'], coveredBy: (o) => o.key === key });
  }
  return facts;
}

function rolePrefix(model: AccessModel, other: AccessModel, role: string): string {
  const roles = new Set([...Object.keys(model.aws.roles), ...Object.keys(other.aws.roles)]);
  return roles.size > 1 ? `iam[${role}]` : 'iam';
}

function awsFacts(model: AccessModel, other: AccessModel): Fact[] {
  const facts: Fact[] = [];
  for (const [role, access] of Object.entries(model.aws.roles)) {
    const prefix = rolePrefix(model, other, role);
    const dangers = new Map<string, string[]>();
    for (const d of access.dangerous) dangers.set(d.grant, [...(dangers.get(d.grant) ?? []), d.id]);
    for (const [levels, approval] of [[access.actions, null], [access.approvalActions, access.approval]] as const) {
      for (const [level, byAction] of Object.entries(levels)) {
        for (const [action, resources] of Object.entries(byAction)) {
          for (const resource of resources) {
            const key = `iam\u0000${role}\u0000${action}\u0000${resource}`;
            facts.push({
              backend: 'aws',
              key,
              text: `${prefix} ${action} on ${resource}`,
              dangers: dangers.get(action) ?? [],
              coveredBy: (o) => {
                const [tag, r, a, res] = o.key.split('\u0000');
                return tag === 'iam' && r === role && a === action && res !== undefined && wildcardMatches(res, resource);
              },
              ...(/^(Read|List)$/.test(level) ? {} : { approval }),
            });
          }
        }
      }
    }
    for (const principal of access.assumableBy) {
      const key = `iam-trust\u0000${role}\u0000${principal}`;
      facts.push({ backend: 'aws', key, text: `${prefix} assumable by ${principal}`, dangers: [], coveredBy: (o) => o.key === key });
    }
    for (const policy of access.unresolved) {
      const key = `iam-unresolved\u0000${role}\u0000${policy}`;
      facts.push({ backend: 'aws', key, text: `${prefix} policy ${policy} (not in the output, access unknown)`, dangers: ['unresolved'], coveredBy: (o) => o.key === key });
    }
  }
  return facts;
}

function reachFacts(model: AccessModel): Fact[] {
  return model.reach.map((r) => {
    const key = `reach\u0000${r.backend}\u0000${r.grant}\u0000${r.reach}`;
    return { backend: r.backend, key, text: `reach: ${r.grant} ${r.reach}`, dangers: [r.id], coveredBy: exact(key) };
  });
}

/** Every atomic permission of a model (`other` is the model it is compared with, for naming IAM roles). */
export function facts(model: AccessModel, other: AccessModel = model): Fact[] {
  return [...kubernetesFacts(model), ...egressFacts(model), ...vaultFacts(model), ...awsFacts(model, other), ...reachFacts(model)];
}

function seconds(value: number | null): string {
  return value === null ? 'unset' : `${value}s`;
}

function settingChanges(before: AccessModel, after: AccessModel): Change[] {
  const out: Change[] = [];
  const setting = (backend: Backend, label: string, a: string, b: string) => {
    if (a !== b) out.push({ kind: '~', backend, text: `${label} ${a} → ${b}`, dangers: [] });
  };
  const vaultRoles = new Set([...Object.keys(before.vault.roles), ...Object.keys(after.vault.roles)]);
  for (const role of vaultRoles) {
    const a = before.vault.roles[role];
    const b = after.vault.roles[role];
    if (!a || !b) continue;
    const label = vaultRoles.size > 1 ? `vault[${role}]` : 'vault';
    setting('vault', `${label} token_ttl`, seconds(a.tokenTtlSeconds), seconds(b.tokenTtlSeconds));
    setting('vault', `${label} token_max_ttl`, seconds(a.tokenMaxTtlSeconds), seconds(b.tokenMaxTtlSeconds));
  }
  for (const role of new Set([...Object.keys(before.aws.roles), ...Object.keys(after.aws.roles)])) {
    const a = before.aws.roles[role];
    const b = after.aws.roles[role];
    if (!a || !b) continue;
    const prefix = rolePrefix(before, after, role);
    setting('aws', `${prefix} max_session_duration`, seconds(a.maxSessionDurationSeconds), seconds(b.maxSessionDurationSeconds));
    setting('aws', `${prefix} permissions_boundary`, a.permissionsBoundary ?? 'none', b.permissionsBoundary ?? 'none');
  }
  setting('kubernetes', 'k8s write admission:', before.kubernetes.writeAdmission, after.kubernetes.writeAdmission);
  setting('kubernetes', 'k8s fence:', before.kubernetes.fence, after.kubernetes.fence);
  setting('kubernetes', 'k8s approvals ConfigMap:', before.kubernetes.approvals, after.kubernetes.approvals);
  if (before.egress.isolated !== after.egress.isolated) {
    setting('egress', 'egress isolated', before.egress.isolated ? 'yes' : 'no', after.egress.isolated ? 'yes' : 'no');
  }
  return out;
}

/** Orders changes by backend, then gains, losses, settings, then text. */
export function sortChanges(changes: readonly Change[]): Change[] {
  return [...changes].sort(
    (a, b) => BACKENDS.indexOf(a.backend) - BACKENDS.indexOf(b.backend) || KIND_ORDER[a.kind] - KIND_ORDER[b.kind] || compare(a.text, b.text),
  );
}

/**
 * What the agent gains and loses from `before` to `after`.
 *
 * @example
 * diffAccess(accessPhase2, accessPhase3).changes
 * // [{ kind: '+', backend: 'kubernetes', text: 'patch apps/deployments "checkout" in shop', dangers: [] }, …]
 */
export function diffAccess(before: AccessModel, after: AccessModel): AccessDiff {
  const a = facts(before, after);
  const b = facts(after, before);
  const missing = (from: Fact[], to: Fact[]) => from.filter((f) => !to.some((t) => t.key === f.key || f.coveredBy(t)));
  const withApproval = (f: Fact) => `${f.text}${f.approval ? ` (approval: ${f.approval})` : ''}`;
  const changes: Change[] = [
    ...missing(b, a).map((f): Change => ({ kind: '+', backend: f.backend, text: withApproval(f), dangers: f.dangers })),
    ...missing(a, b).map((f): Change => ({ kind: '-', backend: f.backend, text: withApproval(f), dangers: f.dangers })),
    ...approvalChanges(a, b),
    ...settingChanges(before, after),
  ];
  return { agent: after.agent || before.agent, before: { phase: before.phase }, after: { phase: after.phase }, changes: sortChanges(dedupe(changes)) };
}

/** Writes on both sides whose approval changes (`~ vault update x: approval operator token → none`). */
function approvalChanges(before: readonly Fact[], after: readonly Fact[]): Change[] {
  const byKey = new Map(before.filter((f) => f.approval !== undefined).map((f) => [f.key, f]));
  return after.flatMap((f) => {
    const was = f.approval !== undefined ? byKey.get(f.key) : undefined;
    if (!was || was.approval === f.approval) return [];
    return [{ kind: '~' as const, backend: f.backend, text: `${f.text}: approval ${was.approval ?? 'none'} → ${f.approval ?? 'none'}`, dangers: [] }];
  });
}

function dedupe(changes: Change[]): Change[] {
  const seen = new Map<string, Change>();
  for (const c of changes) seen.set(`${c.kind}${c.backend}${c.text}`, c);
  return [...seen.values()];
}

/** An access model with no access, for an agent present on one side only. */
export function emptyAccess(agent: string): AccessModel {
  return {
    agent,
    phase: null,
    kubernetes: { scopes: {}, nonResourceURLs: {}, dangerous: [], bindings: [], writeAdmission: 'none', writes: [], fence: 'none', approvals: 'none', unresolved: [] },
    egress: { isolated: true, destinations: {}, dnsNames: [] },
    vault: { roles: {}, paths: {}, approvalPaths: {}, approval: null, unresolved: [] },
    aws: { roles: {} },
    reach: [],
  };
}

/** Diffs every agent found on either side, in agent order. */
export function diffOutputs(before: readonly AccessModel[], after: readonly AccessModel[]): AccessDiff[] {
  const agents = [...new Set([...before.map((m) => m.agent), ...after.map((m) => m.agent)])].sort(compare);
  return agents.map((agent) =>
    diffAccess(before.find((m) => m.agent === agent) ?? emptyAccess(agent), after.find((m) => m.agent === agent) ?? emptyAccess(agent)),
  );
}

/** Whether any diff has a change. */
export function hasChanges(diffs: readonly AccessDiff[]): boolean {
  return diffs.some((d) => d.changes.length > 0);
}

function phaseText(phase: number | null): string {
  return phase === null ? 'phase unknown' : isPhase(phase) ? `phase ${phase} (${PHASES[phase].name})` : `phase ${phase}`;
}

function changeLine(c: Change): string {
  return `${c.kind} ${c.text}${c.dangers.length > 0 ? `  [dangerous: ${c.dangers.join(', ')}]` : ''}`;
}

/** Plain text: a header per agent, then one `+`/`-`/`~` line per change. */
export function formatDiffText(diffs: readonly AccessDiff[]): string {
  const parts = diffs.map((d) => {
    const head = `${d.agent}: ${phaseText(d.before.phase)} → ${phaseText(d.after.phase)}`;
    if (d.changes.length === 0) return `${head}\n  no access changes\n`;
    return `${head}\n${d.changes.map((c) => `  ${changeLine(c)}`).join('\n')}\n`;
  });
  return parts.length === 0 ? 'no agents found\n' : parts.join('\n');
}

/** JSON: the diffs as data, with counts. */
export function formatDiffJson(diffs: readonly AccessDiff[]): string {
  return JSON.stringify(
    diffs.map((d) => ({ ...d, counts: counts(d) })),
    null,
    2,
  ) + '\n';
}

function counts(d: AccessDiff) {
  return {
    gained: d.changes.filter((c) => c.kind === '+').length,
    lost: d.changes.filter((c) => c.kind === '-').length,
    changed: d.changes.filter((c) => c.kind === '~').length,
  };
}

const BACKEND_TITLES: Record<Backend, string> = { kubernetes: 'Kubernetes API', egress: 'Network egress', vault: 'Vault', aws: 'AWS IAM' };

/** Markdown: the blast-radius section of a phase-change PR. */
export function formatDiffMarkdown(diffs: readonly AccessDiff[]): string {
  const out: string[] = [];
  for (const d of diffs) {
    const c = counts(d);
    out.push(`### Blast radius: \`${d.agent}\`, ${phaseText(d.before.phase)} → ${phaseText(d.after.phase)}`, '');
    if (d.changes.length === 0) {
      out.push('No access changes.', '');
      continue;
    }
    out.push(`**${c.gained} gained, ${c.lost} lost, ${c.changed} changed**, computed from the synthesized output.`, '');
    const dangerous = d.changes.filter((ch) => ch.kind === '+' && ch.dangers.length > 0);
    if (dangerous.length > 0) {
      out.push('> [!WARNING]', `> ${dangerous.length} gained grant(s) are in the dangerous set: ${dangerous.map((ch) => `\`${ch.text}\``).join(', ')}`, '');
    }
    out.push('| Backend | Gained | Lost | Changed |', '| --- | ---: | ---: | ---: |');
    for (const backend of BACKENDS) {
      const of = d.changes.filter((ch) => ch.backend === backend);
      if (of.length === 0) continue;
      out.push(`| ${BACKEND_TITLES[backend]} | ${of.filter((ch) => ch.kind === '+').length} | ${of.filter((ch) => ch.kind === '-').length} | ${of.filter((ch) => ch.kind === '~').length} |`);
    }
    out.push('');
    for (const backend of BACKENDS) {
      const of = d.changes.filter((ch) => ch.backend === backend);
      if (of.length === 0) continue;
      out.push(`#### ${BACKEND_TITLES[backend]}`, '', '```diff', ...of.map((ch) => (ch.kind === '~' ? `! ${ch.text}` : changeLine(ch))), '```', '');
    }
  }
  return out.length === 0 ? 'No agents found.\n' : out.join('\n');
}
