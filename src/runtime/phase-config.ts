/**
 * The phase ConfigMap as the agent reads it inside its pod: one file per key, mounted read-only
 * (by `wirePod`) at `/etc/graduated-trust`. Checked by hand against the same contract as
 * `phaseConfigDataSchema` (`schemas/phase-config.schema.json`), so the runtime needs no zod.
 */
import { existsSync, readdirSync, readFileSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { TrustError } from '../errors';

/** Where `wirePod` mounts the phase ConfigMap in the agent's containers. */
export const PHASE_CONFIG_DIR = '/etc/graduated-trust';

/** A trust phase: 1 Shadow, 2 Read-Only Assist, 3 Limited Remediation, 4 Autonomous. */
export type RuntimePhase = 1 | 2 | 3 | 4;

/** What the agent's phase allows it, as the mounted ConfigMap says. */
export interface PhaseConfig {
  /** The agent's name (the `agent` of its evidence, `--agent` of `trust-gate approve`). */
  readonly agent: string;
  readonly phase: RuntimePhase;
  readonly phaseName: string;
  /** Its output reaches a human; `false`: log only. */
  readonly outputSinkEnabled: boolean;
  /** Admission admits writes (the declared actions) at all. */
  readonly writesEnabled: boolean;
  /** Each write needs a single-use operator approval. */
  readonly approvalsRequired: boolean;
  /** Below this confidence the agent escalates instead of acting; undefined where it never acts alone. */
  readonly escalationConfidence: number | undefined;
}

const PHASES: Readonly<Record<string, RuntimePhase>> = { 1: 1, 2: 2, 3: 3, 4: 4 };
/** A confidence threshold as the ConfigMap writes it: a decimal from 0 to 1. */
export const CONFIDENCE_TEXT = /^(0(\.\d+)?|1(\.0+)?)$/;

function invalid(where: string, key: string, value: string | undefined, allowed: string): never {
  const got = value === undefined ? 'is missing' : `is ${JSON.stringify(value)}`;
  throw new TrustError(
    'GT_PHASE_CONFIG_INVALID',
    `key "${key}" ${got}: must be ${allowed}; mount the ConfigMap TrustPhasedAgent renders (<agent>-phase, see wirePod), synthesized by this version of graduated-trust`,
    where,
  );
}

function text(data: Readonly<Record<string, string>>, key: string, where: string): string {
  const value = data[key];
  if (typeof value !== 'string' || value.length === 0) invalid(where, key, value, 'a non-empty string');
  return value;
}

function flag(data: Readonly<Record<string, string>>, key: string, where: string): boolean {
  const value = data[key];
  if (value !== 'true' && value !== 'false') invalid(where, key, value, '"true" or "false"');
  return value === 'true';
}

/**
 * The phase config of a ConfigMap's data. Unknown keys are ignored (a newer library may add
 * some). Throws GT_PHASE_CONFIG_INVALID naming the key, the value and what is allowed.
 * @example parsePhaseConfig({ agent: 'a', phase: '2', phaseName: 'Read-Only Assist', outputSinkEnabled: 'true', writesEnabled: 'false', approvalsRequired: 'false' })
 */
export function parsePhaseConfig(data: Readonly<Record<string, string>>, where = 'phase ConfigMap'): PhaseConfig {
  const agent = text(data, 'agent', where);
  const raw = data['phase'];
  const phase = raw !== undefined && Object.hasOwn(PHASES, raw) ? PHASES[raw] : undefined; // own keys only: not "constructor", "__proto__"
  if (phase === undefined) invalid(where, 'phase', data['phase'], '"1", "2", "3" or "4"');
  const confidence = data['escalationConfidence'];
  if (confidence !== undefined && !CONFIDENCE_TEXT.test(confidence)) invalid(where, 'escalationConfidence', confidence, 'a number from 0 to 1, or absent');
  return {
    agent,
    phase,
    phaseName: text(data, 'phaseName', where),
    outputSinkEnabled: flag(data, 'outputSinkEnabled', where),
    writesEnabled: flag(data, 'writesEnabled', where),
    approvalsRequired: flag(data, 'approvalsRequired', where),
    escalationConfidence: confidence === undefined ? undefined : Number(confidence),
  };
}

/** Attempts to read one version while the kubelet keeps swapping `..data`. */
const VERSION_READS = 3;

/** Reads one key's file. */
export type KeyReader = (path: string) => string;

const readKey: KeyReader = (path) => readFileSync(path, 'utf8');

function readKeys(from: string, read: KeyReader): Record<string, string> {
  const data: Record<string, string> = {};
  for (const key of readdirSync(from).sort()) {
    if (key.startsWith('.')) continue;
    data[key] = read(join(from, key));
  }
  return data;
}

/**
 * The keys and values of a mounted ConfigMap directory, read from one version of it: Kubernetes
 * points `..data` at the current version and swaps that link atomically, so every key is read
 * from the link's target, and the read counts only if `..data` still points there afterwards:
 * never half old and half new (an old version deleted mid-read fails the read, and it is retried).
 * A plain directory (no `..data`) is read as it is. Throws after {@link VERSION_READS} swaps in a row.
 * @param read how one key's file is read (tests swap the mount between two keys with it)
 */
export function readConfigMapDir(dir: string, read: KeyReader = readKey): Record<string, string> {
  const link = join(dir, '..data');
  if (!existsSync(link)) return readKeys(dir, read);
  let failure: unknown;
  for (let attempt = 0; attempt < VERSION_READS; attempt++) {
    try {
      const from = realpathSync(link);
      const data = readKeys(from, read);
      if (realpathSync(link) === from) return data;
      failure = new Error(`..data moved from ${from} while it was read`);
    } catch (e) {
      failure = e; // swapped and the old version removed: read the new one
    }
  }
  throw failure;
}

/** The data of the mounted phase ConfigMap and the config it holds; throws GT_PHASE_CONFIG_INVALID. */
export function readMountedPhaseConfig(dir: string): { readonly data: Record<string, string>; readonly config: PhaseConfig } {
  let data: Record<string, string>;
  try {
    data = readConfigMapDir(dir);
  } catch (e) {
    throw new TrustError('GT_PHASE_CONFIG_INVALID', `cannot read the phase ConfigMap (${(e as Error).message}); mount <agent>-phase there with wirePod, or pass the directory it is mounted at`, dir);
  }
  return { data, config: parsePhaseConfig(data, dir) };
}

/**
 * Reads the mounted phase ConfigMap. Throws GT_PHASE_CONFIG_INVALID when the directory cannot
 * be read (not mounted) or a key is wrong.
 * @param dir where the ConfigMap is mounted; @default PHASE_CONFIG_DIR (`/etc/graduated-trust`)
 * @example const { phase, outputSinkEnabled } = readPhaseConfig();
 */
export function readPhaseConfig(dir: string = PHASE_CONFIG_DIR): PhaseConfig {
  return readMountedPhaseConfig(dir).config;
}
