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
}

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
    for (const i of positions) this.grants[i]!.parts.add(part, atMs);
  }

  report(): BackendUsage {
    const all: GrantUsage[] = this.grants.map((g) => {
      const total = g.parts.total();
      return { grant: g.grant, via: g.via, count: total.count, lastUse: total.count > 0 ? isoOf(total.lastMs) : null, parts: partsOf(g.parts) };
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
  return { grant, via, parts: new Tallies<string>() };
}
