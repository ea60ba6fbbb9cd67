/**
 * Compiles one admission CEL expression as cel-go would in the API server
 * (staging/src/k8s.io/apiserver/pkg/admission/plugin/cel/compile.go:167-223): parse, type-check,
 * require one of the expression's return types (exactly: `dyn` is not `bool`), then plan a program.
 * Compile errors carry cel-go's `ERROR: <input>:line:col: message` rendering with the source snippet.
 */
import { celEnv, isCelError, parse, plan, type CelError, type CelResult, type CelValue } from '@bufbuild/cel';
import { check, VapUnsupportedError, type CheckEnv, type CheckIssue, type Expr } from './checker';
import { STRING_FUNCS, UNSUPPORTED_FUNCS } from './runtime';
import { formatType, isExact, type CelT } from './types';

/** A compiled expression: a program to run, or the compile error the API server reports. */
export type Compiled =
  | { readonly ok: true; readonly expression: string; readonly type: CelT; readonly run: (vars: Record<string, CelValue>) => CelResult }
  | { readonly ok: false; readonly expression: string; readonly error: string };

const ENV = celEnv({ funcs: [...STRING_FUNCS, ...UNSUPPORTED_FUNCS] });

/** Source position (line, 0-based column) of an offset, in code points as cel-go counts them. */
function location(source: string, offset: number): { line: number; column: number; text: string } {
  const lines = source.split('\n');
  let rest = offset;
  for (let i = 0; i < lines.length; i++) {
    const len = lines[i]!.length;
    if (rest <= len) return { line: i + 1, column: [...lines[i]!.slice(0, rest)].length, text: lines[i]! };
    rest -= len + 1;
  }
  return { line: lines.length, column: 0, text: lines[lines.length - 1] ?? '' };
}

/** cel-go common.Error.ToDisplayString. */
function display(source: string, offset: number, message: string): string {
  const { line, column, text } = location(source, offset);
  const snippet = text.replace(/\t/g, ' ');
  const pointer = [...snippet].slice(0, column).map((ch) => (ch.length > 1 || ch.charCodeAt(0) > 0x7f ? '\uff0e' : '.')).join('');
  return `ERROR: <input>:${line}:${column + 1}: ${message}\n | ${snippet}\n | ${pointer}^`;
}

function positionOf(parsed: ReturnType<typeof parse>, id: bigint): number {
  const positions = parsed.sourceInfo?.positions as Record<string, number> | undefined;
  return positions?.[id.toString()] ?? 0;
}

function issuesText(source: string, parsed: ReturnType<typeof parse>, issues: readonly CheckIssue[]): string {
  return issues
    .map((i) => ({ offset: positionOf(parsed, i.id), message: i.message }))
    .sort((a, b) => a.offset - b.offset)
    .map((i) => display(source, i.offset, i.message))
    .join('\n');
}

/** Optional-type syntax (`x.?f`, `m[?k]`, `[?e]`) that the @bufbuild/cel parser cannot read. */
const OPTIONAL_SYNTAX = /\.\?|\[\?|\{\s*\?/;

/**
 * Compiles `expression` against `env`. `returnTypes` are the types the expression may have
 * (a validation: `bool`; a messageExpression: `string`; a variable: any, given as undefined).
 */
export function compile(expression: string, env: CheckEnv, returnTypes?: readonly CelT[]): Compiled {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(expression);
  } catch (err) {
    if (OPTIONAL_SYNTAX.test(expression)) {
      throw new VapUnsupportedError(`optional-type syntax in '${expression}' is not supported by this evaluator`);
    }
    const message = (err as Error).message.replace(/^<input>:\d+:\d+: /, '');
    const at = /^<input>:(\d+):(\d+):/.exec((err as Error).message);
    const offset = at ? offsetOf(expression, Number(at[1]), Number(at[2]) - 1) : 0;
    return { ok: false, expression, error: `compilation failed: ${display(expression, offset, `Syntax error: ${message}`)}` };
  }
  const checked = check(parsed.expr as Expr, env);
  if (checked.issues.length > 0) {
    return { ok: false, expression, error: `compilation failed: ${issuesText(expression, parsed, checked.issues)}` };
  }
  if (returnTypes && !returnTypes.some((t) => isExact(checked.type, t))) {
    const reason =
      returnTypes.length === 1
        ? `must evaluate to ${formatType(returnTypes[0]!)} but got ${formatType(checked.type)}`
        : `must evaluate to one of [${returnTypes.map(formatType).join(' ')}] but got ${formatType(checked.type)}`;
    return { ok: false, expression, error: reason };
  }
  const program = plan(ENV, parsed);
  return { ok: true, expression, type: checked.type, run: (vars) => program(vars) };
}

function offsetOf(source: string, line: number, column: number): number {
  const lines = source.split('\n');
  let offset = 0;
  for (let i = 0; i < line - 1 && i < lines.length; i++) offset += lines[i]!.length + 1;
  return offset + column;
}

/** The VapUnsupportedError behind an evaluation error, if a refused function raised it. */
export function unsupportedCause(error: CelError): VapUnsupportedError | undefined {
  const search = (value: unknown, depth: number): VapUnsupportedError | undefined => {
    if (value instanceof VapUnsupportedError) return value;
    if (depth > 8 || typeof value !== 'object' || value === null) return undefined;
    if (Array.isArray(value)) {
      for (const item of value) {
        const found = search(item, depth + 1);
        if (found) return found;
      }
      return undefined;
    }
    return search((value as { cause?: unknown }).cause, depth + 1);
  };
  return search(error, 0);
}

export { isCelError };
