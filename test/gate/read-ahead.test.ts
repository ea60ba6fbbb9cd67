import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { digestFiles } from '../../src/gate/digest';
import { fileSource } from '../../src/gate/files';
import { ReadAhead, type ReadAheadOptions } from '../../src/gate/read-ahead';
import { SLOT_BYTES, SLOTS } from '../../src/gate/read-ahead-thread';
import { eachLine } from '../../src/gate/source';

const dir = mkdtempSync(join(tmpdir(), 'gt-read-ahead-'));
const big = join(dir, 'big.bin'); // several times the ring, and not a whole number of slots
const small = join(dir, 'small.jsonl');
const zipped = join(dir, 'c.jsonl.gz');
const empty = join(dir, 'empty.jsonl');
writeFileSync(big, randomBytes(3 * SLOTS * SLOT_BYTES + 12_345));
writeFileSync(small, '{"x":1}\n'.repeat(1000));
writeFileSync(zipped, gzipSync('{"y":2}\n'.repeat(50_000)));
writeFileSync(empty, '');

const sha = (files: readonly string[]) => `sha256:${files.reduce((h, f) => h.update(readFileSync(f)), createHash('sha256')).digest('hex')}`;
/** Always a thread (whatever the size), waiting for it as long as it takes. */
const THREAD: ReadAheadOptions = { threadFromBytes: 0, prefixBytes: Number.MAX_SAFE_INTEGER };

/** Reads input `place` whole, copying each chunk (a chunk is reused once the next is asked for); after `pauseAfter` chunks it waits for the thread. */
async function bytesOf(ahead: ReadAhead, place: number, pauseAfter?: number): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of ahead.chunks(place)) {
    parts.push(Buffer.from(chunk));
    if (parts.length === pauseAfter) expect(await ahead.threadRunning()).toBe(true);
  }
  return Buffer.concat(parts);
}

async function withAhead<T>(files: readonly string[], options: ReadAheadOptions, body: (ahead: ReadAhead) => Promise<T>): Promise<T> {
  const ahead = new ReadAhead(files, options);
  try {
    return await body(ahead);
  } finally {
    await ahead.close();
  }
}

/** Open file descriptors of this process (Linux), or undefined elsewhere. */
const openFds = () => (existsSync('/proc/self/fd') ? readdirSync('/proc/self/fd').length : undefined);

