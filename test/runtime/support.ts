import { copyFileSync, mkdirSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { exampleApp, STATE_FILE } from '../../examples/k8s-app';
import type { Phase } from '../../src/phase/table';
import { tempDir } from '../support/cli';

/** The example app synthesized at `phase` (from a copy of its state file); its objects. */
export function synthesizedExample(phase: Phase): Array<{ kind: string; metadata: { name: string }; data?: Record<string, string> } & Record<string, unknown>> {
  const dir = tempDir('gt-synth-');
  const state = join(dir, 'state.json');
  copyFileSync(STATE_FILE, state);
  writeFileSync(state, JSON.stringify({ ...JSON.parse(readFileSync(state, 'utf8')), phase }));
  const objects = exampleApp(state).charts.flatMap((c) => c.toJson());
  rmSync(dir, { recursive: true, force: true });
  return objects;
}

/** The phase ConfigMap's data the example app synthesizes in `phase`. */
export function synthesizedPhaseConfig(phase: Phase): Record<string, string> {
  return synthesizedExample(phase).find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'incident-responder-phase')!.data!;
}

/**
 * A directory laid out as the kubelet mounts a ConfigMap: the data in a timestamped directory,
 * `..data` a symlink to it, and each key a symlink `key -> ..data/key`. `update` writes a new
 * version and swaps `..data` atomically (symlink `..data_tmp`, rename over `..data`), as the
 * kubelet's AtomicWriter does, then removes the old version.
 */
export class MountedConfigMap {
  readonly dir = tempDir('gt-mount-');
  private version = 0;
  private current: string | undefined;

  constructor(data: Record<string, string>) {
    this.update(data);
  }

  update(data: Record<string, string>): void {
    const name = `..2026_11_25_08_00_0${++this.version}.000000001`;
    mkdirSync(join(this.dir, name));
    for (const [key, value] of Object.entries(data)) writeFileSync(join(this.dir, name, key), value);
    symlinkSync(name, join(this.dir, '..data_tmp'));
    renameSync(join(this.dir, '..data_tmp'), join(this.dir, '..data'));
    for (const key of Object.keys(data)) {
      try {
        symlinkSync(join('..data', key), join(this.dir, key));
      } catch {
        // the key's link exists from an earlier version
      }
    }
    if (this.current) rmSync(join(this.dir, this.current), { recursive: true });
    this.current = name;
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
