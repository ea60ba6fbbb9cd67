/**
 * Loading a module on use. The compiled CLI is CommonJS, where `require` costs a fraction of
 * `import()`: the first `import()` starts Node's ESM loader, about 14 ms of a 50 ms
 * `trust-gate evaluate` on a small file (measured). Under the test runner the modules are
 * TypeScript sources, which only `import()` loads; a `.js` file name tells the two apart.
 */
const COMPILED = __filename.endsWith('.js');

/** `compiled()` (a `require`) in the compiled library, `source()` (the same module's `import()`) elsewhere. */
export async function loadModule<M>(compiled: () => unknown, source: () => Promise<M>): Promise<M> {
  return COMPILED ? (compiled() as M) : source();
}
