/**
 * The reader thread of `ReadAhead` (read-ahead.ts): the shared memory both sides use, and the
 * thread's code. The thread opens the input files one at a time (so a run over many files holds
 * two open at most), reads them into a ring of slots in shared memory and hashes every byte; the
 * main thread decodes and evaluates the slots.
 *
 * Layout of the control words (`Int32Array` over a SharedArrayBuffer):
 * - WRITTEN: slots the thread has filled (a running count; slot `i` is ring slot `i % SLOTS`).
 * - CONSUMED: slots the main thread is done with; the thread never refills a slot not consumed.
 * - READY: 1 once the thread has started (the main thread reads on its own until then).
 * - COMMAND: GO (the hand-over message is posted) or STOP (end now, whatever the state).
 * - DONE: 1 when the digest is in the result bytes, 2 when the thread failed (message in the
 *   message bytes, MESSAGE_LENGTH long).
 * - FD: the descriptor the thread has open, or -1; the main thread closes it if the thread was
 *   terminated before it could (the thread clears it before closing, so it is never closed twice).
 * Each slot has two words of metadata: its length in bytes (0: the end of that input; -1: a
 * read error) and the input it belongs to.
 */

/** Bytes of one slot: the chunk size the gate reads plain files in. */
export const SLOT_BYTES = 64 * 1024;
/** Slots in the ring: 4 MiB read ahead. */
export const SLOTS = 64;
export const WRITTEN = 0;
export const CONSUMED = 1;
export const READY = 2;
export const COMMAND = 3;
export const DONE = 4;
export const MESSAGE_LENGTH = 5;
export const FD = 6;
export const CONTROL_WORDS = 8;
export const GO = 1;
export const STOP = 2;
/** Bytes kept for the thread's error message. */
export const MESSAGE_BYTES = 1024;

/**
 * The thread, as CommonJS source for `new Worker(…, { eval: true })` (it runs on the compiled
 * library and under the test runner alike). It allocates nothing per slot (the slot views are made once), so its heap
 * stays at its start size; it waits on the control words with a timeout and checks STOP after
 * every wait, so it never outlives an abandoned read by more than that.
 */
export const READER_THREAD = `
const { workerData } = require('node:worker_threads');
const { receiveMessageOnPort } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const { closeSync, openSync, readSync } = require('node:fs');
const { control: controlBuffer, meta: metaBuffer, data: dataBuffer, result: resultBuffer, message: messageBuffer, paths, port } = workerData;
const control = new Int32Array(controlBuffer);
const meta = new Int32Array(metaBuffer);
const data = Buffer.from(dataBuffer);
const SLOT = ${SLOT_BYTES}, SLOTS = ${SLOTS};
const views = Array.from({ length: SLOTS }, (_, i) => data.subarray(i * SLOT, (i + 1) * SLOT)); // made once: nothing allocated per slot
const stopped = () => Atomics.load(control, ${COMMAND}) === ${STOP};
function fail(error) {
  const text = Buffer.from(String(error && (error.code || error.message) || error)).subarray(0, ${MESSAGE_BYTES});
  text.copy(Buffer.from(messageBuffer));
  Atomics.store(control, ${MESSAGE_LENGTH}, text.length);
  Atomics.store(control, ${DONE}, 2);
  Atomics.notify(control, ${DONE});
}
/** Waits for a free slot; false when told to stop. */
function free(filled) {
  for (;;) {
    if (stopped()) return false;
    const consumed = Atomics.load(control, ${CONSUMED});
    if (filled - consumed < SLOTS) return true;
    Atomics.wait(control, ${CONSUMED}, consumed, 200);
  }
}
function publish(filled, length, place) {
  const slot = filled % SLOTS;
  meta[2 * slot] = length;
  meta[2 * slot + 1] = place;
  Atomics.store(control, ${WRITTEN}, filled + 1);
  Atomics.notify(control, ${WRITTEN});
}
function closeFile() {
  const fd = Atomics.exchange(control, ${FD}, -1);
  if (fd >= 0) closeSync(fd);
}
let filled = 0;
let place = 0;
try {
  Atomics.store(control, ${READY}, 1);
  Atomics.notify(control, ${READY});
  while (Atomics.load(control, ${COMMAND}) === 0) Atomics.wait(control, ${COMMAND}, 0, 200);
  let go;
  while (!stopped() && !(go = receiveMessageOnPort(port))) Atomics.wait(control, ${COMMAND}, ${GO}, 5);
  if (go) {
    const hash = createHash('sha256');
    const { place: first, offset } = go.message;
    for (const { buffer, length } of go.message.prefix) hash.update(new Uint8Array(buffer, 0, length));
    go = undefined; // the main thread's first bytes, hashed: let them go
    let position = offset;
    reading: for (place = first; place < paths.length; place++, position = 0) {
      Atomics.store(control, ${FD}, openSync(paths[place], 'r'));
      for (;;) {
        if (!free(filled)) break reading;
        const view = views[filled % SLOTS];
        const n = readSync(Atomics.load(control, ${FD}), view, 0, SLOT, position);
        position += n;
        publish(filled++, n, place);
        if (n === 0) break;
        hash.update(n === SLOT ? view : view.subarray(0, n));
      }
      closeFile();
    }
    if (!stopped()) {
      hash.digest().copy(Buffer.from(resultBuffer));
      Atomics.store(control, ${DONE}, 1);
      Atomics.notify(control, ${DONE});
    }
  }
} catch (e) {
  fail(e);
  if (free(filled)) publish(filled, -1, place);
} finally {
  closeFile();
}
`;
