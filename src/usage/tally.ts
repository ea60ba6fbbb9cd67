/**
 * Counting without keeping records: per key a count and the last time, and a bounded set of
 * recently seen request ids so a request logged twice counts once.
 */
import { compare } from '../order';
import { isoOf, MAX_PARTS, type PartUsage } from './model';

/** Count and last use of one key. */
export interface Tally {
  count: number;
  lastMs: number;
}

/** Counts per key; memory grows with distinct keys, never with requests. */
export class Tallies<K = string> {
  readonly byKey = new Map<K, Tally>();

  add(key: K, atMs: number): void {
    const t = this.byKey.get(key);
    if (t) {
      t.count++;
      if (atMs > t.lastMs) t.lastMs = atMs;
    } else this.byKey.set(key, { count: 1, lastMs: atMs });
  }

  /** The total count and last use over every key. */
  total(): Tally {
    let count = 0;
    let lastMs = -Infinity;
    for (const t of this.byKey.values()) {
      count += t.count;
      if (t.lastMs > lastMs) lastMs = t.lastMs;
    }
    return { count, lastMs };
  }
}

/** Parts as reported: most used first, then by text; at most `limit`. */
export function partsOf(tallies: Tallies<string>, limit = MAX_PARTS): PartUsage[] {
  return [...tallies.byKey]
    .sort(([a, x], [b, y]) => y.count - x.count || compare(a, b))
    .slice(0, limit)
    .map(([part, t]) => ({ part, count: t.count, lastUse: isoOf(t.lastMs) }));
}

/**
 * Request ids seen lately. Logs repeat a record next to its first delivery (a retried batch,
 * a file shipped twice in a row); ids further back than `capacity` are forgotten, so memory
 * stays flat.
 */
export class RecentIds {
  private readonly seen = new Set<string>();
  /** The ids in `seen`, oldest at `next` once full (a ring: deleting through a Set iterator is slow). */
  private readonly ring: string[] = [];
  private next = 0;

  constructor(private readonly capacity = 65536) {}

  /** True the first time an id is offered (within the window of recent ids). */
  first(id: string): boolean {
    if (this.seen.has(id)) return false;
    this.seen.add(id);
    if (this.ring.length < this.capacity) this.ring.push(id);
    else {
      this.seen.delete(this.ring[this.next]!);
      this.ring[this.next] = id;
      this.next = (this.next + 1) % this.capacity;
    }
    return true;
  }
}
