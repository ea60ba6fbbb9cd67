/**
 * The examples of cel-go v0.23 ext/strings.go (IndexOf at line 104, Join 125, LowerAscii 162,
 * Split 210, UpperAscii 262), run through the evaluator's own string functions, plus the cases
 * where @bufbuild/cel's ext/strings differs from cel-go.
 */
import { celEnv, isCelError, parse, plan, run } from '@bufbuild/cel';
import { strings as bufStrings } from '@bufbuild/cel/ext';
import { describe, expect, it } from 'vitest';
import { goSplit, runeIndexOf, STRING_FUNCS } from './strings';

const env = celEnv({ funcs: [...STRING_FUNCS] });
const evaluate = (expr: string): unknown => {
  const out = plan(env, parse(expr))();
  if (isCelError(out)) return { error: out.message };
  return typeof out === 'object' && out !== null && Symbol.iterator in out ? [...(out as Iterable<unknown>)] : out;
};

describe('cel-go ext/strings examples', () => {
  it.each([
    ["'hello mellow'.indexOf('')", 0n],
    ["'hello mellow'.indexOf('ello')", 1n],
    ["'hello mellow'.indexOf('jello')", -1n],
    ["'hello mellow'.indexOf('', 2)", 2n],
    ["'hello mellow'.indexOf('ello', 2)", 7n],
    ["'hello mellow'.indexOf('ello', 20)", -1n],
    ["'hello mellow'.indexOf('ello', -1)", { error: 'index out of range: -1' }],
    ["['hello', 'mellow'].join()", 'hellomellow'],
    ["['hello', 'mellow'].join(' ')", 'hello mellow'],
    ['[].join()', ''],
    ["[].join('/')", ''],
    ["'TacoCat'.lowerAscii()", 'tacocat'],
    ["'TacoCÆt Xii'.lowerAscii()", 'tacocÆt xii'],
    ["'hello hello hello'.split(' ')", ['hello', 'hello', 'hello']],
    ["'hello hello hello'.split(' ', 0)", []],
    ["'hello hello hello'.split(' ', 1)", ['hello hello hello']],
    ["'hello hello hello'.split(' ', 2)", ['hello', 'hello hello']],
    ["'hello hello hello'.split(' ', -1)", ['hello', 'hello', 'hello']],
    ["'TacoCat'.upperAscii()", 'TACOCAT'],
    ["'TacoCÆt Xii'.upperAscii()", 'TACOCÆT XII'],
  ])('evaluates %s as cel-go documents', (expr, want) => {
    expect(evaluate(expr)).toEqual(want);
  });
});

describe('Go semantics the evaluator keeps', () => {
  it('splits like Go strings.Split, keeping empty parts and exploding on an empty separator', () => {
    expect(goSplit('a,,b,', ',')).toEqual(['a', '', 'b', '']);
    expect(goSplit('', ',')).toEqual(['']);
    expect(goSplit('', '')).toEqual([]);
    expect(goSplit('a😀b', '')).toEqual(['a', '😀', 'b']);
    expect(goSplit('a😀b', '', 2)).toEqual(['a', '😀b']);
  });

  it('counts code points, not UTF-16 code units, in indexOf', () => {
    expect(runeIndexOf('😀x', 'x', 0n)).toBe(1n);
    expect(evaluate("'😀😀x'.indexOf('x', 2)")).toBe(2n);
  });

  it('returns the offset for an empty substring even past the end, as cel-go does', () => {
    expect(evaluate("'abc'.indexOf('', 10)")).toBe(10n);
  });

  it('fails join on a non-string element with cel-go\'s message', () => {
    expect(evaluate("dyn(['a', 1]).join()")).toEqual({ error: 'join: invalid input: 1' });
  });
});

describe('why @bufbuild/cel/ext strings is not registered', () => {
  it('truncates split at the limit where Go keeps the remainder', () => {
    const buf = run("'a b c'.split(' ', 2)", {}, { funcs: bufStrings });
    expect([...(buf as Iterable<string>)]).toEqual(['a', 'b']);
    expect(evaluate("'a b c'.split(' ', 2)")).toEqual(['a', 'b c']);
  });

  it('counts UTF-16 code units in indexOf', () => {
    expect(run("'😀x'.indexOf('x')", {}, { funcs: bufStrings })).toBe(2n);
    expect(evaluate("'😀x'.indexOf('x')")).toBe(1n);
  });
});
