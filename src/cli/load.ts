/**
 * Loading a module of the CLI on use. The compiled CLI is CommonJS, where `require` costs a
 * fraction of `import()`: the first `import()` starts Node's ESM loader, about 14 ms of a 50 ms
 * `trust-gate evaluate` on a small file (measured). Under the test runner the modules are
 * TypeScript sources, which only `import()` loads; a `.js` file name tells the two apart.
 */
const COMPILED = __filename.endsWith('.js');

/** The module at `path`, relative to this folder (src/cli), e.g. `./evaluate.js` or `../gate/policy-file.js`. */
export async function loadModule<M>(path: string): Promise<M> {
  return COMPILED ? (require(path) as M) : ((await import(/* @vite-ignore */ path)) as M);
}
