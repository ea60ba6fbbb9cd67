/**
 * CEL types for the checker, and cel-go's assignability rules (checker/types.go in cel-go v0.23,
 * the version Kubernetes 1.33 builds with): type parameters are bound through a substitution
 * mapping, `dyn` is assignable both ways, `null` only to objects and well-known types.
 */

/** A CEL type as the checker sees it. */
export type CelT =
  | { readonly kind: 'scalar'; readonly name: ScalarName }
  | { readonly kind: 'dyn' }
  | { readonly kind: 'error' }
  | { readonly kind: 'list'; readonly elem: CelT }
  | { readonly kind: 'map'; readonly key: CelT; readonly value: CelT }
  | { readonly kind: 'object'; readonly name: string; readonly fields: ReadonlyMap<string, CelT> }
  | { readonly kind: 'type'; readonly param?: CelT }
  | { readonly kind: 'param'; readonly name: string };

type ScalarName = 'bool' | 'int' | 'uint' | 'double' | 'string' | 'bytes' | 'null' | 'timestamp' | 'duration';

const scalar = (name: ScalarName): CelT => ({ kind: 'scalar', name });

/** The primitive and well-known types. */
export const T = {
  bool: scalar('bool'),
  int: scalar('int'),
  uint: scalar('uint'),
  double: scalar('double'),
  string: scalar('string'),
  bytes: scalar('bytes'),
  null: scalar('null'),
  timestamp: scalar('timestamp'),
  duration: scalar('duration'),
  dyn: { kind: 'dyn' } as CelT,
  error: { kind: 'error' } as CelT,
  list: (elem: CelT): CelT => ({ kind: 'list', elem }),
  map: (key: CelT, value: CelT): CelT => ({ kind: 'map', key, value }),
  type: (param?: CelT): CelT => (param ? { kind: 'type', param } : { kind: 'type' }),
  param: (name: string): CelT => ({ kind: 'param', name }),
  object: (name: string, fields: Record<string, CelT>): CelT => ({ kind: 'object', name, fields: new Map(Object.entries(fields)) }),
} as const;

/** cel-go's FormatCELType: `int`, `list(string)`, `map(string, dyn)`, `kubernetes.AdmissionRequest`. */
export function formatType(t: CelT): string {
  switch (t.kind) {
    case 'scalar':
      return t.name;
    case 'dyn':
      return 'dyn';
    case 'error':
      return '!error!';
    case 'list':
      return `list(${formatType(t.elem)})`;
    case 'map':
      return `map(${formatType(t.key)}, ${formatType(t.value)})`;
    case 'object':
      return t.name;
    case 'type':
      return t.param ? `type(${formatType(t.param)})` : 'type';
    case 'param':
      return t.name;
  }
}

/** Type-parameter bindings, keyed by the parameter's name. */
export type Mapping = Map<string, CelT>;

const params = (t: CelT): CelT[] => {
  switch (t.kind) {
    case 'list':
      return [t.elem];
    case 'map':
      return [t.key, t.value];
    case 'type':
      return t.param ? [t.param] : [];
    default:
      return [];
  }
};

const typeName = (t: CelT): string => (t.kind === 'scalar' || t.kind === 'object' ? t.name : t.kind);

/** cel-go's Type.IsExactType. */
export function isExact(a: CelT, b: CelT): boolean {
  if (a === b) return true;
  if (a.kind !== b.kind || typeName(a) !== typeName(b)) return false;
  if (a.kind === 'param' && b.kind === 'param') return true;
  const pa = params(a);
  const pb = params(b);
  return pa.length === pb.length && pa.every((p, i) => isExact(p, pb[i]!));
}

const isDyn = (t: CelT): boolean => t.kind === 'dyn';
const isDynOrError = (t: CelT): boolean => t.kind === 'dyn' || t.kind === 'error';

function isEqualOrLessSpecific(a: CelT, b: CelT): boolean {
  if (isDyn(a) || a.kind === 'param') return true;
  if (isDyn(b) || b.kind === 'param') return false;
  if (a.kind !== b.kind) return false;
  if (a.kind === 'list' && b.kind === 'list') return isEqualOrLessSpecific(a.elem, b.elem);
  if (a.kind === 'map' && b.kind === 'map') {
    return isEqualOrLessSpecific(a.key, b.key) && isEqualOrLessSpecific(a.value, b.value);
  }
  if (a.kind === 'type') return true;
  return isExact(a, b);
}

/** cel-go's mostGeneral. */
export function mostGeneral(a: CelT, b: CelT): CelT {
  return isEqualOrLessSpecific(a, b) ? a : b;
}

/** cel-go's Type.IsAssignableType (`to` accepts values of type `from`) for non-parameterised kinds. */
function defaultAssignable(to: CelT, from: CelT): boolean {
  if (to === from || isDyn(to)) return true;
  if (to.kind !== from.kind || typeName(to) !== typeName(from)) return false;
  const pt = params(to);
  const pf = params(from);
  return pt.length === pf.length && pt.every((p, i) => defaultAssignable(p, pf[i]!));
}

function nullable(t: CelT): boolean {
  return t.kind === 'object' || (t.kind === 'scalar' && (t.name === 'timestamp' || t.name === 'duration' || t.name === 'null'));
}