describe('ReadAhead', () => {
  const files = [big, small, zipped, empty, big];

  it('gives every input\'s bytes and the digest of all of them in order, read on this thread alone', async () => {
    await withAhead(files, { threadFromBytes: Number.MAX_SAFE_INTEGER }, async (ahead) => {
      expect(ahead.reader).toBe('local');
      expect(await ahead.threadRunning()).toBe(false);
      for (const [place, f] of files.entries()) expect((await bytesOf(ahead, place)).equals(readFileSync(f)), f).toBe(true);
      expect(await ahead.digest()).toBe(sha(files));
    });
  });

  it('hands over to the reader thread in the middle of a file and gives the same bytes and digest', async () => {
    await withAhead(files, THREAD, async (ahead) => {
      expect(ahead.reader).toBe('prefix'); // the thread is starting: this thread reads meanwhile
      const first = await bytesOf(ahead, 0, 3); // the thread starts in the pause
      expect(ahead.reader).toBe('ring');
      expect(first.equals(readFileSync(big))).toBe(true);
      for (const [place, f] of files.entries()) if (place > 0) expect((await bytesOf(ahead, place)).equals(readFileSync(f)), f).toBe(true);
      expect(await ahead.digest()).toBe(sha(files));
      expect(await digestFiles(files)).toBe(sha(files));
    });
  });

  it('hands over between files, at the start of one, or before anything is read', async () => {
    for (const wait of ['between', 'before'] as const) {
      await withAhead([small, big, zipped], THREAD, async (ahead) => {
        if (wait === 'before') await ahead.threadRunning();
        const a = await bytesOf(ahead, 0);
        if (wait === 'between') await ahead.threadRunning();
        const b = await bytesOf(ahead, 1);
        expect(ahead.reader, wait).toBe('ring');
        expect([a.equals(readFileSync(small)), b.equals(readFileSync(big)), (await bytesOf(ahead, 2)).equals(readFileSync(zipped))]).toEqual([true, true, true]);
        expect(await ahead.digest()).toBe(sha([small, big, zipped]));
      });
    }
  });

  it('reads and hashes everything itself once it has read prefixBytes without the thread', async () => {
    await withAhead([big, small], { threadFromBytes: 0, prefixBytes: 2 * SLOT_BYTES }, async (ahead) => {
      expect((await bytesOf(ahead, 0)).equals(readFileSync(big))).toBe(true);
      expect(ahead.reader).toBe('local');
      await bytesOf(ahead, 1);
      expect(await ahead.digest()).toBe(sha([big, small]));
    });
  });

  it('hashes what it kept when every input was read before the thread started', async () => {
    await withAhead([small, zipped], THREAD, async (ahead) => {
      await bytesOf(ahead, 0);
      await bytesOf(ahead, 1);
      expect(ahead.reader).toBe('prefix');
      expect(await ahead.digest()).toBe(sha([small, zipped]));
    });
  });

  it('gives the bytes but no digest when inputs are read out of order, twice, or not whole', async () => {
    for (const order of [[1, 0], [0, 0, 1], [0]]) {
      await withAhead([big, small], THREAD, async (ahead) => {
        if (order.length === 1) await ahead.threadRunning(); // once with the thread reading ahead
        for (const place of order) expect((await bytesOf(ahead, place)).equals(readFileSync([big, small][place]!)), String(order)).toBe(true);
        expect(await ahead.digest(), String(order)).toBeUndefined();
      });
    }
  });

  it('gives no digest after a read given up half-way, and reads that input again from its start', async () => {
    await withAhead([big, small], THREAD, async (ahead) => {
      await ahead.threadRunning();
      for await (const chunk of ahead.chunks(0)) if (chunk.length > 0) break; // the thread has filled the ring meanwhile
      expect(ahead.reader).toBe('broken');
      expect((await bytesOf(ahead, 0)).equals(readFileSync(big))).toBe(true);
      expect((await bytesOf(ahead, 1)).equals(readFileSync(small))).toBe(true);
      expect(await ahead.digest()).toBeUndefined();
    });
  });

  it('stops a thread that waits on a full ring and closes every file it opened', async () => {
    const before = openFds();
    const ahead = new ReadAhead([big, big, big], THREAD);
    expect(await ahead.threadRunning()).toBe(true);
    await ahead.chunks(0)[Symbol.asyncIterator]().next(); // hands over; the thread fills the ring and waits for it to drain
    await sleep(200);
    expect(ahead.reader).toBe('ring');
    const started = Date.now();
    await ahead.close();
    expect(Date.now() - started).toBeLessThan(1000);
    expect(openFds()).toBe(before);
    await expect((async () => { for await (const _ of ahead.chunks(0)) { /* closed */ } })()).rejects.toMatchObject({ code: 'GT_INPUT' });
  });

  it('names the file and the cause when the thread cannot read an input', async () => {
    const folder = join(dir, 'a-folder');
    mkdirSync(folder, { recursive: true });
    await withAhead([big, folder], THREAD, async (ahead) => {
      await bytesOf(ahead, 0, 1);
      expect(ahead.reader).toBe('ring');
      await expect(bytesOf(ahead, 1)).rejects.toMatchObject({ code: 'GT_INPUT', message: `${folder}: cannot be read on the reader thread (EISDIR); check the path` });
    });
    await withAhead([big, folder], THREAD, async (ahead) => {
      await ahead.threadRunning();
      const source = fileSource(folder, { raw: () => ahead.chunks(1) });
      await bytesOf(ahead, 0);
      await expect(eachLine(source, () => undefined)).rejects.toMatchObject({ code: 'GT_INPUT', message: expect.stringMatching(/a-folder: cannot be read on the reader thread \(EISDIR\)/) });
    });
  });

  it('reads on here, and gives no digest, when the reader thread dies while this one waits for it', async () => {
    await withAhead([big, big], THREAD, async (ahead) => {
      const chunks = ahead.chunks(0)[Symbol.asyncIterator]();
      expect(await ahead.threadRunning()).toBe(true);
      const parts = [Buffer.from((await chunks.next()).value as Buffer)]; // hands over
      await (ahead as unknown as { worker: { terminate(): Promise<number> } }).worker.terminate(); // as an out-of-memory kill would
      const started = Date.now();
      for (let r = await chunks.next(); !r.done; r = await chunks.next()) parts.push(Buffer.from(r.value));
      expect(Date.now() - started).toBeLessThan(2000);
      expect(ahead.reader).toBe('broken');
      expect(Buffer.concat(parts).equals(readFileSync(big))).toBe(true);
      expect((await bytesOf(ahead, 1)).equals(readFileSync(big))).toBe(true);
      expect(await ahead.digest()).toBeUndefined();
    });
  });

  it('ends a read under way with GT_INPUT, not a hang, when it is closed meanwhile', async () => {
    const ahead = new ReadAhead([big], THREAD);
    expect(await ahead.threadRunning()).toBe(true);
    const chunks = ahead.chunks(0)[Symbol.asyncIterator]();
    for (let i = 0; i < SLOTS + 4; i++) await chunks.next(); // past what the ring held: later slots are being filled
    await ahead.close();
    await expect((async () => { while (!(await chunks.next()).done) { /* the rest */ } })()).rejects.toMatchObject({ code: 'GT_INPUT' });
  });

  it('gives one-byte inputs whole after the ring, though asking for the next chunk frees the slot (fileSource copies first)', async () => {
    const one = join(dir, 'one.jsonl');
    writeFileSync(one, 'x');
    const inputs = [big, ...Array.from({ length: 30 }, () => one)];
    await withAhead(inputs, THREAD, async (ahead) => {
      expect(await ahead.threadRunning()).toBe(true);
      expect((await bytesOf(ahead, 0)).equals(readFileSync(big))).toBe(true);
      for (const [place, f] of inputs.entries()) {
        if (place === 0) continue;
        const lines: string[] = [];
        await eachLine(fileSource(f, { raw: () => ahead.chunks(place) }), (line) => lines.push(line));
        expect(lines, `input ${place}`).toEqual(['x']);
      }
      expect(ahead.reader).toBe('ring');
      expect(await ahead.digest()).toBe(sha(inputs));
    });
  });

  it('fileSource keeps no chunk of raw input past asking for the next one, as the ring reuses its slots', async () => {
    // A raw source that spoils each chunk as soon as the next is asked for, as a refilled slot would.
    async function* spoiling(parts: Buffer[]): AsyncGenerator<Buffer> {
      for (const part of parts) {
        const chunk = Buffer.from(part);
        yield chunk;
        chunk.fill('!');
      }
    }
    for (const parts of [['x'], ['\n'], ['{', '"a":1}\n'], ['{"a":1}', '\n{"b":2}']]) {
      const lines: string[] = [];
      await eachLine(fileSource('raw.jsonl', { raw: () => spoiling(parts.map((p) => Buffer.from(p))) }), (line) => lines.push(line));
      expect(lines, JSON.stringify(parts)).toEqual(parts.join('').split('\n').filter((l, i, all) => i < all.length - 1 || l !== ''));
    }
    // gzip in many small chunks: the inflater may hold a chunk after the next was asked for
    const text = Array.from({ length: 3000 }, (_, i) => `{"i":${i}}`).join('\n') + '\n';
    const zippedBytes = gzipSync(text);
    const pieces = Array.from({ length: Math.ceil(zippedBytes.length / 97) }, (_, i) => zippedBytes.subarray(i * 97, (i + 1) * 97));
    const lines: string[] = [];
    await eachLine(fileSource('raw.jsonl.gz', { raw: () => spoiling(pieces) }), (line) => lines.push(line));
    expect(lines.join('\n') + '\n').toBe(text);
  });

  it('ends its read when fileSource\'s reader stops early (a bad record), so the order is known broken', async () => {
    await withAhead([small, small], THREAD, async (ahead) => {
      const stop = new Error('a bad record');
      await expect(eachLine(fileSource(small, { raw: () => ahead.chunks(0) }), () => { throw stop; })).rejects.toBe(stop);
      expect(ahead.reader).toBe('broken');
      expect(await ahead.digest()).toBeUndefined();
    });
  });

  it('goes on reading an input here when another is asked for meanwhile, from where it was', async () => {
    await withAhead([big, small], THREAD, async (ahead) => {
      expect(await ahead.threadRunning()).toBe(true);
      const first = ahead.chunks(0)[Symbol.asyncIterator]();
      const parts: Buffer[] = [];
      for (let i = 0; i < 5; i++) parts.push(Buffer.from((await first.next()).value as Buffer));
      expect(ahead.reader).toBe('ring');
      expect((await bytesOf(ahead, 1)).equals(readFileSync(small))).toBe(true); // breaks the order
      expect(ahead.reader).toBe('broken');
      for (let r = await first.next(); !r.done; r = await first.next()) parts.push(Buffer.from(r.value));
      expect(Buffer.concat(parts).equals(readFileSync(big))).toBe(true);
      expect(await ahead.digest()).toBeUndefined();
    });
  });

  it('holds at most two files open however many inputs it reads, with the thread or without', async () => {
    const many = Array.from({ length: 40 }, (_, i) => {
      const f = join(dir, `many-${i}.jsonl`);
      writeFileSync(f, i === 0 ? readFileSync(big) : `{"i":${i}}\n`);
      return f;
    });
    for (const options of [THREAD, { threadFromBytes: Number.MAX_SAFE_INTEGER }]) {
      let before: number | undefined;
      let most = 0;
      await withAhead(many, options, async (ahead) => {
        await ahead.threadRunning();
        before = openFds(); // with the thread's own event loop
        for (const place of many.keys()) {
          for await (const _ of ahead.chunks(place)) most = Math.max(most, (openFds() ?? 0) - (before ?? 0));
        }
        expect(await ahead.digest()).toBe(sha(many));
      });
      if (before !== undefined) expect(most).toBeLessThanOrEqual(1); // one at a time: the thread's file, or this thread's
    }
  });

  it('fails with GT_INPUT naming a file that does not exist, before anything is read', async () => {
    const before = openFds();
    expect(() => new ReadAhead([small, join(dir, 'missing.jsonl')])).toThrow(expect.objectContaining({ code: 'GT_INPUT', message: expect.stringContaining('missing.jsonl: cannot be read (ENOENT)') }));
    expect(openFds()).toBe(before);
  });

  it('feeds fileSource: lines of plain and gzip inputs, the same as reading the files', async () => {
    const read = async (f: string, options = {}) => {
      const lines: string[] = [];
      await eachLine(fileSource(f, options), (line) => lines.push(line));
      return lines;
    };
    await withAhead([small, zipped], THREAD, async (ahead) => {
      expect(await ahead.threadRunning()).toBe(true);
      expect(await read(small, { raw: () => ahead.chunks(0) })).toEqual(await read(small));
      expect(await read(zipped, { raw: () => ahead.chunks(1) })).toEqual(await read(zipped));
      expect(await ahead.digest()).toBe(sha([small, zipped]));
    });
  });
});
