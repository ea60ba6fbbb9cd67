import type { VaultPathPattern } from './match';

/**
 * The set of request paths a Vault pattern matches, as a small automaton, so two patterns can
 * be compared exactly: do they overlap (and on which path), does one contain the other.
 * A pattern is a sequence of literal characters, `+` (any run of characters without `/`) and a
 * trailing `*` (anything).
 */

type Token = { readonly lit: string } | { readonly seg: true } | { readonly any: true };

/** A region: the paths one pattern matches. */
export interface PathRegion {
  readonly tokens: readonly Token[];
  /** Literal characters used, for the alphabet. */
  readonly chars: ReadonlySet<string>;
}

function literal(text: string): Token[] {
  return [...text].map((lit) => ({ lit }));
}

function region(tokens: Token[]): PathRegion {
  const chars = new Set<string>();
  for (const t of tokens) if ('lit' in t) chars.add(t.lit);
  return { tokens, chars };
}

/** The paths a pattern matches for every operation. */
export function patternRegion(pattern: VaultPathPattern): PathRegion {
  if (pattern.kind === 'exact') return region(literal(pattern.path));
  if (pattern.kind === 'prefix') return region([...literal(pattern.stem), { any: true }]);
  const tokens: Token[] = [];
  pattern.stem.split('/').forEach((part, i) => {
    if (i > 0) tokens.push({ lit: '/' });
    tokens.push(...(part === '+' ? [{ seg: true } as const] : literal(part)));
  });
  if (pattern.isPrefix) tokens.push({ any: true });
  return region(tokens);
}

/** The extra path an exact pattern matches for `list`: itself with a trailing `/`. */
export function listRegion(pattern: VaultPathPattern): PathRegion {
  return region(literal(pattern.path + '/'));
}

type States = readonly number[];

function closure(r: PathRegion, states: Iterable<number>): States {
  const out = new Set<number>();
  for (let s of states) {
    out.add(s);
    // `+` and `*` match the empty string, so their successors are reachable too.
    while (s < r.tokens.length && !('lit' in r.tokens[s]!)) out.add(++s);
  }
  return [...out].sort((a, b) => a - b);
}

function step(r: PathRegion, states: States, ch: string): States {
  const next: number[] = [];
  for (const s of states) {
    const t = r.tokens[s];
    if (!t) continue;
    if ('lit' in t) {
      if (t.lit === ch) next.push(s + 1);
    } else if ('any' in t || ch !== '/') {
      next.push(s);
    }
  }
  return closure(r, next);
}

function accepts(r: PathRegion, states: States): boolean {
  return states.includes(r.tokens.length);
}

/** A character in neither region, standing for "any other character". */
function otherChar(a: PathRegion, b: PathRegion): string {
  for (const c of 'xyzqjkwv0123456789abcdefghilmnoprstuXYZ_') if (!a.chars.has(c) && !b.chars.has(c)) return c;
  return '\u00e9';
}

/** Breadth-first search over both automata; returns the shortest path where `bad` holds. */
function search(a: PathRegion, b: PathRegion, bad: (sa: States, sb: States) => boolean, keepGoing: (sa: States, sb: States) => boolean): string | undefined {
  const alphabet = [...new Set([...a.chars, ...b.chars, '/', otherChar(a, b)])].sort();
  const start: [States, States, string] = [closure(a, [0]), closure(b, [0]), ''];
  const seen = new Set<string>();
  const queue: Array<[States, States, string]> = [start];
  while (queue.length > 0) {
    const [sa, sb, word] = queue.shift()!;
    const key = `${sa.join(',')}|${sb.join(',')}`;
    if (seen.has(key)) continue;
    seen.add(key);
    if (bad(sa, sb)) return word;
    if (!keepGoing(sa, sb)) continue;
    for (const ch of alphabet) queue.push([step(a, sa, ch), step(b, sb, ch), word + ch]);
  }
  return undefined;
}

/** A path both regions match (the shortest), or undefined when they are disjoint. */
export function overlap(a: PathRegion, b: PathRegion): string | undefined {
  return search(a, b, (sa, sb) => accepts(a, sa) && accepts(b, sb), (sa, sb) => sa.length > 0 && sb.length > 0);
}

/** True when every path `inner` matches is matched by `outer`. */
export function contains(outer: PathRegion, inner: PathRegion): boolean {
  return search(inner, outer, (si, so) => accepts(inner, si) && !accepts(outer, so), (si) => si.length > 0) === undefined;
}
