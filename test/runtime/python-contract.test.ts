import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { evaluate } from '../../src/gate/evaluate';
import { textSource } from '../../src/gate/source';
import { PHASE_VALUES } from '../../src/phase/table';
import { decideAction, parsePhaseConfig } from '../../src/runtime';
import { tempDir } from '../support/cli';
import { MountedConfigMap, synthesizedPhaseConfig } from './support';

const root = join(__dirname, '..', '..');

/** The Python block of docs/agent.md that follows the marker naming this test. */
function pythonExample(): string {
  const doc = readFileSync(join(root, 'docs', 'agent.md'), 'utf8');
  const after = doc.slice(doc.indexOf('test/runtime/python-contract.test.ts'));
  return after.slice(after.indexOf('```python\n') + 10, after.indexOf('\n```', after.indexOf('```python')));
}

const python = spawnSync('python3', ['-c', 'import jsonschema'], { encoding: 'utf8' });
const CONFIDENCES = [0, 0.5, 0.79, 0.8, 0.93, 1];

const open: Array<{ remove(): void }> = [];
afterEach(() => open.splice(0).forEach((m) => m.remove()));

describe.skipIf(python.status !== 0)('the Python example of docs/agent.md (python3 with jsonschema)', () => {
  it('is ten lines after the import', () => {
    expect(pythonExample().split('\n').slice(1)).toHaveLength(10);
  });

  it.each(PHASE_VALUES)('answers as decideAction does and writes a record the gate reads, in phase %i', async (phase) => {
    const data = synthesizedPhaseConfig(phase);
    const mount = new MountedConfigMap(data);
    open.push(mount);
    const cwd = tempDir('gt-python-');
    const script = `${pythonExample()}\nprint(json.dumps([decide(c) for c in ${JSON.stringify(CONFIDENCES)}]))\n`;
    const run = spawnSync('python3', ['-c', script], { cwd, encoding: 'utf8', env: { ...process.env, GT_PHASE_DIR: mount.dir, GT_SCHEMAS: join(root, 'schemas') } });
    expect(run.stderr).toBe('');
    const config = parsePhaseConfig(data);
    expect(JSON.parse(run.stdout)).toEqual(CONFIDENCES.map((confidence) => decideAction(config, { confidence }).kind));
    const evidence = readFileSync(join(cwd, 'evidence.jsonl'), 'utf8');
    expect(JSON.parse(evidence)).toMatchObject({ type: 'incident', agent: 'incident-responder', phase, id: 'INC-1042' });
    const state = { agent: 'incident-responder', phase, since: '2026-01-01T00:00:00Z' };
    const decision = await evaluate({ state, now: new Date(Date.now() + 60_000), evidence: [textSource('evidence.jsonl', evidence)] });
    expect(decision.counts).toMatchObject({ records: 1, otherAgents: 0, future: 0 });
  });

  it('fails on a ConfigMap the schema rejects, before deciding anything', () => {
    const mount = new MountedConfigMap({ ...synthesizedPhaseConfig(4), writesEnabled: 'yes' });
    open.push(mount);
    const run = spawnSync('python3', ['-c', pythonExample()], { cwd: tempDir('gt-python-'), encoding: 'utf8', env: { ...process.env, GT_PHASE_DIR: mount.dir, GT_SCHEMAS: join(root, 'schemas') } });
    expect(run.status).not.toBe(0);
    expect(run.stderr).toContain("'yes' is not one of ['true', 'false']");
  });
});
