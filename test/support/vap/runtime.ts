/**
 * The functions registered with @bufbuild/cel besides its standard library: the string functions
 * of ./strings.ts, and stubs for overloads that a `dyn` receiver may reach at run time but this
 * evaluator cannot run (they throw VapUnsupportedError, which the evaluator rethrows).
 */
import { CelScalar, celMethod, listType, type CelFunc } from '@bufbuild/cel';
import { VapUnsupportedError } from './checker';
import { STRING_FUNCS } from './strings';

export { STRING_FUNCS };

/** Kubernetes lists library `indexOf` on a list (pkg/cel/library/lists.go), reached through `dyn`. */
export const UNSUPPORTED_FUNCS: readonly CelFunc[] = [
  celMethod('indexOf', listType(CelScalar.DYN), [CelScalar.DYN], CelScalar.INT, () => {
    throw new VapUnsupportedError("CEL function 'indexOf' on a list (Kubernetes lists library) is not supported by this evaluator");
  }),
];
