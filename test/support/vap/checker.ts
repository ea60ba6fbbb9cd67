/**
 * A CEL type checker for the Kubernetes admission environment, a port of cel-go v0.23
 * `checker/checker.go` (overload resolution, field selection, comprehensions) and of the AST
 * validators Kubernetes enables from 1.29 (environment/base.go:106-117: homogeneous aggregate
 * literals, regex, duration and timestamp literals). @bufbuild/cel has no usable checker (its
 * `check()` only handles constants and identifiers), yet the API server rejects, at compile time,
 * what the checker rejects: an undeclared name, an undefined field of `request`, a call with no
 * matching overload, a validation whose type is not `bool`.
 */
import { isCelError, parse, run } from '@bufbuild/cel';
import { NAMESPACE_TYPE, overloadsOf, TYPE_IDENTS, unsupportedLibrary, type Overload } from './declarations';
import {
  formatType,
  freshen,
  isAssignable,
  isAssignableList,
  isExact,
  mostGeneral,
  substitute,
  T,
  type CelT,
  type Mapping,
} from './types';

/** A parsed expression node of @bufbuild/cel. */
export type Expr = ReturnType<typeof parse>['expr'];

/** Thrown for CEL the evaluator cannot evaluate faithfully; never turned into a decision. */
export class VapUnsupportedError extends Error {
  override readonly name = 'VapUnsupportedError';
}

/** The declarations an expression is checked against. */
export interface CheckEnv {
  /** Declared variables and their types (`object`, `request`, `variables`, ...). */
  readonly variables: ReadonlyMap<string, CelT>;
  /** Kubernetes minor version whose libraries are declared. */
  readonly minor: number;
}

/** A type error at an expression node. */
export interface CheckIssue {
  readonly id: bigint;
  readonly message: string;
}

/** The checked type of the whole expression, and every issue found. */
export interface CheckResult {
  readonly type: CelT;
  readonly issues: readonly CheckIssue[];
}

/** Variables this evaluator declares but cannot bind (the authorizer library). */
const UNBOUND_VARIABLES = new Set(['authorizer', 'authorizer.requestResource']);

/** Type-checks a parsed expression. Throws VapUnsupportedError for functions it cannot run. */
export function check(expr: Expr, env: CheckEnv): CheckResult {
  const checker = new Checker(env);
  checker.check(expr);
  const types = new Map<bigint, CelT>();
  for (const [id, t] of checker.types) types.set(id, substitute(checker.mapping, t, true));
  // cel-go runs the AST validators only on an expression that type-checked (cel/env.go Check).
  const issues = checker.issues.length > 0 ? checker.issues : validateLiterals(expr, types);
  return { type: types.get(expr.id) ?? T.error, issues };
}

/** The dotted name a select chain spells, e.g. `authorizer.requestResource`. */
function qualifiedName(e: Expr): string | undefined {
  if (e.exprKind.case === 'identExpr') return e.exprKind.value.name;
  if (e.exprKind.case === 'selectExpr' && !e.exprKind.value.testOnly && e.exprKind.value.operand) {
    const prefix = qualifiedName(e.exprKind.value.operand);
    return prefix === undefined ? undefined : `${prefix}.${e.exprKind.value.field}`;
  }
  return undefined;
}

function unsupported(name: string, minor: number): VapUnsupportedError | undefined {
  if (UNBOUND_VARIABLES.has(name)) {
    return new VapUnsupportedError(`'${name}' (Kubernetes authorizer library) is not supported by this evaluator`);
  }
  const lib = unsupportedLibrary(name, minor);
  return lib && new VapUnsupportedError(`CEL function '${name}' (${lib.name}) is not supported by this evaluator`);
}

class Checker {
  readonly types = new Map<bigint, CelT>();
  readonly issues: CheckIssue[] = [];
  mapping: Mapping = new Map();
  private counter = 0;
  private scopes: Map<string, CelT>[] = [];

  constructor(private readonly env: CheckEnv) {}

