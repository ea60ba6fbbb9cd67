import { execFileSync } from 'node:child_process';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { shellLine, shellWord } from '../../src/approvals/shell';

/** What `sh` makes of a line: the words it passes to printf, NUL-separated. */
function shWords(line: string): string[] {
  const out = execFileSync('sh', ['-c', `printf '%s\\0' ${line}`], { encoding: 'utf8' });
  return out.split('\0').slice(0, -1);
}

/** Any text an argument can carry: no NUL, and valid UTF-16 (sh sees UTF-8 bytes). */
const text = fc.string({ unit: 'binary', maxLength: 40 }).filter((s) => !s.includes('\0') && Buffer.from(s, 'utf8').toString('utf8') === s);
const hostile = fc.constantFrom("'", "o'brien", '$(id)', '`id`', '$USER', '\\', '"', '!', '*', '~', '#x', 'a b', '\n', '-n', '', ';rm -rf /', '{"data":{"k":"v"}}');

describe('shell quoting', () => {
  it('keeps safe words as they are and quotes the rest', () => {
    expect(shellWord('alice@example.com')).toBe('alice@example.com');
    expect(shellWord("o'brien")).toBe(`'o'\\''brien'`);
    expect(shellWord('')).toBe("''");
  });

  it('any value reaches the program unchanged through sh -c printf %s', () => {
    fc.assert(fc.property(fc.oneof(text, hostile), (value) => {
      expect(execFileSync('sh', ['-c', `printf %s ${shellWord(value)}`], { encoding: 'utf8' })).toBe(value);
    }), { numRuns: 150 });
  });

  it('any argv is exactly the words sh sees in its line', () => {
    fc.assert(fc.property(fc.array(fc.oneof(text, hostile), { minLength: 1, maxLength: 5 }), (argv) => {
      expect(shWords(shellLine(argv))).toEqual(argv);
    }), { numRuns: 100 });
  });

  it('fails on a NUL, which no argument can carry', () => {
    expect(() => shellWord('a\0b')).toThrow(/NUL character/);
  });
});
