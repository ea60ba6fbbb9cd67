import { describe, expect, it } from 'vitest';
import { RecentIds, Tallies } from '../../src/usage/tally';

describe('counting without keeping records', () => {
  it('counts a repeated id once while it is among the recent ids, and forgets the oldest beyond capacity', () => {
    const ids = new RecentIds(2);
    expect(['a', 'a', 'b', 'c', 'b', 'a'].map((id) => ids.first(id))).toEqual([true, false, true, true, false, true]);
  });

  it('keeps the count and the latest time per key', () => {
    const t = new Tallies();
    t.add('x', 5);
    t.add('x', 3);
    t.add('y', 9);
    expect(t.byKey.get('x')).toEqual({ count: 2, lastMs: 5 });
    expect(t.total()).toEqual({ count: 3, lastMs: 9 });
  });
});
