import fc from 'fast-check';
import * as fs from 'node:fs';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { phaseConfigDataSchema } from '../../src/k8s/phase-config';
import { PHASE_VALUES, type Phase } from '../../src/phase/table';
import { parsePhaseConfig, readPhaseConfig } from '../../src/runtime';
import { readConfigMapDir } from '../../src/runtime/phase-config';
import { tempDir } from '../support/cli';
import { MountedConfigMap, synthesizedPhaseConfig } from './support';

const mounts: MountedConfigMap[] = [];
afterEach(() => mounts.splice(0).forEach((m) => m.remove()));

describe('parsePhaseConfig', () => {
  it.each<[Phase, object]>([
    [1, { phase: 1, phaseName: 'Shadow', outputSinkEnabled: false, writesEnabled: false, approvalsRequired: false, escalationConfidence: undefined }],
    [2, { phase: 2, phaseName: 'Read-Only Assist', outputSinkEnabled: true, writesEnabled: false, approvalsRequired: false, escalationConfidence: undefined }],
    [3, { phase: 3, phaseName: 'Limited Remediation', outputSinkEnabled: true, writesEnabled: true, approvalsRequired: true, escalationConfidence: undefined }],
    [4, { phase: 4, phaseName: 'Autonomous', outputSinkEnabled: true, writesEnabled: true, approvalsRequired: false, escalationConfidence: 0.8 }],
  ])('reads what the example app synthesizes in phase %i', (phase, expected) => {
    expect(parsePhaseConfig(synthesizedPhaseConfig(phase))).toEqual({ agent: 'incident-responder', ...expected });
  });

  it('ignores keys it does not know, as a newer library may add some', () => {
    expect(parsePhaseConfig({ ...synthesizedPhaseConfig(2), somethingNew: 'x' }).phase).toBe(2);
  });

  it.each<[string, Record<string, string | undefined>, string]>([
    ['a missing writesEnabled', { writesEnabled: undefined }, 'key "writesEnabled" is missing: must be "true" or "false"'],
    ['a flag "yes"', { outputSinkEnabled: 'yes' }, 'key "outputSinkEnabled" is "yes": must be "true" or "false"'],
    ['phase 5', { phase: '5' }, 'key "phase" is "5": must be "1", "2", "3" or "4"'],
    ['a threshold of 80', { escalationConfidence: '80' }, 'key "escalationConfidence" is "80": must be a number from 0 to 1'],
    ['an empty agent', { agent: '' }, 'key "agent" is "": must be a non-empty string'],
    ...['constructor', '__proto__', 'toString', 'valueOf', 'hasOwnProperty'].map((name): [string, Record<string, string>, string] =>
      [`phase "${name}" (an inherited property, not a phase)`, { phase: name }, `key "phase" is "${name}": must be "1", "2", "3" or "4"`]),
  ])('fails on %s, naming the key, the value and what is allowed', (_what, change, message) => {
    const data = Object.fromEntries(Object.entries({ ...synthesizedPhaseConfig(4), ...change }).filter(([, v]) => v !== undefined)) as Record<string, string>;
    expect(() => parsePhaseConfig(data, '/etc/graduated-trust')).toThrow(`/etc/graduated-trust: ${message}`);
  });

  it('accepts exactly the data the JSON Schema (phaseConfigDataSchema) accepts', () => {
    const value = fc.oneof(fc.constantFrom('1', '2', '4', '5', 'true', 'false', '0.8', '1.0', '0', '.5', '', 'Shadow', 'constructor', '__proto__', 'toString'), fc.string());
    const key = fc.constantFrom('agent', 'phase', 'phaseName', 'outputSinkEnabled', 'writesEnabled', 'approvalsRequired', 'escalationConfidence', 'other');
    const valid = synthesizedPhaseConfig(4);
    fc.assert(fc.property(fc.dictionary(key, fc.option(value, { nil: undefined })), (changes) => {
      const data = Object.fromEntries(Object.entries({ ...valid, ...changes }).filter(([, v]) => v !== undefined)) as Record<string, string>;
      let runtime = true;
      try {
        parsePhaseConfig(data);
      } catch {
        runtime = false;
      }
      expect(runtime).toBe(phaseConfigDataSchema.safeParse(data).success);
    }), { numRuns: 500 });
  });
});

describe('readPhaseConfig', () => {
  it.each(PHASE_VALUES)('reads a ConfigMap mounted as the kubelet does (phase %i)', (phase) => {
    const mount = new MountedConfigMap(synthesizedPhaseConfig(phase));
    mounts.push(mount);
    expect(readPhaseConfig(mount.dir)).toEqual(parsePhaseConfig(synthesizedPhaseConfig(phase)));
  });

  it('reads a plain directory of one file per key', () => {
    const dir = tempDir('gt-plain-');
    for (const [k, v] of Object.entries(synthesizedPhaseConfig(3))) writeFileSync(join(dir, k), v);
    mkdirSync(join(dir, '.hidden'));
    expect(readPhaseConfig(dir).approvalsRequired).toBe(true);
  });

  it('never mixes two versions: a promotion landing between two keys is read again, whole, from the new version', () => {
    const mount = new MountedConfigMap(synthesizedPhaseConfig(3));
    mounts.push(mount);
    let swaps = 0;
    const data = readConfigMapDir(mount.dir, (path) => {
      const text = fs.readFileSync(path, 'utf8');
      if (swaps === 0 && path.endsWith('approvalsRequired')) {
        swaps++;
        mount.update(synthesizedPhaseConfig(4)); // phase 3's version is removed mid-read
      }
      return text;
    });
    expect(swaps).toBe(1);
    expect(parsePhaseConfig(data)).toEqual(parsePhaseConfig(synthesizedPhaseConfig(4)));
  });

  it('keeps reading a version the kubelet has not removed yet only if ..data still points at it', () => {
    const mount = new MountedConfigMap(synthesizedPhaseConfig(3));
    mounts.push(mount);
    let reads = 0;
    const data = readConfigMapDir(mount.dir, (path) => {
      // the swap lands after the last key of phase 3 was read, before the read is checked
      if (++reads === Object.keys(synthesizedPhaseConfig(3)).length) {
        const text = fs.readFileSync(path, 'utf8');
        mount.update(synthesizedPhaseConfig(1));
        return text;
      }
      return fs.readFileSync(path, 'utf8');
    });
    expect(parsePhaseConfig(data).phase).toBe(1);
  });

  it('fails when nothing is mounted, saying where and what to do', () => {
    expect(() => readPhaseConfig('/nonexistent/graduated-trust')).toThrow(/^\/nonexistent\/graduated-trust: cannot read the phase ConfigMap \(ENOENT.*mount <agent>-phase there with wirePod/);
  });
});
