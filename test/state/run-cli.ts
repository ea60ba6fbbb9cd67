/** `trust-gate ARGS` from the sources, as a process of its own: for tests that need real concurrent processes. */
import { main } from '../../src/cli/main';

main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