  check(e: Expr): void {
    const k = e.exprKind;
    switch (k.case) {
      case 'constExpr':
        return this.set(e, constantType(k.value.constantKind.case));
      case 'identExpr':
        return this.checkIdent(e, k.value.name);
      case 'selectExpr':
        return this.checkSelect(e, k.value.operand!, k.value.field, k.value.testOnly);
      case 'callExpr':
        return this.checkCall(e, k.value.function, k.value.target, k.value.args);
      case 'listExpr':
        return this.checkList(e, k.value.elements);
      case 'structExpr':
        return this.checkStruct(e, k.value);
      case 'comprehensionExpr':
        return this.checkComprehension(e, k.value);
      default:
        this.issue(e, 'unexpected expression kind');
        this.set(e, T.error);
    }
  }

  private lookupIdent(name: string): CelT | undefined {
    for (let i = this.scopes.length - 1; i >= 0; i--) {
      const t = this.scopes[i]!.get(name);
      if (t) return t;
    }
    const err = UNBOUND_VARIABLES.has(name) ? unsupported(name, this.env.minor) : undefined;
    if (err) throw err;
    return this.env.variables.get(name) ?? TYPE_IDENTS.get(name);
  }

  private checkIdent(e: Expr, name: string): void {
    const t = this.lookupIdent(name);
    if (t) return this.set(e, t);
    this.issue(e, `undeclared reference to '${name}' (in container '')`);
    this.set(e, T.error);
  }

  private checkSelect(e: Expr, operand: Expr, field: string, testOnly: boolean): void {
    const qname = testOnly ? undefined : qualifiedName(e);
    if (qname !== undefined) {
      const t = this.lookupIdent(qname);
      if (t) return this.set(e, t);
    }
    this.check(operand);
    const target = substitute(this.mapping, this.typeOf(operand), false);
    let result: CelT;
    switch (target.kind) {
      case 'map':
        result = target.value;
        break;
      case 'object': {
        const ft = target.fields.get(field);
        if (!ft) this.issue(e, `undefined field '${field}'`);
        result = ft ?? T.error;
        break;
      }
      case 'param':
        this.assignable(T.dyn, target);
        result = T.dyn;
        break;
      case 'dyn':
      case 'error':
        result = T.dyn;
        break;
      default:
        this.issue(e, `type '${formatType(target)}' does not support field selection`);
        result = T.dyn;
    }
    this.set(e, testOnly ? T.bool : substitute(this.mapping, result, false));
  }

  private checkCall(e: Expr, name: string, target: Expr | undefined, args: readonly Expr[]): void {
    for (const arg of args) this.check(arg);
    if (target && (name === 'all' || name === 'exists' || name === 'existsOne') && args.length === 3) {
      const err = unsupported(name, this.env.minor);
      if (err) throw err;
    }
    if (target) {
      const prefix = qualifiedName(target);
      if (prefix !== undefined && !this.lookupIdent(prefix)) {
        const qualified = `${prefix}.${name}`;
        const err = unsupported(qualified, this.env.minor);
        if (err) throw err;
        const overloads = overloadsOf(qualified);
        if (overloads) return this.resolve(e, qualified, overloads, undefined, args);
      }
      this.check(target);
    }
    const overloads = overloadsOf(name);
    const err = unsupported(name, this.env.minor);
    if (!overloads && err) throw err;
    if (!overloads) {
      this.issue(e, `undeclared reference to '${name}' (in container '')`);
      return this.set(e, T.error);
    }
    this.resolve(e, name, overloads, target, args);
  }

