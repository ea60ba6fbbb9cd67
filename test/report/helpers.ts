/**
 * Builders for report tests: evidence lines, states, and collecting a report from records.
 */
import { textSource, type Digests } from '../../src/gate';
import { collectReport, type ReportData } from '../../src/report';
import type { StateFile } from '../../src/state/schema';
import type { Phase } from '../../src/phase/table';

export const AGENT = 'incident-responder';
export const NOW = new Date('2026-11-25T00:00:00Z');
export const NOW_MS = NOW.getTime();
export const DAY = 86_400_000;
export const DIGESTS: Digests = { evidence: 'sha256:e', policy: 'sha256:p' };

export type Rec = Record<string, unknown>;

/** ISO time `days` before NOW (fractions allowed). */
export function ago(days: number): string {
  return new Date(NOW_MS - days * DAY).toISOString();
}

/** A state file at `phase` since `sinceDays` ago. */
export function state(phase: Phase, sinceDays = 60, extra: Partial<StateFile> = {}): StateFile {
  return { agent: AGENT, phase, since: ago(sinceDays), ...extra };
}

let counter = 0;

/** An incident of AGENT `days` ago with a fresh id unless given. */
export function incident(days: number, fields: Rec = {}): Rec {
  return { type: 'incident', agent: AGENT, at: ago(days), id: `INC-${++counter}`, phase: 2, domain: 'database', ...fields };
}

/** JSON lines of records. */
export function lines(records: readonly Rec[]): string {
  return records.map((r) => JSON.stringify(r)).join('\n') + '\n';
}

/** Collects a report over records (one source) at NOW. */
export function collect(st: StateFile, records: readonly Rec[], now = NOW): Promise<ReportData> {
  return collectReport({ state: st, now, evidence: [textSource('evidence.jsonl', lines(records))] });
}

/**
 * `perDay` incidents on each of the `days` days before NOW, spread over `domains` domains, with
 * every outcome the report charts; deterministic.
 */
export function steadyEvidence(days: number, perDay: number, domains = 4): Rec[] {
  const out: Rec[] = [];
  for (let d = days - 1; d >= 0; d--) {
    for (let k = 0; k < perDay; k++) {
      const i = out.length;
      out.push(incident(d + (k + 0.5) / perDay, {
        id: `S-${i}`, domain: `domain-${i % domains}`, phase: 3,
        diagnosisCorrect: i % 25 !== 0, operatorAgreed: i % 12 !== 0,
        remediation: { completed: true, rolledBack: i % 80 === 0 }, escalationCorrect: i % 30 !== 0,
      }));
    }
  }
  return out;
}
