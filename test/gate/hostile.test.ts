/**
 * Hostile and overloaded input (issue 13): bytes that are not UTF-8, very long lines, values
 * nested deeper than any real record, and random input. Every reader (evidence, Kubernetes audit,
 * Vault audit, CloudTrail) must end in a result or a clean error naming `FILE:LINE`: never a
 * stack overflow, never a lenient decode, never time quadratic in a line's length.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TrustError } from '../../src/errors';
import { readCloudTrail } from '../../src/gate/audit/cloudtrail';
import { readKubernetesAudit } from '../../src/gate/audit/kubernetes';
import { readVaultAudit } from '../../src/gate/audit/vault';
import { evaluate } from '../../src/gate/evaluate';
import { eachLine, MAX_LINE_CHARS, type Source } from '../../src/gate/source';
import { AGENT, ago, incident, lines, NOW, RAW, state } from './helpers';

const SA = 'system:serviceaccount:ops-agents:incident-responder';
const ROLE = 'arn:aws:iam::111122223333:role/incident-responder';

type Reader = (source: Source) => Promise<unknown>;

/** Every reader, as `trust-gate evaluate` runs it. */
const READERS: Record<string, Reader> = {
  evidence: (source) => evaluate({ state: state(2), policy: RAW, now: NOW, evidence: [source] }),
  'k8s-audit': (source) => readKubernetesAudit(source, { user: SA, admissionPolicy: 'incident-responder.graduated-trust.dev' }, () => undefined),
  'vault-audit': (source) => readVaultAudit(source, { role: AGENT }, () => undefined),
  cloudtrail: (source) => readCloudTrail(source, { roleArn: ROLE }, () => undefined),
};

/** Runs a reader; returns undefined when it finished, else the error (which must be a TrustError naming NAME:LINE). */
async function outcome(reader: Reader, source: Source): Promise<TrustError | undefined> {
  try {
    await reader(source);
    return undefined;
  } catch (e) {
    if (!(e instanceof TrustError)) throw new Error(`not a clean error: ${String((e as Error).stack ?? e).slice(0, 500)}`);
    expect(e.message).toMatch(new RegExp(`^${source.name.replace(/\./g, '\\.')}:\\d+: `));
    return e;
  }
}

/** `depth` nested arrays around `inner`, as text, built without recursion. */
function nested(depth: number, inner = '1'): string {
  return '['.repeat(depth) + inner + ']'.repeat(depth);
}

/** A record of each reader's kind, with `value` placed in a field every reader looks at. */
const RECORDS: Record<string, (value: string) => string> = {
  evidence: (v) => `{"type":"incident","agent":"${AGENT}","at":"${ago(1)}","id":${v},"phase":2,"domain":"database"}`,
  'k8s-audit': (v) => `{"kind":"Event","apiVersion":"audit.k8s.io/v1","auditID":"a1","stage":"ResponseComplete","user":{"username":${v}},"verb":"get","responseStatus":{"code":403}}`,
  'vault-audit': (v) => `{"type":"response","request":{"id":"r1","path":${v}},"auth":{"metadata":{"role":"${AGENT}"}},"error":"permission denied"}`,
  cloudtrail: (v) => `{"eventID":"e1","eventTime":"2026-11-20T00:00:00Z","errorCode":"AccessDenied","userIdentity":{"type":"AssumedRole","sessionContext":{"sessionIssuer":{"arn":${v}}}}}`,
};

describe('invalid UTF-8', () => {
  it('fails with FILE:LINE instead of merging two ids that differ only in bytes that are not UTF-8', async () => {
    const good = lines([incident({ id: 'INC-1' })]);
    const bad = Buffer.concat([Buffer.from(good), Buffer.from(lines([incident({ id: 'INC-x' })]).replace('INC-x', 'INC-\u0001')).map((b) => (b === 1 ? 0xff : b))]);
    await expect(READERS.evidence!({ name: 'e.jsonl', chunks: [bad] })).rejects.toThrow(/^e\.jsonl:2: is not valid UTF-8 \(byte 0xff\)/);
  });

  it('names the line of a bad byte in a later chunk, and a file that ends inside a character', async () => {
    const first = Buffer.from('{"a":1}\n{"b":2}\n');
    const second = Buffer.from([0x7b, 0x22, 0x63, 0x22, 0x3a, 0x22, 0xc3, 0x28, 0x22, 0x7d, 0x0a]); // {"c":"\xc3("}
    const outcomeOf = (chunks: Buffer[]) => eachLine({ name: 'x.log', chunks }, () => undefined);
    await expect(outcomeOf([first, second])).rejects.toThrow(/^x\.log:3: is not valid UTF-8 \(byte 0xc3\)/);
    await expect(outcomeOf([first, Buffer.from([0x22, 0xe2, 0x82])])).rejects.toThrow(/^x\.log:3: ends inside a UTF-8 character/);
  });

  for (const [name, reader] of Object.entries(READERS)) {
    it(`fails in the ${name} reader with FILE:LINE`, async () => {
      const text = Buffer.from(`\n${RECORDS[name]!('"caf\u00e9"')}\n`);
      const at = text.indexOf(0xc3);
      text[at] = 0xe9; // latin-1 é: not UTF-8
      const error = await outcome(reader, { name: `${name}.log`, chunks: [text] });
      expect(error?.message).toMatch(new RegExp(`^${name}\\.log:2: is not valid UTF-8 \\(byte 0xe9\\)`));
    });
  }
});

