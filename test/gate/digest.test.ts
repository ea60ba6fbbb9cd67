import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { digestFiles } from '../../src/gate/digest';

const dir = mkdtempSync(join(tmpdir(), 'gt-digest-'));
const plain = join(dir, 'a.jsonl');
const zipped = join(dir, 'b.jsonl.gz');
writeFileSync(plain, `${'{"x":1}\n'.repeat(200_000)}`); // more than the worker's 1 MiB buffer
writeFileSync(zipped, gzipSync('{"y":2}\n'.repeat(1000)));

describe('digestFiles', () => {
  it('hashes the files in the order given, gzip files by their compressed bytes', async () => {
    const expected = `sha256:${createHash('sha256').update(readFileSync(plain)).update(readFileSync(zipped)).update(readFileSync(plain)).digest('hex')}`;
    expect(await digestFiles([plain, zipped, plain])).toBe(expected);
  });

  it('fails with GT_INPUT naming the cause for a file it cannot read', async () => {
    await expect(digestFiles([join(dir, 'missing.jsonl')])).rejects.toMatchObject({ code: 'GT_INPUT', message: expect.stringContaining('ENOENT') });
  });
});
