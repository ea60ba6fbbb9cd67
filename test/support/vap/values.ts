/**
 * Plain JSON to CEL values, the way the API server hands objects to CEL: as unstructured maps
 * (staging/src/k8s.io/apiserver/pkg/admission/plugin/cel/condition.go:65-85 in 1.33 converts every
 * typed object with runtime.DefaultUnstructuredConverter; 1.37's SchemalessTypedToVal promises the
 * same values, pkg/cel/common/valuesschemalesstyped.go:32-41). An integral JSON number is a CEL
 * `int`, any other number a `double`.
 *
 * The map type is our own because @bufbuild/cel's NativeMap answers `has()` and `in` with
 * `get(key) != undefined`, which is false for a key whose value is null; CEL (and cel-go) test the key.
 */
import { celList, isCelError, type CelError, type CelValue } from '@bufbuild/cel';

/** Any JSON value. */
export type Json = null | boolean | number | string | readonly Json[] | { readonly [key: string]: Json | undefined };
/** A JSON object. */
export type JsonObject = { readonly [key: string]: Json | undefined };

type Key = string | bigint | boolean | number | { value: bigint };

/** Marks a value as a CelMap for @bufbuild/cel (its `isCelMap` tests this registered symbol). */
const CEL_MAP = Symbol.for('@bufbuild/cel/map');

/** A string-keyed CEL map whose values are computed on first read and kept. */
export class StringMap {
  readonly [CEL_MAP] = {};
  private readonly cache = new Map<string, CelValue | CelError>();

  constructor(private readonly entriesOf: ReadonlyMap<string, () => CelValue | CelError>) {}

  get size(): number {
    return this.entriesOf.size;
  }

  get(key: Key): CelValue | undefined {
    if (typeof key !== 'string') return undefined;
    const value = this.read(key);
    // A CelError stored as a value surfaces as that error where it is read (lazy variables).
    return value as CelValue | undefined;
  }

  has(key: Key): boolean {
    return typeof key === 'string' && this.entriesOf.has(key);
  }

  keys(): IterableIterator<string> {
    return this.entriesOf.keys();
  }

  *values(): IterableIterator<CelValue> {
    for (const key of this.entriesOf.keys()) yield this.read(key) as CelValue;
  }

  *entries(): IterableIterator<[string, CelValue]> {
    for (const key of this.entriesOf.keys()) yield [key, this.read(key) as CelValue];
  }

  [Symbol.iterator](): IterableIterator<[string, CelValue]> {
    return this.entries();
  }

  forEach(callback: (value: CelValue, key: string, map: StringMap) => void, thisArg?: unknown): void {
    for (const [key, value] of this.entries()) callback.call(thisArg, value, key, this);
  }

  private read(key: string): CelValue | CelError | undefined {
    if (this.cache.has(key)) return this.cache.get(key);
    const thunk = this.entriesOf.get(key);
    if (thunk === undefined) return undefined;
    const value = thunk();
    this.cache.set(key, value);
    return value;
  }
}

/** A JSON value as a CEL value. `undefined` object members are dropped, as JSON drops them. */
export function toCelValue(value: Json): CelValue {
  if (value === null || typeof value === 'boolean' || typeof value === 'string') return value;
  if (typeof value === 'number') return Number.isInteger(value) ? BigInt(value) : value;
  if (Array.isArray(value)) return celList((value as readonly Json[]).map(toCelValue));
  const members = new Map<string, () => CelValue>();
  for (const [key, member] of Object.entries(value as JsonObject)) {
    if (member === undefined) continue;
    const converted = toCelValue(member);
    members.set(key, () => converted);
  }
  return new StringMap(members) as unknown as CelValue;
}

/** A map of lazily computed members, e.g. the `variables` of a policy. */
export function lazyMap(members: ReadonlyMap<string, () => CelValue | CelError>): CelValue {
  return new StringMap(members) as unknown as CelValue;
}

/**
 * A cel-go wording for an @bufbuild/cel runtime error, for the two errors policies hit most:
 * a missing map key (`no such key: x`) and a call with no overload for the runtime types.
 */
export function celGoMessage(error: CelError): string {
  const missing = /^field not found: (.*)$/.exec(error.message);
  if (missing) return `no such key: ${missing[1]}`;
  if (/^found no matching overload for/.test(error.message)) return 'no such overload';
  return error.message;
}

/** Whether a value is a CEL error (re-exported for the modules that only import values). */
export function isError(value: unknown): value is CelError {
  return isCelError(value);
}
