/**
 * The split's thread finds the records of its kept incident ids in the second part without
 * parsing every line (src/gate/id-scan.ts). It may hand on more lines than name an id, never
 * fewer: whatever the writer's whitespace and escapes, wherever the chunks are cut.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { linesNaming } from '../../src/gate/id-scan';
import type { Source } from '../../src/gate/source';

const ID_POOL = ['INC-1', 'INC-2', 'a"b', 'back\\slash', 'é-ü', '😀', '', ' id ', 'INC-10'];
const SPACES = ['', ' ', '\t', '\r', '  '];
const WHOLE = { atFileStart: true, cutLast: false };

/** JSON as another writer might write it: keys in any order, random whitespace between tokens, characters escaped at random. */
function writeJson(value: unknown, pick: () => number): string {
  const ws = () => SPACES[pick() % SPACES.length]!;
  if (typeof value === 'string') {
    let out = '"';
    for (const ch of value) {
      const code = ch.codePointAt(0)!;
      if (ch === '"' || ch === '\\' || code < 0x20) out += JSON.stringify(ch).slice(1, -1);
      else if (pick() % 7 === 0 && code <= 0xffff) out += `\\u${code.toString(16).padStart(4, '0')}`;
      else out += ch;
    }
    return `${out}"`;
  }
  if (Array.isArray(value)) return `[${ws()}${value.map((v) => writeJson(v, pick)).join(`${ws()},${ws()}`)}${ws()}]`;
  if (value !== null && typeof value === 'object') {
    const keys = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined).map((e) => [pick(), e] as const).sort((a, b) => a[0] - b[0]);
    const entries = keys.map(([, e]) => e).map(([k, v]) => `${writeJson(k, pick)}${ws()}:${ws()}${writeJson(v, pick)}`);
    return `{${ws()}${entries.join(`${ws()},${ws()}`)}${ws()}}`;
  }
  return JSON.stringify(value);
}

/** A source of `bytes` cut into chunks at `cuts`, each chunk a fresh Buffer. */
function chunked(bytes: Buffer, cuts: number[]): Source {
  const at = [...new Set([0, ...cuts.map((c) => c % (bytes.length + 1)), bytes.length])].sort((a, b) => a - b);
  return { name: 'e.jsonl', chunks: at.slice(1).map((end, i) => Buffer.from(bytes.subarray(at[i], end))).filter((c) => c.length > 0) };
}

const idArb = fc.oneof(fc.constantFrom(...ID_POOL), fc.string({ maxLength: 6 }));
const recordArb = fc.record({
  type: fc.constantFrom('incident', 'signoff'),
  id: fc.oneof({ weight: 5, arbitrary: idArb }, { weight: 1, arbitrary: fc.integer() }),
  note: fc.oneof(fc.constantFrom('"id":"INC-1"', 'id', '\\"id\\"'), fc.string({ maxLength: 8 })),
  nested: fc.option(fc.record({ id: idArb }), { nil: undefined }),
}, { requiredKeys: ['type'] });

describe('linesNaming', () => {
  it('hands on every line whose "id" is one of the ids, whole, whatever the whitespace, escapes and chunks', async () => {
    await fc.assert(fc.asyncProperty(
      fc.array(recordArb, { minLength: 1, maxLength: 30 }), fc.uniqueArray(idArb, { maxLength: 4 }), fc.array(fc.nat(), { maxLength: 12 }),
      fc.infiniteStream(fc.nat()), fc.boolean(), fc.boolean(),
      async (records, idList, cuts, stream, bom, lastNewline) => {
        const it = stream[Symbol.iterator]();
        const pick = () => it.next().value as number;
        const lines = records.map((r) => writeJson(r, pick));
        const bytes = Buffer.from((bom ? '\ufeff' : '') + lines.join('\n') + (lastNewline ? '\n' : ''));
        const ids = new Map(idList.map((id) => [id, true]));
        const handed: string[] = [];
        await linesNaming(chunked(bytes, cuts), ids, WHOLE, (line) => handed.push(line));
        for (const line of handed) expect(lines).toContain(line);
        const naming = lines.filter((l) => {
          const id = (JSON.parse(l) as { id?: unknown }).id;
          return typeof id === 'string' && ids.has(id);
        });
        for (const line of naming) expect(handed).toContain(line);
      },
    ), { numRuns: 500 });
  });

  it('hands on no line that names none of the ids, escaped or not, and stops once the ids are gone', async () => {
    const lines = Array.from({ length: 2000 }, (_, i) => JSON.stringify({ type: 'incident', id: `INC-${i}`, note: 'id', at: '2026-11-01T00:00:00Z' }));
    const bytes = Buffer.from(lines.join('\n'));
    const handed: string[] = [];
    await linesNaming(chunked(bytes, [100, 5000, 5001, 30_000]), new Map([['INC-7', 1], ['INC-1999', 1]]), WHOLE, (line) => handed.push(line));
    expect(handed).toEqual([lines[7], lines[1999]]);
    const idFirst = ['{"id":"INC-7","type":"incident"}', '{"id":"INC-8","type":"incident"}', '{"id":"INC-9"}'];
    const next: string[] = [];
    await linesNaming(chunked(Buffer.from(idFirst.join('\n')), []), new Map([['INC-7', 1], ['INC-8', 1], ['INC-9', 1]]), WHOLE, (line) => next.push(line));
    expect(next).toEqual(idFirst); // one line after another
    const escapedLines = ['{"id":"INC-\\u00e9","note":"a\\nb"}', '{"note":"\\"id\\":\\"INC-2\\"","id":"INC-1"}', '{"id":"a\\"b","note":"\\u00e9"}', '{"\\u0069d":"INC-3"}'];
    expect(escapedLines.map((l) => JSON.parse(l).id)).toEqual(['INC-é', 'INC-1', 'a"b', 'INC-3']);
    const named: string[] = [];
    await linesNaming(chunked(Buffer.from(escapedLines.join('\n')), []), new Map([['INC-é', 1], ['a"b', 1]]), WHOLE, (line) => named.push(line));
    expect(named.sort()).toEqual([escapedLines[0], escapedLines[2], escapedLines[3]].sort()); // escapes decoded; a key that may spell "id" escaped is handed on unread
    const cut: string[] = [];
    await linesNaming(chunked(Buffer.from(idFirst.join('\n')).subarray(0, -3), [40]), new Map([['INC-9', 1]]), { atFileStart: false, cutLast: true }, (line) => cut.push(line));
    expect(cut).toEqual([]); // the line the source ends inside is left out
    const ids = new Map([['INC-3', 1], ['INC-1500', 1]]);
    const seen: string[] = [];
    await linesNaming(chunked(bytes, []), ids, WHOLE, (line) => {
      seen.push(line);
      ids.clear(); // as the thread forgets the last id it kept
    });
    expect(seen).toEqual([lines[3]]);
  });
});
