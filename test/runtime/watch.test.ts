import { afterEach, describe, expect, it } from 'vitest';
import { watchPhaseConfig, type PhaseConfig, type PhaseConfigWatch } from '../../src/runtime';
import { MountedConfigMap, synthesizedPhaseConfig } from './support';

const open: Array<{ close(): void }> = [];
afterEach(() => open.splice(0).forEach((o) => o.close()));

function mounted(phase: 1 | 2 | 3 | 4): MountedConfigMap {
  const mount = new MountedConfigMap(synthesizedPhaseConfig(phase));
  open.push({ close: () => mount.remove() });
  return mount;
}

/** Resolves with the next change, or rejects after `ms`. */
function nextChange(start: (onChange: (now: PhaseConfig, before: PhaseConfig) => void) => PhaseConfigWatch, ms = 5000) {
  let watcher!: PhaseConfigWatch;
  const changed = new Promise<[PhaseConfig, PhaseConfig]>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no change noticed within ${ms} ms`)), ms);
    watcher = start((now, before) => {
      clearTimeout(timer);
      resolve([now, before]);
    });
  });
  open.push(watcher);
  return { watcher, changed };
}

describe('watchPhaseConfig', () => {
  it('notices a demotion when the kubelet swaps ..data, through fs.watch alone', async () => {
    const mount = mounted(3);
    const { watcher, changed } = nextChange((onChange) => watchPhaseConfig({ dir: mount.dir, pollIntervalMs: 0, onChange }));
    expect(watcher.current.phase).toBe(3);
    mount.update(synthesizedPhaseConfig(1));
    const [now, before] = await changed;
    expect([before.phase, now.phase]).toEqual([3, 1]);
    expect(now.writesEnabled).toBe(false);
    expect(watcher.current.phase).toBe(1);
  });

  it('notices a promotion by polling alone, where fs.watch is off', async () => {
    const mount = mounted(3);
    const { watcher, changed } = nextChange((onChange) => watchPhaseConfig({ dir: mount.dir, fsWatch: false, pollIntervalMs: 20, onChange }));
    mount.update(synthesizedPhaseConfig(4));
    const [now] = await changed;
    expect(now).toMatchObject({ phase: 4, escalationConfidence: 0.8 });
    expect(watcher.current.phase).toBe(4);
  });

  it('reports nothing when a swap leaves the data as it was', () => {
    const mount = mounted(2);
    const changes: PhaseConfig[] = [];
    const watcher = watchPhaseConfig({ dir: mount.dir, pollIntervalMs: 0, fsWatch: false, onChange: (c) => changes.push(c) });
    open.push(watcher);
    mount.update(synthesizedPhaseConfig(2));
    expect(watcher.check()).toBe(false);
    expect(changes).toEqual([]);
  });

  it('keeps the last good config and reports a broken update once', () => {
    const mount = mounted(2);
    const errors: string[] = [];
    const watcher = watchPhaseConfig({ dir: mount.dir, pollIntervalMs: 0, fsWatch: false, onChange: () => {}, onError: (e) => errors.push(e.message) });
    open.push(watcher);
    mount.update({ ...synthesizedPhaseConfig(4), writesEnabled: 'maybe' });
    expect(watcher.check()).toBe(false);
    expect(watcher.check()).toBe(false);
    expect(watcher.current.phase).toBe(2);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain('key "writesEnabled" is "maybe"');
  });

  it('passes what onChange throws during a background poll to onError, and keeps the new config', async () => {
    const mount = mounted(3);
    const errors: string[] = [];
    const reported = new Promise<void>((resolve) => {
      const watcher = watchPhaseConfig({
        dir: mount.dir, fsWatch: false, pollIntervalMs: 20,
        onChange: () => { throw new Error('the agent\'s handler failed'); },
        onError: (e) => { errors.push(e.message); resolve(); },
      });
      open.push(watcher);
      mount.update(synthesizedPhaseConfig(1));
    });
    await reported;
    expect(errors).toEqual(["the agent's handler failed"]);
  });

  it('fails at the start when nothing is mounted', () => {
    expect(() => watchPhaseConfig({ dir: '/nonexistent/graduated-trust', onChange: () => {} })).toThrow(/cannot read the phase ConfigMap/);
  });
});