describe('long lines', () => {
  async function seconds(chars: number): Promise<number> {
    const piece = 'a'.repeat(64 * 1024);
    const chunks: string[] = Array.from({ length: Math.ceil(chars / piece.length) }, () => piece);
    const t = performance.now();
    let longest = 0;
    await eachLine({ name: 'x', chunks: [...chunks, '\n'] }, (l) => { longest = Math.max(longest, l.length); });
    expect(longest).toBe(chunks.length * piece.length);
    return (performance.now() - t) / 1000;
  }

  it('splits a line spread over many chunks in time linear in its length (4x the line, well under 16x the time)', async () => {
    await seconds(4 * 1024 * 1024); // warm up
    const small = await seconds(8 * 1024 * 1024);
    const large = await seconds(32 * 1024 * 1024);
    expect(large / Math.max(small, 0.005)).toBeLessThan(8);
  });

  it('reads a 50 MiB evidence line in seconds', async () => {
    const record = JSON.stringify(incident({ note: 'x'.repeat(50 * 1024 * 1024), diagnosisCorrect: true }));
    const bytes = Buffer.from(record + '\n');
    const chunks: Buffer[] = [];
    for (let i = 0; i < bytes.length; i += 64 * 1024) chunks.push(bytes.subarray(i, i + 64 * 1024));
    const t = performance.now();
    const decision = await READERS.evidence!({ name: 'big.jsonl', chunks }) as { counts: { records: number } };
    expect(decision.counts.records).toBe(1);
    expect(performance.now() - t).toBeLessThan(10_000);
  }, 30_000);

  it(`fails on a line longer than ${MAX_LINE_CHARS / 1024 / 1024} MiB with FILE:LINE, before holding it`, async () => {
    const piece = 'a'.repeat(1024 * 1024);
    const chunks = ['{"a":1}\n', ...Array.from({ length: MAX_LINE_CHARS / piece.length + 1 }, () => piece)];
    await expect(eachLine({ name: 'huge.jsonl', chunks }, () => undefined)).rejects.toThrow(/^huge\.jsonl:2: a line is longer than 64 MiB/);
  });

  it('fails on an over-long record of a JSON array (CloudTrail as delivered to S3) with FILE:LINE', async () => {
    const piece = 'a'.repeat(1024 * 1024);
    const chunks = ['{"Records":[{"eventID":"', ...Array.from({ length: MAX_LINE_CHARS / piece.length + 1 }, () => piece), '"}]}'];
    const error = await outcome(READERS.cloudtrail!, { name: 'ct.json', chunks });
    expect(error?.message).toMatch(/^ct\.json:1: .*longer than 64 MiB/);
  }, 30_000);
});

describe('deep nesting', () => {
  for (const [name, reader] of Object.entries(READERS)) {
    it(`ends the ${name} reader in a clean FILE:LINE error or a result at 5,000 and 200,000 levels, quickly`, async () => {
      for (const depth of [5_000, 200_000]) {
        const text = `\n${RECORDS[name]!(nested(depth))}\n`;
        const t = performance.now();
        const error = await outcome(reader, { name: `${name}.log`, chunks: [text] });
        expect(performance.now() - t).toBeLessThan(5_000);
        if (error) {
          expect(error.message).toMatch(new RegExp(`^${name}\\.log:2: `));
          expect(error.message.length).toBeLessThan(1_000); // a bounded excerpt, not the value
        }
      }
    });
  }

  it('shows a bounded excerpt of a deeply nested value in the evidence error', async () => {
    await expect(READERS.evidence!({ name: 'e.jsonl', chunks: [`${RECORDS.evidence!(nested(100_000))}\n`] }))
      .rejects.toThrow(/^e\.jsonl:1: field "id" is \[\[\[\[.*\.\.\.: must be a non-empty string/);
  });
});

/** Lines a fuzzer writes: JSON of any shape (records of each kind mutated), deep nesting, junk, bytes. */
function hostileLine(): fc.Arbitrary<string | Buffer> {
  const value = fc.oneof(
    fc.json({ depthSize: 'medium' }),
    fc.integer({ min: 1, max: 20_000 }).map((d) => nested(d)),
    fc.integer({ min: 1, max: 20_000 }).map((d) => '{"a":'.repeat(d) + '1' + '}'.repeat(d)),
    fc.string({ maxLength: 40 }).map((s) => JSON.stringify(s)),
  );
  const record = fc.tuple(fc.constantFrom(...Object.values(RECORDS)), value).map(([make, v]) => make(v));
  const mutated = fc.tuple(record, fc.nat(), fc.string({ maxLength: 4 })).map(([r, at, s]) => r.slice(0, at % (r.length + 1)) + s + r.slice(at % (r.length + 1)));
  const bytes = fc.uint8Array({ maxLength: 64 }).map((b) => Buffer.from(b));
  return fc.oneof(record, mutated, value, fc.string({ maxLength: 80 }), bytes);
}

describe('fuzz: every reader ends in a result or a clean FILE:LINE error, in bounded time', () => {
  for (const [name, reader] of Object.entries(READERS)) {
    it(`holds for the ${name} reader`, async () => {
      await fc.assert(fc.asyncProperty(fc.array(hostileLine(), { minLength: 1, maxLength: 6 }), async (ls) => {
        const chunks = ls.flatMap((l) => [typeof l === 'string' ? Buffer.from(l) : l, Buffer.from('\n')]);
        const t = performance.now();
        await outcome(reader, { name: `${name}.log`, chunks });
        expect(performance.now() - t).toBeLessThan(2_000);
      }), { numRuns: 150 });
    }, 60_000);
  }
});
