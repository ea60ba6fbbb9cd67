/**
 * Builders for gate tests: evidence records, state files, and one-call evaluation over records.
 */
import { aggregate, evaluate, type AuditInput } from '../../src/gate/evaluate';
import type { Aggregates, Decision } from '../../src/gate/decide';
import { DEFAULT_POLICY, type GatePolicy } from '../../src/gate/policy';
import { resolvePolicy } from '../../src/gate/policy-file';
import type { StateFile } from '../../src/state/schema';
import type { Phase } from '../../src/phase/table';

export const AGENT = 'incident-responder';
export const NOW = new Date('2026-11-25T12:00:00Z');
export const NOW_MS = NOW.getTime();
export const DAY = 86_400_000;

/** ISO time `days` before NOW (fractions allowed), plus `seconds`. */
export function ago(days: number, seconds = 0): string {
  return new Date(NOW_MS - days * DAY + seconds * 1000).toISOString();
}

/** A state file in `phase` since `since` (default 60 days ago). */
export function state(phase: Phase, extra: Partial<StateFile> = {}): StateFile {
  return { agent: AGENT, phase, since: ago(60), ...extra };
}

export type Rec = Record<string, unknown>;

/**
 * The default thresholds compared as raw shares, without soak time and with the least sample
 * floor (one record carrying the field): the policy the exact-boundary tests use.
 */
export const RAW: GatePolicy = resolvePolicy({ confidence: 'none', minSamples: 1, soakDays: { '1->2': null, '2->3': null, '3->4': null } });

let counter = 0;

/** An incident of AGENT, 1 day ago, with a fresh id unless given. */
export function incident(fields: Rec = {}): Rec {
  return { type: 'incident', agent: AGENT, at: ago(1), id: `INC-${++counter}`, phase: 2, domain: 'database', ...fields };
}

/** `n` incidents with `fields`, each with its own id. */
export function incidents(n: number, fields: Rec = {}): Rec[] {
  return Array.from({ length: n }, () => incident(fields));
}

/** `hits` incidents with `field: true` and `total - hits` with `field: false`. */
export function split(field: string, hits: number, total: number, fields: Rec = {}): Rec[] {
  return [...incidents(hits, { ...fields, [field]: true }), ...incidents(total - hits, { ...fields, [field]: false })];
}

/** JSON lines of records. */
export function lines(records: readonly Rec[]): string {
  return records.map((r) => JSON.stringify(r)).join('\n') + '\n';
}

/** Evaluates records (one evidence source) against a state at NOW. */
export function run(st: StateFile, records: readonly Rec[], options: { policy?: GatePolicy; now?: Date; audit?: AuditInput[] } = {}): Promise<Decision> {
  return evaluate({
    state: st,
    policy: options.policy ?? DEFAULT_POLICY,
    now: options.now ?? NOW,
    evidence: [{ name: 'evidence.jsonl', chunks: [lines(records)] }],
    ...(options.audit ? { audit: options.audit } : {}),
  });
}

/** Aggregates of records against a state at NOW. */
export function aggregates(st: StateFile, records: readonly Rec[], policy: GatePolicy = DEFAULT_POLICY): Promise<Aggregates> {
  return aggregate({ state: st, policy, now: NOW, evidence: [{ name: 'evidence.jsonl', chunks: [lines(records)] }] });
}

/** The gate named `name` of a decision. */
export function gate(decision: Decision, name: string) {
  const g = decision.gates.find((x) => x.name === name);
  if (!g) throw new Error(`no gate ${name}; have ${decision.gates.map((x) => x.name).join(', ')}`);
  return g;
}
