/**
 * The thread of a split evaluation (split.ts): starts split-thread.ts's `readFirstPart` on a
 * worker and hands on its part and its digest as they come.
 */
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { FirstPartJob, FirstPartResult } from './split-thread';

// The thread's code first says it runs (flags[0] = 1): by then starting it has reset V8's flags
// (see SplitInput.onThread). When it fails before it handed on its part it says so (2) before
// it reports why, so the main thread stops reading its own part at once. flags[1] = 1 once its
// part keeps an incident in a window.
const THREAD = `
const { workerData, parentPort } = require('node:worker_threads');
Atomics.store(workerData.flags, 0, 1);
let handed = false;
const failed = (e) => {
  if (!handed) Atomics.store(workerData.flags, 0, 2);
  parentPort.postMessage({ failed: String((e && e.stack) || e) });
};
try {
  if (workerData.register) require(workerData.register).register();
  const onPart = (result) => {
    handed = true;
    parentPort.postMessage({ result });
  };
  const onKeeps = () => Atomics.store(workerData.flags, 1, 1);
  require(workerData.module).readFirstPart(workerData.job, onPart, onKeeps).then((digest) => parentPort.postMessage({ digest }), failed);
} catch (e) {
  failed(e);
}
`;

/**
 * Reads the first part of a split somewhere. `part` is undefined when that failed (the main
 * thread then reads everything), `digest` when hashing failed (the caller hashes the inputs).
 * Without waiting, `started` tells whether a thread runs the code, `failed` whether it failed
 * before handing on its part, and `keeps` whether its part keeps an incident in a window so far.
 */
export type FirstPartReader = (job: FirstPartJob) => {
  readonly part: Promise<FirstPartResult | undefined>;
  readonly digest: Promise<string | undefined>;
  stop(): Promise<unknown>;
  started?(): boolean;
  failed?(): boolean;
  keeps?(): boolean;
};

/** Reads the first part on a thread of its own; `onFallback` is told why when it fails before handing on its part. */
export function onThread(onFallback: ((why: string) => void) | undefined): FirstPartReader {
  return (job) => startFirstPart(job, onFallback);
}

/** A promise and its resolve. */
function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => void (resolve = r));
  return { promise, resolve };
}

function startFirstPart(job: FirstPartJob, onFallback: ((why: string) => void) | undefined): ReturnType<FirstPartReader> {
  const typescript = __filename.endsWith('.ts'); // under the test runner: the thread loads the sources through tsx
  const flags = new Int32Array(new SharedArrayBuffer(8));
  let worker: Worker;
  try {
    worker = new Worker(THREAD, {
      eval: true,
      resourceLimits: { maxYoungGenerationSizeMb: 3 },
      workerData: { job, flags, module: join(__dirname, `split-thread${typescript ? '.ts' : '.js'}`), register: typescript ? createRequire(__filename).resolve('tsx/cjs/api') : undefined },
    });
  } catch (e) { // no threads here (e.g. a permission model without --allow-worker)
    onFallback?.(`cannot start: ${e instanceof Error ? e.message : String(e)}`);
    return { part: Promise.resolve(undefined), digest: Promise.resolve(undefined), stop: async () => undefined, started: () => false, failed: () => true };
  }
  const part = deferred<FirstPartResult | undefined>();
  const digest = deferred<string | undefined>();
  let handed = false;
  const fail = (why: string) => {
    if (!handed) onFallback?.(why);
    handed = true;
    part.resolve(undefined);
    digest.resolve(undefined);
  };
  worker.on('message', (m: { result?: FirstPartResult; digest?: string; failed?: string }) => {
    if (m.result) {
      handed = true;
      part.resolve(m.result);
    } else if (m.digest !== undefined) {
      digest.resolve(m.digest);
    } else {
      fail(m.failed ?? 'no result');
    }
  });
  worker.once('error', (e) => fail(String(e)));
  worker.once('exit', (code) => fail(`exited with code ${code}`));
  return { part: part.promise, digest: digest.promise, stop: () => worker.terminate(), started: () => Atomics.load(flags, 0) !== 0, failed: () => Atomics.load(flags, 0) === 2, keeps: () => Atomics.load(flags, 1) === 1 };
}