  private resolve(e: Expr, name: string, overloads: readonly Overload[], target: Expr | undefined, args: readonly Expr[]): void {
    const argTypes = [...(target ? [target] : []), ...args].map((a) => this.typeOf(a));
    if (name === '_&&_' || name === '_||_') {
      let ok = true;
      args.forEach((arg, i) => {
        if (!this.assignable(argTypes[i]!, T.bool)) {
          this.issue(arg, `expected type 'bool' but found '${formatType(argTypes[i]!)}'`);
          ok = false;
        }
      });
      return this.set(e, ok ? T.bool : T.error);
    }
    let result: CelT | undefined;
    let supported = false;
    for (const overload of overloads) {
      if (overload.member !== (target !== undefined)) continue;
      const names = new Map<string, string>();
      const fresh = (): string => `_var${this.counter++}`;
      const candidate = overload.args.map((t) => freshen(t, names, fresh));
      const next = isAssignableList(this.mapping, argTypes, candidate);
      if (!next) continue;
      this.mapping = next;
      supported ||= overload.supported;
      const fnResult = substitute(this.mapping, freshen(overload.result, names, fresh), false);
      if (result === undefined) result = fnResult;
      else if (result.kind !== 'dyn' && !isExact(fnResult, result)) result = T.dyn;
    }
    if (result === undefined) {
      const shown = argTypes.map((t) => formatType(substitute(this.mapping, t, true)));
      const signature = target ? `${shown[0]}.(${shown.slice(1).join(', ')})` : `(${shown.join(', ')})`;
      this.issue(e, `found no matching overload for '${name}' applied to '${signature}'`);
      return this.set(e, T.error);
    }
    if (!supported) {
      throw new VapUnsupportedError(`CEL function '${name}' with these argument types is not supported by this evaluator`);
    }
    this.set(e, result);
  }

  private checkList(e: Expr, elements: readonly Expr[]): void {
    let elem: CelT | undefined;
    for (const el of elements) {
      this.check(el);
      elem = this.join(elem, this.typeOf(el));
    }
    this.set(e, T.list(elem ?? this.typeVar()));
  }

  private checkStruct(e: Expr, struct: Extract<Expr['exprKind'], { case: 'structExpr' }>['value']): void {
    if (struct.messageName !== '') {
      for (const entry of struct.entries) if (entry.value) this.check(entry.value);
      this.issue(e, `undeclared reference to '${struct.messageName}' (in container '')`);
      return this.set(e, T.error);
    }
    let key: CelT | undefined;
    let value: CelT | undefined;
    for (const entry of struct.entries) {
      if (entry.keyKind.case !== 'mapKey' || !entry.value) continue;
      this.check(entry.keyKind.value);
      key = this.join(key, this.typeOf(entry.keyKind.value));
      this.check(entry.value);
      value = this.join(value, this.typeOf(entry.value));
    }
    this.set(e, T.map(key ?? this.typeVar(), value ?? this.typeVar()));
  }

  private checkComprehension(e: Expr, c: Extract<Expr['exprKind'], { case: 'comprehensionExpr' }>['value']): void {
    this.check(c.iterRange!);
    this.check(c.accuInit!);
    const range = substitute(this.mapping, this.typeOf(c.iterRange!), false);
    const accuType = this.typeOf(c.accuInit!);
    this.scopes.push(new Map([[c.accuVar, accuType]]));
    let varType: CelT;
    switch (range.kind) {
      case 'list':
        varType = range.elem;
        break;
      case 'map':
        varType = range.key;
        break;
      case 'dyn':
      case 'error':
      case 'param':
        this.assignable(T.dyn, range);
        varType = T.dyn;
        break;
      default:
        this.issue(
          c.iterRange!,
          `expression of type '${formatType(range)}' cannot be range of a comprehension (must be list, map, or dynamic)`,
        );
        varType = T.error;
    }
    this.scopes.push(new Map([[c.iterVar, varType]]));
    this.check(c.loopCondition!);
    this.assertType(c.loopCondition!, T.bool);
    this.check(c.loopStep!);
    this.assertType(c.loopStep!, accuType);
    this.scopes.pop();
    this.check(c.result!);
    this.scopes.pop();
    this.set(e, substitute(this.mapping, this.typeOf(c.result!), false));
  }

  /** cel-go joinTypes with dyn aggregate literal element types (v0.23 checks homogeneity afterwards). */
  private join(previous: CelT | undefined, current: CelT): CelT {
    if (previous === undefined) return current;
    return this.assignable(previous, current) ? mostGeneral(previous, current) : T.dyn;
  }

  private assertType(e: Expr, t: CelT): void {
    if (!this.assignable(t, this.typeOf(e))) {
      this.issue(e, `expected type '${formatType(t)}' but found '${formatType(this.typeOf(e))}'`);
    }
  }

  private assignable(to: CelT, from: CelT): boolean {
    const next = isAssignable(this.mapping, to, from);
    if (next) this.mapping = next;
    return next !== undefined;
  }

