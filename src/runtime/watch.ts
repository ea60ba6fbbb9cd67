/**
 * Noticing a promotion or demotion while the agent runs. Kubernetes updates a mounted ConfigMap
 * by writing the new version into a fresh directory and renaming a symlink over `..data`; the
 * watcher re-reads on every change `fs.watch` reports in the mount directory and, because
 * `fs.watch` is not reliable everywhere (network filesystems, some container runtimes), also
 * polls.
 */
import { watch, type FSWatcher } from 'node:fs';
import { PHASE_CONFIG_DIR, readMountedPhaseConfig, type PhaseConfig } from './phase-config';

/** Options of `watchPhaseConfig`. */
export interface WatchPhaseConfigOptions {
  /** @default PHASE_CONFIG_DIR (`/etc/graduated-trust`) */
  readonly dir?: string;
  /**
   * How often to re-read the directory whatever `fs.watch` reports, in milliseconds; 0 turns
   * polling off.
   * @default 2000 (the kubelet itself syncs mounted ConfigMaps about once a minute)
   */
  readonly pollIntervalMs?: number;
  /**
   * Whether to use `fs.watch` besides polling; turn it off where it misreports.
   * @default true
   */
  readonly fsWatch?: boolean;
  /** Called with the new config and the one it replaces, once per change of the data; what it throws from a background re-read goes to `onError`. */
  readonly onChange: (config: PhaseConfig, previous: PhaseConfig) => void;
  /**
   * Called when a re-read fails (a key went wrong, the mount disappeared); the last good config
   * stays current, since admission, not this file, bounds what the agent can do.
   * @default errors are ignored
   */
  readonly onError?: (error: Error) => void;
}

/** A running watch of the phase ConfigMap. */
export interface PhaseConfigWatch {
  /** The config as last read successfully. */
  readonly current: PhaseConfig;
  /** Re-reads now (what `fs.watch` and the poll call); true when the config changed. */
  check(): boolean;
  /** Stops watching and polling. */
  close(): void;
}

const key = (data: Record<string, string>) => JSON.stringify(data);

/**
 * Reads the phase ConfigMap and watches it: `onChange` gets every change of its data (a
 * promotion, a demotion, a new escalation threshold). Throws when the first read fails. The
 * watcher and timer do not keep the process alive.
 * @example
 * const phase = watchPhaseConfig({ onChange: (now, before) => log(`phase ${before.phase} -> ${now.phase}`) });
 * if (decideAction(phase.current, { confidence }).kind === 'act') …
 */
export function watchPhaseConfig(options: WatchPhaseConfigOptions): PhaseConfigWatch {
  const dir = options.dir ?? PHASE_CONFIG_DIR;
  const first = readMountedPhaseConfig(dir);
  let current = first.config;
  let seen = key(first.data);
  let watcher: FSWatcher | undefined;
  let timer: NodeJS.Timeout | undefined;

  let failed = ''; // the last error reported, so a broken mount is reported once, not every poll
  const check = (): boolean => {
    let read: ReturnType<typeof readMountedPhaseConfig>;
    try {
      read = readMountedPhaseConfig(dir);
    } catch (e) {
      if ((e as Error).message !== failed) options.onError?.(e as Error);
      failed = (e as Error).message;
      return false;
    }
    failed = '';
    if (key(read.data) === seen) return false;
    seen = key(read.data);
    const previous = current;
    current = read.config;
    options.onChange(current, previous);
    return true;
  };

  // From fs.watch and the timer, an `onChange` that throws goes to `onError`, not up the event loop.
  const background = (): void => {
    try {
      check();
    } catch (e) {
      options.onError?.(e as Error);
    }
  };
  if (options.fsWatch !== false) {
    try {
      watcher = watch(dir, { persistent: false }, background);
      watcher.on('error', () => {
        watcher?.close();
        watcher = undefined; // polling goes on
      });
    } catch {
      watcher = undefined; // fs.watch unsupported here: polling only
    }
  }
  const interval = options.pollIntervalMs ?? 2000;
  if (interval > 0) {
    timer = setInterval(background, interval);
    timer.unref();
  }
  return {
    get current() {
      return current;
    },
    check,
    close() {
      watcher?.close();
      if (timer) clearInterval(timer);
    },
  };
}