function notReferencedIn(m: Mapping, t: CelT, within: CelT): boolean {
  if (isExact(t, within)) return false;
  if (within.kind === 'param') {
    const sub = m.get(within.name);
    return sub === undefined ? true : notReferencedIn(m, t, sub);
  }
  return params(within).every((p) => notReferencedIn(m, t, p));
}

function validSubstitution(m: Mapping, t1: CelT, t2: CelT & { kind: 'param' }): [valid: boolean, hasSub: boolean] {
  if (t1.kind === t2.kind && isExact(t1, t2)) return [true, true];
  const sub = m.get(t2.name);
  if (sub !== undefined) {
    if (t1.kind === sub.kind && isExact(t1, sub)) return [true, true];
    if (assignable(m, t1, sub)) {
      const general = mostGeneral(t1, sub);
      if (notReferencedIn(m, t2, general)) m.set(t2.name, general);
      return [true, true];
    }
    return [false, true];
  }
  if (notReferencedIn(m, t2, t1)) {
    m.set(t2.name, t1);
    return [true, false];
  }
  return [false, false];
}

/** cel-go's internalIsAssignable: whether a value of type `t2` may be used where `t1` is expected. */
function assignable(m: Mapping, t1: CelT, t2: CelT): boolean {
  if (t2.kind === 'param') {
    const [valid, hasSub] = validSubstitution(m, t1, t2);
    if (valid) return true;
    if (hasSub) return false;
  }
  if (t1.kind === 'param') return validSubstitution(m, t2, t1)[0];
  if (isDynOrError(t1) || isDynOrError(t2)) return true;
  if (t1.kind === 'scalar' && t1.name === 'null') return nullable(t2);
  if (t2.kind === 'scalar' && t2.name === 'null') return nullable(t1);
  switch (t1.kind) {
    case 'scalar':
    case 'object':
      return defaultAssignable(t2, t1);
    case 'type':
      return t2.kind === 'type';
    case 'list':
    case 'map': {
      const p1 = params(t1);
      const p2 = params(t2);
      return t1.kind === t2.kind && p1.length === p2.length && p1.every((p, i) => assignable(m, p, p2[i]!));
    }
    default:
      return false;
  }
}

/** Whether `to` accepts `from`; on success the mapping carries the new bindings. */
export function isAssignable(m: Mapping, to: CelT, from: CelT): Mapping | undefined {
  const copy = new Map(m);
  return assignable(copy, to, from) ? copy : undefined;
}

/** Whether every `to[i]` accepts `from[i]`. */
export function isAssignableList(m: Mapping, to: readonly CelT[], from: readonly CelT[]): Mapping | undefined {
  if (to.length !== from.length) return undefined;
  const copy = new Map(m);
  return to.every((t, i) => assignable(copy, t, from[i]!)) ? copy : undefined;
}

/** Replaces bound type parameters; unbound ones become `dyn` when `paramToDyn`. */
export function substitute(m: Mapping, t: CelT, paramToDyn: boolean): CelT {
  if (t.kind === 'param') {
    const sub = m.get(t.name);
    if (sub !== undefined) return substitute(m, sub, paramToDyn);
    return paramToDyn ? T.dyn : t;
  }
  switch (t.kind) {
    case 'list':
      return T.list(substitute(m, t.elem, paramToDyn));
    case 'map':
      return T.map(substitute(m, t.key, paramToDyn), substitute(m, t.value, paramToDyn));
    case 'type':
      return t.param ? T.type(substitute(m, t.param, paramToDyn)) : t;
    default:
      return t;
  }
}

/** Renames the type parameters of an overload to fresh ones, so two uses never share a binding. */
export function freshen(t: CelT, names: Map<string, string>, fresh: () => string): CelT {
  switch (t.kind) {
    case 'param': {
      let name = names.get(t.name);
      if (name === undefined) {
        name = fresh();
        names.set(t.name, name);
      }
      return T.param(name);
    }
    case 'list':
      return T.list(freshen(t.elem, names, fresh));
    case 'map':
      return T.map(freshen(t.key, names, fresh), freshen(t.value, names, fresh));
    case 'type':
      return t.param ? T.type(freshen(t.param, names, fresh)) : t;
    default:
      return t;
  }
}

/** Parses a signature type: `int`, `list(A)`, `map(string, dyn)`, `type(A)`; capitals are type parameters. */
export function parseType(text: string): CelT {
  const s = text.replace(/\s+/g, '');
  const open = s.indexOf('(');
  if (open < 0) {
    if (s === 'dyn') return T.dyn;
    if (s === 'type') return T.type();
    if (/^[A-Z]$/.test(s)) return T.param(s);
    if (s in T && typeof T[s as keyof typeof T] === 'object') return T[s as ScalarName];
    throw new Error(`unknown type '${text}'`);
  }
  const head = s.slice(0, open);
  const inner = s.slice(open + 1, -1);
  let depth = 0;
  let cut = -1;
  for (let i = 0; i < inner.length; i++) {
    if (inner[i] === '(') depth++;
    if (inner[i] === ')') depth--;
    if (inner[i] === ',' && depth === 0) cut = i;
  }
  if (head === 'list') return T.list(parseType(inner));
  if (head === 'type') return T.type(parseType(inner));
  if (head === 'map' && cut > 0) return T.map(parseType(inner.slice(0, cut)), parseType(inner.slice(cut + 1)));
  throw new Error(`unknown type '${text}'`);
}