  private typeVar(): CelT {
    return T.param(`_var${this.counter++}`);
  }

  private typeOf(e: Expr): CelT {
    return this.types.get(e.id) ?? T.error;
  }

  private set(e: Expr, t: CelT): void {
    this.types.set(e.id, t);
  }

  private issue(e: Expr, message: string): void {
    this.issues.push({ id: e.id, message });
  }
}

function constantType(kind: string | undefined): CelT {
  switch (kind) {
    case 'nullValue':
      return T.null;
    case 'boolValue':
      return T.bool;
    case 'int64Value':
      return T.int;
    case 'uint64Value':
      return T.uint;
    case 'doubleValue':
      return T.double;
    case 'stringValue':
      return T.string;
    case 'bytesValue':
      return T.bytes;
    default:
      return T.error;
  }
}

function* nodes(e: Expr): Generator<Expr> {
  yield e;
  const k = e.exprKind;
  switch (k.case) {
    case 'selectExpr':
      if (k.value.operand) yield* nodes(k.value.operand);
      break;
    case 'callExpr':
      if (k.value.target) yield* nodes(k.value.target);
      for (const a of k.value.args) yield* nodes(a);
      break;
    case 'listExpr':
      for (const a of k.value.elements) yield* nodes(a);
      break;
    case 'structExpr':
      for (const entry of k.value.entries) {
        if (entry.keyKind.case === 'mapKey') yield* nodes(entry.keyKind.value);
        if (entry.value) yield* nodes(entry.value);
      }
      break;
    case 'comprehensionExpr':
      for (const part of [k.value.iterRange, k.value.accuInit, k.value.loopCondition, k.value.loopStep, k.value.result]) {
        if (part) yield* nodes(part);
      }
      break;
    default:
      break;
  }
}

/** A literal argument that cel-go's format validators would reject (cel/validator.go formatValidator). */
function invalidLiteral(fn: string, literal: Expr): boolean {
  if (literal.exprKind.case !== 'constExpr') return false;
  const c = literal.exprKind.value.constantKind;
  if (c.case !== 'stringValue' && !(fn !== 'matches' && c.case === 'int64Value')) return false;
  const arg = c.value;
  const probe = fn === 'matches' ? run("''.matches(x)", { x: arg }) : run(`${fn}(x)`, { x: arg });
  return isCelError(probe);
}

/** Kubernetes' AST validators (base.go:106-117) over the checked types. */
function validateLiterals(root: Expr, types: ReadonlyMap<bigint, CelT>): CheckIssue[] {
  const issues: CheckIssue[] = [];
  const typeOf = (e: Expr): CelT => types.get(e.id) ?? T.error;
  const mismatch = (e: Expr, expected: CelT, actual: CelT): void => {
    issues.push({ id: e.id, message: `expected type '${formatType(expected)}' but found '${formatType(actual)}'` });
  };
  for (const e of nodes(root)) {
    const k = e.exprKind;
    if (k.case === 'callExpr' && ['matches', 'duration', 'timestamp'].includes(k.value.function)) {
      const arg = k.value.args[0];
      if (arg && invalidLiteral(k.value.function, arg)) issues.push({ id: arg.id, message: `invalid ${k.value.function} argument` });
    }
    if (k.case === 'listExpr') {
      const [first, ...rest] = k.value.elements;
      const bad = first && rest.find((el) => !isExact(typeOf(first), typeOf(el)));
      if (first && bad) mismatch(bad, typeOf(first), typeOf(bad));
    }
    if (k.case === 'structExpr' && k.value.messageName === '') {
      const entries = k.value.entries.flatMap((en) => (en.keyKind.case === 'mapKey' && en.value ? [[en.keyKind.value, en.value] as const] : []));
      const [first, ...rest] = entries;
      for (const [key, value] of first ? rest : []) {
        if (!isExact(typeOf(first![0]), typeOf(key))) mismatch(key, typeOf(first![0]), typeOf(key));
        if (!isExact(typeOf(first![1]), typeOf(value))) mismatch(value, typeOf(first![1]), typeOf(value));
      }
    }
  }
  return issues;
}

/** The declared type of `namespaceObject`, re-exported for the environment builder. */
export { NAMESPACE_TYPE };
