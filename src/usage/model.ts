/**
 * What `trust-gate usage` reports: per backend, each grant of the agent's effective access with
 * how often allowed requests used it and when last, the grants never used in the window, and
 * the requests denied. Plain JSON, sorted; times come from the logs (no clock, no paths).
 */

/** A request pattern that used a grant: `get apps/deployments in shop`, with the names seen. */
export interface PartUsage {
  /** `get apps/deployments in shop`, `read secret/data/x`, `ecs:DescribeServices on *`. */
  readonly part: string;
  readonly count: number;
  /** ISO-8601 time of the last use. */
  readonly lastUse: string;
}

/** One grant of the output and its use. */
export interface GrantUsage {
  /** The grant as the access report words it: `get, list, watch pods, events in shop`. */
  readonly grant: string;
  /** Where it comes from: `RoleBinding shop/x → Role shop/x, rule 1`, `vault_policy incident-responder`. */
  readonly via: string;
  /** Allowed requests in the window that this grant allows (a request allowed by two grants counts for both). */
  readonly count: number;
  /** ISO-8601 time of the last use; null when never used. */
  readonly lastUse: string | null;
  /** What used it, most used first (at most {@link MAX_PARTS}). */
  readonly parts: readonly PartUsage[];
  /** Uses per UTC day (`YYYY-MM-DD`), for the trust report's usage over time; days without use are left out. */
  readonly daily: Readonly<Record<string, number>>;
}

/** Parts kept per grant in the report; the proposal reads every part. */
export const MAX_PARTS = 20;

/** One backend's usage. */
export interface BackendUsage {
  /** Whether a log of this backend was read. */
  readonly read: boolean;
  /** Allowed requests of the agent's identity in the window (each request id once). */
  readonly allowed: number;
  /** Requests denied to the agent's identity in the window: scope violations, as `evaluate` counts them. */
  readonly denied: number;
  /** Allowed requests no grant in the output allows (another binding, a group, a policy not in the output). */
  readonly unexplained: readonly PartUsage[];
  readonly used: readonly GrantUsage[];
  readonly unused: readonly GrantUsage[];
}

/** The usage of one agent. */
export interface UsageReport {
  /** `NAMESPACE/NAME`. */
  readonly agent: string;
  readonly phase: number | null;
  /** ISO-8601 bounds of the window; null when open. */
  readonly window: { readonly since: string | null; readonly until: string | null };
  /** Records read in every log, in the window or not. */
  readonly records: number;
  readonly kubernetes: BackendUsage;
  readonly vault: BackendUsage;
  readonly aws: BackendUsage;
}

/** ISO-8601 of a time in milliseconds. */
export function isoOf(ms: number): string {
  return new Date(ms).toISOString();
}
