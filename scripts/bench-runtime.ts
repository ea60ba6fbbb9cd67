/**
 * How long `require('graduated-trust/runtime')` takes in a fresh Node process (the built lib/),
 * and which files it loads: the issue's bar is under 50 ms with nothing outside Node's standard
 * library and the project's own files.
 *
 *   npm run bench:runtime
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

const root = join(__dirname, '..');
const RUNS = 21;
const probe = `
const t = process.hrtime.bigint();
require(${JSON.stringify(join(root, 'lib', 'runtime', 'index.js'))});
const ms = Number(process.hrtime.bigint() - t) / 1e6;
console.log(JSON.stringify({ ms, files: Object.keys(require.cache) }));
`;

const runs = Array.from({ length: RUNS }, () => JSON.parse(execFileSync(process.execPath, ['-e', probe], { encoding: 'utf8' })) as { ms: number; files: string[] });
const times = runs.map((r) => r.ms).sort((a, b) => a - b);
const files = runs[0]!.files.map((f) => f.replace(`${root}/`, ''));
const outside = files.filter((f) => f.includes('node_modules'));
const pct = (p: number) => times[Math.min(times.length - 1, Math.floor(p * times.length))]!.toFixed(1);
console.log(`require('graduated-trust/runtime'), ${RUNS} fresh processes (node ${process.version}): median ${pct(0.5)} ms, p90 ${pct(0.9)} ms, max ${times[times.length - 1]!.toFixed(1)} ms`);
console.log(`${files.length} files loaded, ${outside.length} from node_modules${outside.length ? `: ${outside.join(', ')}` : ''}`);
if (Number(pct(0.5)) >= 50 || outside.length > 0) process.exitCode = 1;
