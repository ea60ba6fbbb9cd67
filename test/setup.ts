// vitest runs the TypeScript sources, but graduated-trust/testing loads its cdktf half lazily with
// Node's require, which cannot load .ts files: tsx's CommonJS hook lets it. The published package
// is JavaScript and needs none of this.
import 'tsx/cjs';
