/**
 * What every backend's usage shares: its grants with their tallies, allowed requests no grant
 * explains, and the report of one backend.
 */
import { compare } from '../order';
import { isoOf, type BackendUsage, type GrantUsage } from './model';
import { partsOf, Tallies } from './tally';

/** A grant being counted. */
export interface CountedGrant {
  readonly grant: string;
  readonly via: string;
  readonly parts: Tallies<string>;
  /** UTC day number → uses. */
  readonly days: Map<number, number>;
}

const DAY_MS = 86_400_000;

/** Counts of one backend while its logs are read. */
export class BackendTally {
  read = false;
  allowed = 0;
  denied = 0;
  readonly unexplained = new Tallies<string>();

  constructor(readonly grants: readonly CountedGrant[]) {}

  /** Counts one allowed request for the grants (by position) that allow it, or as unexplained. */
  count(positions: readonly number[], part: string, atMs: number): void {
    this.allowed++;
    if (positions.length === 0) this.unexplained.add(part, atMs);
    const day = Math.floor(atMs / DAY_MS);
    for (const i of positions) {
      const g = this.grants[i]!;
      g.parts.add(part, atMs);
      g.days.set(day, (g.days.get(day) ?? 0) + 1);
    }
  }

  report(): BackendUsage {
    const all: GrantUsage[] = this.grants.map((g) => {
      const total = g.parts.total();
      const daily = Object.fromEntries([...g.days].sort(([a], [b]) => a - b).map(([d, n]) => [isoOf(d * DAY_MS).slice(0, 10), n]));
      return { grant: g.grant, via: g.via, count: total.count, lastUse: total.count > 0 ? isoOf(total.lastMs) : null, parts: partsOf(g.parts), daily };
    });
    const order = (a: GrantUsage, b: GrantUsage) => compare(a.grant, b.grant) || compare(a.via, b.via);
    return {
      read: this.read,
      allowed: this.allowed,
      denied: this.denied,
      unexplained: partsOf(this.unexplained),
      used: all.filter((g) => g.count > 0).sort((a, b) => b.count - a.count || order(a, b)),
      unused: all.filter((g) => g.count === 0).sort(order),
    };
  }
}

/** New tallies for a grant. */
export function countedGrant(grant: string, via: string): CountedGrant {
  return { grant, via, parts: new Tallies<string>(), days: new Map() };
}
