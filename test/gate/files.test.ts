import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { digestFiles } from '../../src/gate/digest';
import { fileSource } from '../../src/gate/files';
import { eachLine } from '../../src/gate/source';
import { tempDir } from '../support/cli';

async function read(path: string): Promise<{ lines: string[]; bytes: number }> {
  const lines: string[] = [];
  let bytes = 0;
  await eachLine(fileSource(path, { onBytes: (n) => (bytes += n) }), (l) => lines.push(l));
  return { lines, bytes };
}

const sha256 = (...parts: Buffer[]) => `sha256:${parts.reduce((h, p) => h.update(p), createHash('sha256')).digest('hex')}`;

describe('fileSource', () => {
  const text = Array.from({ length: 5000 }, (_, i) => `{"n":${i}}`).join('\n') + '\n';

  it('streams a file, counting its bytes as read', async () => {
    const file = join(tempDir(), 'e.jsonl');
    writeFileSync(file, text);
    const r = await read(file);
    expect(r.lines).toHaveLength(5000);
    expect(r.bytes).toBe(Buffer.byteLength(text));
  });

  it('gunzips a gzip file, counting its compressed bytes', async () => {
    const file = join(tempDir(), 'e.jsonl.gz');
    const gz = gzipSync(text);
    writeFileSync(file, gz);
    const r = await read(file);
    expect(r.lines).toHaveLength(5000);
    expect(r.lines[4999]).toBe('{"n":4999}');
    expect(r.bytes).toBe(gz.length);
  });

  it('fails on a missing file, naming it', async () => {
    await expect(read(join(tempDir(), 'none.jsonl'))).rejects.toMatchObject({ code: 'GT_INPUT', message: expect.stringMatching(/none\.jsonl: cannot be read \(ENOENT\); check the path$/) });
  });

  it('fails on a corrupt gzip file, naming it', async () => {
    const file = join(tempDir(), 'bad.gz');
    writeFileSync(file, Buffer.concat([gzipSync(text).subarray(0, 40), Buffer.from('garbage')]));
    await expect(read(file)).rejects.toMatchObject({ code: 'GT_INPUT', message: expect.stringMatching(/bad\.gz: is not a valid gzip file/) });
  });
});

describe('digestFiles', () => {
  it('hashes the files\' bytes in the order given, compressed bytes for gzip', async () => {
    const dir = tempDir();
    const a = Buffer.from('{"a":1}\n'.repeat(100_000));
    const b = gzipSync('{"b":2}\n');
    writeFileSync(join(dir, 'a.jsonl'), a);
    writeFileSync(join(dir, 'b.jsonl.gz'), b);
    expect(await digestFiles([join(dir, 'a.jsonl'), join(dir, 'b.jsonl.gz')])).toBe(sha256(a, b));
    expect(await digestFiles([join(dir, 'b.jsonl.gz'), join(dir, 'a.jsonl')])).toBe(sha256(b, a));
    expect(await digestFiles([])).toBe(sha256());
  });

  it('stops when aborted', async () => {
    const file = join(tempDir(), 'big.jsonl');
    writeFileSync(file, Buffer.alloc(1024 * 1024, 'x'));
    const abort = new AbortController();
    const digest = digestFiles([file], abort.signal);
    abort.abort();
    await expect(digest).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('fails on a file it cannot read', async () => {
    await expect(digestFiles([join(tempDir(), 'none')])).rejects.toMatchObject({ code: 'GT_INPUT', message: expect.stringMatching(/^cannot hash the input files \(ENOENT: .*\); check the paths$/) });
  });
});
