/**
 * The five Kubernetes CEL string functions this evaluator implements itself, with the semantics of
 * cel-go v0.23 `ext/strings.go` (the strings library Kubernetes 1.33 loads as `ext.Strings(ext.StringsVersion(2))`,
 * staging/src/k8s.io/apiserver/pkg/cel/environment/base.go:126-131):
 *
 * - indices count Unicode code points (Go runes), not UTF-16 code units;
 * - `split` is Go's `strings.Split` / `strings.SplitN` (a positive limit keeps the remainder in the last part);
 * - `indexOf('', n)` returns `n` unchecked, a negative offset is an error, an offset past the end is -1;
 * - `join` fails on a non-string element with `join: invalid input: <value>`.
 *
 * @bufbuild/cel ships its own `ext/strings`, but it counts UTF-16 code units, truncates `split` at the
 * limit and rejects offsets cel-go accepts, so it is not registered (see the header of ../vap.ts).
 */
import { CelScalar, celList, celMethod, listType, type CelFunc, type CelList } from '@bufbuild/cel';

const { STRING, INT } = CelScalar;
const LIST = listType(CelScalar.DYN);

/** Go's `strings.Split(s, sep)` when `limit` is undefined, `strings.SplitN(s, sep, limit)` otherwise. */
export function goSplit(s: string, sep: string, limit?: number): string[] {
  if (limit === 0) return [];
  const all = limit === undefined || limit < 0;
  if (sep === '') {
    const runes = [...s];
    const n = all || limit > runes.length ? runes.length : limit;
    if (n === 0) return [];
    return [...runes.slice(0, n - 1), runes.slice(n - 1).join('')];
  }
  const parts: string[] = [];
  let rest = s;
  while (all || parts.length < limit - 1) {
    const at = rest.indexOf(sep);
    if (at < 0) break;
    parts.push(rest.slice(0, at));
    rest = rest.slice(at + sep.length);
  }
  parts.push(rest);
  return parts;
}

/** cel-go `indexOfOffset`: code-point index of `sub` in `s` at or after `offset`, or -1. */
export function runeIndexOf(s: string, sub: string, offset: bigint): bigint {
  if (sub === '') return offset;
  if (offset < 0n) throw new Error(`index out of range: ${offset}`);
  const runes = [...s];
  const subRunes = [...sub];
  if (offset >= BigInt(runes.length)) return -1n;
  for (let i = Number(offset); i < runes.length - (subRunes.length - 1); i++) {
    if (subRunes.every((r, j) => runes[i + j] === r)) return BigInt(i);
  }
  return -1n;
}

/** ASCII-only case mapping, as cel-go's lowerAscii/upperAscii (other code points are kept). */
function mapAscii(s: string, from: number, to: number, delta: number): string {
  let out = '';
  for (const ch of s) {
    const c = ch.charCodeAt(0);
    out += ch.length === 1 && c >= from && c <= to ? String.fromCharCode(c + delta) : ch;
  }
  return out;
}

/** Renders a CEL value the way Go's `%v` renders a ref.Val in cel-go's join error. */
function goValue(v: unknown): string {
  if (typeof v === 'bigint' || typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (v === null) return 'NULL_VALUE';
  return typeof v === 'string' ? v : Object.prototype.toString.call(v);
}

function join(list: CelList, sep: string): string {
  const parts: string[] = [];
  for (const item of list) {
    if (typeof item !== 'string') throw new Error(`join: invalid input: ${goValue(item)}`);
    parts.push(item);
  }
  return parts.join(sep);
}

/** A split limit as a number: negative means no limit; anything past 2^31 cannot matter. */
function limit(n: bigint): number {
  if (n < 0n) return -1;
  return n > 2n ** 31n ? 2 ** 31 : Number(n);
}

/** The function overloads, ready for `celEnv({ funcs })`. */
export const STRING_FUNCS: readonly CelFunc[] = [
  celMethod('split', STRING, [STRING], LIST, function (sep) {
    return celList(goSplit(this, sep));
  }),
  celMethod('split', STRING, [STRING, INT], LIST, function (sep, n) {
    return celList(goSplit(this, sep, limit(n)));
  }),
  celMethod('lowerAscii', STRING, [], STRING, function () {
    return mapAscii(this, 0x41, 0x5a, 0x20);
  }),
  celMethod('upperAscii', STRING, [], STRING, function () {
    return mapAscii(this, 0x61, 0x7a, -0x20);
  }),
  celMethod('indexOf', STRING, [STRING], INT, function (sub) {
    return runeIndexOf(this, sub, 0n);
  }),
  celMethod('indexOf', STRING, [STRING, INT], INT, function (sub, offset) {
    return runeIndexOf(this, sub, offset);
  }),
  celMethod('join', LIST, [], STRING, function () {
    return join(this, '');
  }),
  celMethod('join', LIST, [STRING], STRING, function (sep) {
    return join(this, sep);
  }),
];
