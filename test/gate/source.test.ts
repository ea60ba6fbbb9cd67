import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { eachLine, isBlank, type Source } from '../../src/gate/source';

async function collect(source: Source): Promise<[string, number][]> {
  const out: [string, number][] = [];
  await eachLine(source, (line, n) => out.push([line, n]));
  return out;
}

describe('eachLine', () => {
  it('numbers lines from 1 and keeps a last line without a newline', async () => {
    expect(await collect({ name: 'x', chunks: ['a\nb\n', 'c'] })).toEqual([['a', 1], ['b', 2], ['c', 3]]);
  });

  it('joins lines cut across chunks, including a UTF-8 character cut between byte chunks', async () => {
    const bytes = Buffer.from('{"detail":"zoë"}\n{"x":1}\n');
    const cut = bytes.indexOf(Buffer.from('ë')) + 1; // inside the two-byte ë
    const out = await collect({ name: 'x', chunks: [bytes.subarray(0, cut), bytes.subarray(cut)] });
    expect(out).toEqual([['{"detail":"zoë"}', 1], ['{"x":1}', 2]]);
  });

  it('drops a leading byte-order mark and leaves a carriage return to the caller', async () => {
    expect(await collect({ name: 'x', chunks: ['\ufeff{"a":1}\r\n'] })).toEqual([['{"a":1}\r', 1]]);
  });

  it('hands on the lines before a byte that is not UTF-8 first, so an error in one of them is the one reported, however the bytes are cut', async () => {
    const bytes = Buffer.concat([Buffer.from('a\nbad\nc'), Buffer.from([0xff]), Buffer.from('\nd\n')]);
    for (let cut = 0; cut <= bytes.length; cut++) {
      const seen: string[] = [];
      const read = eachLine({ name: 'x', chunks: [bytes.subarray(0, cut), bytes.subarray(cut)] }, (line, n) => {
        if (line === 'bad') throw new Error(`x:${n}: bad line`);
        seen.push(line);
      });
      await expect(read).rejects.toThrow('x:2: bad line');
      expect(seen).toEqual(['a']);
    }
    const lines: string[] = [];
    await expect(eachLine({ name: 'x', chunks: [bytes] }, (line) => void lines.push(line))).rejects.toThrow('x:3: is not valid UTF-8 (byte 0xff)');
    expect(lines).toEqual(['a', 'bad']); // not the line holding the byte, nor any after it
  });

  it('reads an async iterable of chunks', async () => {
    async function* gen() { yield 'a\n'; yield 'b'; }
    expect(await collect({ name: 'x', chunks: gen() })).toEqual([['a', 1], ['b', 2]]);
  });

  it('gives the same lines however the text is cut into chunks (property)', async () => {
    await fc.assert(fc.asyncProperty(fc.array(fc.string({ unit: 'grapheme' }).map((s) => s.replace(/\n/g, '')), { maxLength: 20 }), fc.array(fc.nat(), { maxLength: 8 }), async (ls, cuts) => {
      const text = ls.map((l) => `${l}\n`).join('');
      const bytes = Buffer.from(text);
      const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
      const chunks: Buffer[] = [];
      let prev = 0;
      for (const p of [...points, bytes.length]) {
        chunks.push(bytes.subarray(prev, p));
        prev = p;
      }
      const out = await collect({ name: 'x', chunks });
      expect(out.map(([l]) => l)).toEqual(ls.map((l, i) => (i === 0 ? l.replace(/^\ufeff/, '') : l)));
    }));
  });
});

describe('isBlank', () => {
  it('is true for spaces, tabs and a carriage return only', () => {
    expect(isBlank(' \t\r')).toBe(true);
    expect(isBlank('')).toBe(true);
    expect(isBlank(' {}')).toBe(false);
  });
});
