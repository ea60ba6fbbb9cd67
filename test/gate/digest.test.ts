import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { digestFiles, ReadDigest } from '../../src/gate/digest';
import { fileSource } from '../../src/gate/files';
import { eachLine } from '../../src/gate/source';

const dir = mkdtempSync(join(tmpdir(), 'gt-digest-'));
const plain = join(dir, 'a.jsonl');
const zipped = join(dir, 'b.jsonl.gz');
writeFileSync(plain, `${'{"x":1}\n'.repeat(20_000)}`); // several 64 KiB chunks
writeFileSync(zipped, gzipSync('{"y":2}\n'.repeat(1000)));

async function readAll(files: readonly string[], order: readonly number[] = files.map((_, i) => i)): Promise<ReadDigest> {
  const read = new ReadDigest(files.map((f) => statSync(f).size));
  for (const i of order) await eachLine(fileSource(files[i]!, { onChunk: read.chunks(i) }), () => undefined);
  return read;
}

describe('ReadDigest', () => {
  it('gives the digest of the files as read, gzip files by their compressed bytes, the same as digestFiles', async () => {
    const files = [plain, zipped, plain];
    const expected = `sha256:${createHash('sha256').update(readFileSync(plain)).update(readFileSync(zipped)).update(readFileSync(plain)).digest('hex')}`;
    expect((await readAll(files)).digest()).toBe(expected);
    expect(await digestFiles(files)).toBe(expected);
  });

  it('gives no digest when the inputs were read out of order, twice or not whole', async () => {
    expect((await readAll([plain, zipped], [1, 0])).digest()).toBeUndefined();
    expect((await readAll([plain, zipped], [0, 0, 1])).digest()).toBeUndefined();
    expect((await readAll([plain, zipped], [0])).digest()).toBeUndefined();
    const partial = new ReadDigest([statSync(plain).size]);
    partial.chunks(0)(readFileSync(plain).subarray(0, 10));
    expect(partial.digest()).toBeUndefined();
  });
});
