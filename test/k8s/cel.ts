/**
 * A tiny evaluator for the subset of CEL the admission policy uses: string/null/bool literals,
 * identifiers, field selection, indexing, `has()`, `.split()`, `+`, `==`, `!=`, `in`, `&&`, `||`
 * and `? :`, with CEL's precedence. Selecting an absent field is an error ("no such key"), as
 * in the API server where omitempty request fields are absent. `&&`/`||` evaluate left to right
 * (CEL also absorbs an error when the other side decides the result; the expressions under
 * test never rely on that).
 */

type Value = string | boolean | null | readonly Value[] | { readonly [key: string]: Value };

type Node =
  | { t: 'lit'; v: Value }
  | { t: 'id'; name: string }
  | { t: 'sel'; obj: Node; field: string }
  | { t: 'idx'; obj: Node; key: Node }
  | { t: 'call'; fn: string; target?: Node; args: Node[] }
  | { t: 'bin'; op: string; l: Node; r: Node }
  | { t: 'cond'; c: Node; a: Node; b: Node };

function tokenize(src: string): string[] {
  const re = /\s*('(?:\\.|[^'\\])*'|&&|\|\||==|!=|[A-Za-z_][A-Za-z0-9_]*|[()[\].?:+,])/y;
  const out: string[] = [];
  let m: RegExpExecArray | null;
  while (re.lastIndex < src.length && (m = re.exec(src))) out.push(m[1]!);
  if (re.lastIndex < src.trimEnd().length) throw new Error(`cannot tokenize at ${re.lastIndex}: ${src.slice(re.lastIndex)}`);
  return out;
}

function parse(src: string): Node {
  const toks = tokenize(src);
  let i = 0;
  const peek = () => toks[i];
  const take = (want?: string) => {
    const t = toks[i++];
    if (t === undefined || (want !== undefined && t !== want)) throw new Error(`expected ${want ?? 'a token'}, got ${t}`);
    return t;
  };
  const cond = (): Node => {
    const c = binary(0);
    if (peek() !== '?') return c;
    take('?');
    const a = cond();
    take(':');
    return { t: 'cond', c, a, b: cond() };
  };
  const LEVELS = [['||'], ['&&'], ['==', '!=', 'in'], ['+']];
  const binary = (level: number): Node => {
    if (level === LEVELS.length) return postfix();
    let l = binary(level + 1);
    while (LEVELS[level]!.includes(peek() ?? '')) {
      const op = take();
      l = { t: 'bin', op, l, r: binary(level + 1) };
    }
    return l;
  };
  const postfix = (): Node => {
    let n = primary();
    for (;;) {
      if (peek() === '.') {
        take('.');
        const field = take();
        if (peek() === '(') {
          take('(');
          const args = peek() === ')' ? [] : [cond()];
          take(')');
          n = { t: 'call', fn: field, target: n, args };
        } else n = { t: 'sel', obj: n, field };
      } else if (peek() === '[') {
        take('[');
        n = { t: 'idx', obj: n, key: cond() };
        take(']');
      } else return n;
    }
  };
  const primary = (): Node => {
    const t = take();
    if (t === '(') {
      const n = cond();
      take(')');
      return n;
    }
    if (t.startsWith("'")) return { t: 'lit', v: t.slice(1, -1).replace(/\\(.)/g, '$1') };
    if (t === 'null') return { t: 'lit', v: null };
    if (t === 'true' || t === 'false') return { t: 'lit', v: t === 'true' };
    if (t === 'has') {
      take('(');
      const arg = postfix();
      take(')');
      return { t: 'call', fn: 'has', args: [arg] };
    }
    return { t: 'id', name: t };
  };
  const n = cond();
  if (i !== toks.length) throw new Error(`unexpected ${toks[i]}`);
  return n;
}

function isMap(v: Value): v is { readonly [key: string]: Value } {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function field(obj: Value, key: string): Value {
  if (!isMap(obj) || !Object.prototype.hasOwnProperty.call(obj, key)) throw new Error(`no such key: ${key}`);
  return obj[key]!;
}

function evaluate(n: Node, env: Readonly<Record<string, Value>>): Value {
  switch (n.t) {
    case 'lit': return n.v;
    case 'id':
      if (!(n.name in env)) throw new Error(`undeclared reference to '${n.name}'`);
      return env[n.name]!;
    case 'sel': return field(evaluate(n.obj, env), n.field);
    case 'idx': return field(evaluate(n.obj, env), String(evaluate(n.key, env)));
    case 'cond': return evaluate(n.c, env) === true ? evaluate(n.a, env) : evaluate(n.b, env);
    case 'call': {
      if (n.fn === 'has') {
        const arg = n.args[0]!;
        if (arg.t !== 'sel') throw new Error('has() needs a field selection');
        const obj = evaluate(arg.obj, env);
        if (!isMap(obj)) throw new Error('has() on a non-map');
        return Object.prototype.hasOwnProperty.call(obj, arg.field);
      }
      if (n.fn === 'split') {
        const s = evaluate(n.target!, env);
        if (typeof s !== 'string') throw new Error('split() on a non-string');
        return s.split(String(evaluate(n.args[0]!, env)));
      }
      throw new Error(`unknown function ${n.fn}`);
    }
    case 'bin': {
      if (n.op === '&&') return evaluate(n.l, env) === true && evaluate(n.r, env) === true;
      if (n.op === '||') return evaluate(n.l, env) === true || evaluate(n.r, env) === true;
      const l = evaluate(n.l, env);
      const r = evaluate(n.r, env);
      switch (n.op) {
        case '==': return l === r;
        case '!=': return l !== r;
        case '+':
          if (typeof l !== 'string' || typeof r !== 'string') throw new Error('+ needs strings');
          return l + r;
        case 'in':
          if (Array.isArray(r)) return r.includes(l);
          if (isMap(r)) return typeof l === 'string' && Object.prototype.hasOwnProperty.call(r, l);
          throw new Error('in needs a list or map');
        default: throw new Error(`unknown operator ${n.op}`);
      }
    }
  }
}

/** Evaluates a CEL expression of the supported subset against variables. Throws on CEL errors. */
export function evalCel(expression: string, env: Readonly<Record<string, Value>>): Value {
  return evaluate(parse(expression), env);
}

export type { Value as CelValue };
