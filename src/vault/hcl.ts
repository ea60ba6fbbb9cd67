import { TrustError } from '../errors';

/**
 * A small reader for the HCL 1 subset Vault policies use: `key = value`, blocks with string
 * labels (`path "a/b" { … }`), `key = { … }` objects, lists, strings, numbers and booleans, and
 * `#`, `//` and `/* *\/` comments. Heredocs and interpolation are not part of it.
 */

/** A value in an HCL document. */
export type HclValue = string | number | boolean | readonly HclValue[] | HclBody;

/** One item of a body: `keys… = value` or `keys… { body }`. */
export interface HclItem {
  /** The key and any labels, e.g. `['path', 'secret/data/x']`. */
  readonly keys: readonly string[];
  readonly value: HclValue;
  /** 1-based line of the first key. */
  readonly line: number;
}

/** An object: items in document order; keys may repeat. */
export interface HclBody {
  readonly items: readonly HclItem[];
}

type TokenKind = 'string' | 'ident' | 'number' | 'punct';

interface Token {
  readonly kind: TokenKind;
  readonly text: string;
  readonly line: number;
}

const PUNCT = new Set(['{', '}', '[', ']', '=', ',']);

function fail(message: string, line: number): never {
  throw new TrustError('GT_POLICY_INVALID', `${message}; Vault would reject this policy`, `line ${line}`);
}

const ESCAPES: Readonly<Record<string, string>> = { '"': '"', '\\': '\\', n: '\n', t: '\t', r: '\r', '/': '/' };

function readString(text: string, start: number, line: number): { value: string; end: number } {
  let value = '';
  let i = start + 1;
  while (i < text.length) {
    const ch = text[i]!;
    if (ch === '"') return { value, end: i + 1 };
    if (ch === '\n') fail('a string is not closed before the end of the line', line);
    if (ch === '\\') {
      const next = text[i + 1] ?? '';
      if (next === 'u' && /^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) {
        value += String.fromCharCode(parseInt(text.slice(i + 2, i + 6), 16));
        i += 6;
        continue;
      }
      const escaped = ESCAPES[next];
      if (escaped === undefined) fail(`unknown escape "\\${next}" in a string`, line);
      value += escaped;
      i += 2;
      continue;
    }
    if (ch === '$' && text[i + 1] === '{') fail('interpolation ("${") is not allowed in a policy string', line);
    value += ch;
    i++;
  }
  return fail('a string is not closed', line);
}

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let line = 1;
  let i = 0;
  while (i < text.length) {
    const ch = text[i]!;
    if (ch === '\n') {
      line++;
      i++;
    } else if (/\s/.test(ch)) {
      i++;
    } else if (ch === '#' || (ch === '/' && text[i + 1] === '/')) {
      while (i < text.length && text[i] !== '\n') i++;
    } else if (ch === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2);
      if (end < 0) fail('a /* comment is not closed', line);
      for (let j = i; j < end; j++) if (text[j] === '\n') line++;
      i = end + 2;
    } else if (ch === '"') {
      const { value, end } = readString(text, i, line);
      tokens.push({ kind: 'string', text: value, line });
      i = end;
    } else if (PUNCT.has(ch)) {
      tokens.push({ kind: 'punct', text: ch, line });
      i++;
    } else if (/[-0-9]/.test(ch)) {
      const m = /^-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?/.exec(text.slice(i));
      if (!m) fail(`unexpected "${ch}"`, line);
      tokens.push({ kind: 'number', text: m[0], line });
      i += m[0].length;
    } else if (/[A-Za-z_]/.test(ch)) {
      const m = /^[A-Za-z_][A-Za-z0-9_.-]*/.exec(text.slice(i))!;
      tokens.push({ kind: 'ident', text: m[0], line });
      i += m[0].length;
    } else {
      fail(`unexpected "${ch}"`, line);
    }
  }
  return tokens;
}

class Parser {
  private pos = 0;

  constructor(private readonly tokens: readonly Token[]) {}

  body(closing: string | undefined): HclBody {
    const items: HclItem[] = [];
    for (;;) {
      const token = this.tokens[this.pos];
      if (!token) {
        if (closing) fail(`expected "${closing}" before the end`, this.lastLine());
        return { items };
      }
      if (token.kind === 'punct' && token.text === closing) {
        this.pos++;
        return { items };
      }
      if (token.kind === 'punct' && token.text === ',') {
        this.pos++;
        continue;
      }
      items.push(this.item());
    }
  }

  private item(): HclItem {
    const first = this.tokens[this.pos]!;
    const keys: string[] = [];
    while (this.peek('string') || this.peek('ident')) keys.push(this.tokens[this.pos++]!.text);
    if (keys.length === 0) fail(`expected a key, got "${first.text}"`, first.line);
    if (this.peekPunct('=')) {
      if (keys.length !== 1) fail(`"${keys.join(' ')}" has labels before "="`, first.line);
      this.pos++;
      return { keys, value: this.value(), line: first.line };
    }
    if (this.peekPunct('{')) {
      this.pos++;
      return { keys, value: this.body('}'), line: first.line };
    }
    return fail(`expected "=" or "{" after "${keys.join(' ')}"`, first.line);
  }

  private value(): HclValue {
    const token = this.tokens[this.pos++];
    if (!token) return fail('expected a value before the end', this.lastLine());
    if (token.kind === 'string') return token.text;
    if (token.kind === 'number') return Number(token.text);
    if (token.kind === 'ident' && (token.text === 'true' || token.text === 'false')) return token.text === 'true';
    if (token.kind === 'punct' && token.text === '{') return this.body('}');
    if (token.kind === 'punct' && token.text === '[') return this.list();
    return fail(`unexpected "${token.text}" where a value belongs`, token.line);
  }

  private list(): HclValue[] {
    const values: HclValue[] = [];
    for (;;) {
      if (this.peekPunct(']')) {
        this.pos++;
        return values;
      }
      values.push(this.value());
      if (this.peekPunct(',')) this.pos++;
      else if (!this.peekPunct(']')) fail('expected "," or "]" in a list', this.tokens[this.pos]?.line ?? this.lastLine());
    }
  }

  private peek(kind: TokenKind): boolean {
    return this.tokens[this.pos]?.kind === kind;
  }

  private peekPunct(text: string): boolean {
    const token = this.tokens[this.pos];
    return token?.kind === 'punct' && token.text === text;
  }

  private lastLine(): number {
    return this.tokens[this.tokens.length - 1]?.line ?? 1;
  }
}

/** Parses HCL 1 text into a body. Throws GT_POLICY_INVALID naming the line. */
export function parseHcl(text: string): HclBody {
  return new Parser(tokenize(text)).body(undefined);
}

/** True when a value is an HCL body (object). */
export function isHclBody(value: HclValue): value is HclBody {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Converts parsed JSON into the same body shape, so JSON policies (which Vault also accepts)
 * go through the same reader. Nested objects become labelled items, as HCL 1 reads them.
 */
export function jsonToHclBody(json: unknown): HclBody {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new TrustError('GT_POLICY_INVALID', 'a JSON policy must be an object such as {"path": {"secret/x": {"capabilities": ["read"]}}}');
  }
  return { items: Object.entries(json).map(([key, value]) => ({ keys: [key], value: jsonToHclValue(value), line: 1 })) };
}

function jsonToHclValue(value: unknown): HclValue {
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value;
  if (Array.isArray(value)) return value.map(jsonToHclValue);
  if (typeof value === 'object' && value !== null) return jsonToHclBody(value);
  throw new TrustError('GT_POLICY_INVALID', `${JSON.stringify(value)} is not a policy value`);
}
