/**
 * Writes the example's synthesized output at every phase into test/fixtures/synth/phase-N/
 * (dist/ from cdk8s, cdktf.out/ from cdktf), for the analysis tests. The committed state file is
 * never touched: each phase is synthesized from a copy in a temp dir.
 *
 *   npx tsx scripts/synth-fixtures.ts
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App as TfApp } from 'cdktf';
import { exampleApp, STATE_FILE } from '../examples/k8s-app';
import { buildStack } from '../examples/tf-app';

const root = join(__dirname, '..', 'test', 'fixtures', 'synth');

for (const phase of [1, 2, 3, 4]) {
  const tmp = mkdtempSync(join(tmpdir(), 'gt-fixture-'));
  const state = join(tmp, 'state.json');
  copyFileSync(STATE_FILE, state);
  writeFileSync(state, JSON.stringify({ ...JSON.parse(readFileSync(state, 'utf8')), phase }, null, 2));
  const out = join(root, `phase-${phase}`);
  rmSync(out, { recursive: true, force: true });
  mkdirSync(join(out, 'dist'), { recursive: true });
  writeFileSync(join(out, 'dist', 'incident-responder.k8s.yaml'), exampleApp(state).synthYaml());
  const app = new TfApp({ outdir: join(tmp, 'cdktf.out') });
  const stack = buildStack(app, state);
  mkdirSync(join(out, 'cdktf.out', 'stacks', 'incident-responder'), { recursive: true });
  writeFileSync(join(out, 'cdktf.out', 'stacks', 'incident-responder', 'cdk.tf.json'), JSON.stringify(stack.toTerraform(), null, 2) + '\n');
  rmSync(tmp, { recursive: true, force: true });
  process.stdout.write(`wrote ${out}\n`);
}
