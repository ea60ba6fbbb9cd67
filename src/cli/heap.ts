/**
 * The V8 setting the `trust-gate` binary runs with. `bin/trust-gate.js` calls
 * `boundYoungGeneration()` before `main`; `main` does not, so a program that embeds the CLI
 * keeps its own heap settings.
 *
 * Why: a gate run allocates garbage at a steady rate (one parsed record per line) and V8 doubles
 * the young generation's semi-spaces (1 MiB at start, 16 MiB at most) whenever enough bytes have
 * survived since the last doubling. A longer file only reaches the next doubling later, so peak
 * RSS rose with the file's length although the gate keeps only its windows: 113 MB at 1M lines,
 * 128 MB at 10M with the same windows (measured on Node 20; with the semi-spaces at 16 MiB from
 * the start both runs took 147-150 MB, so the whole difference was the young generation). With
 * the growth factor at 1 the young generation keeps its start size: 94 MB at 1M lines, 90 MB at
 * 10M. Scavenges are more frequent and each as cheap, since almost nothing a record allocates
 * outlives its line: about 240 ms more garbage collection in a 9.3 s run over 10M lines (profile),
 * inside the noise of evaluate and a year's backtest.
 *
 * `--max-semi-space-size` would say this directly, but it is read once when the heap is set up,
 * before any JavaScript runs; the growth factor is read each time V8 grows the young generation,
 * so setting it at start-up works (test/cli/heap.test.ts checks that V8 still honours it). Some
 * V8 releases clamp the factor to at least 2 (`DEFINE_MIN_VALUE_IMPLICATION` in
 * flag-definitions.h); under such a Node the flag changes nothing, memory grows with the file as
 * before, and that test fails, so the upgrade is noticed.
 */
import { setFlagsFromString } from 'node:v8';

/** The flag: the young generation never grows past its start size. */
export const YOUNG_GENERATION_FLAG = '--semi-space-growth-factor=1';

let bounded = false;

/** Keeps V8's young generation at its start size for the rest of this process. */
export function boundYoungGeneration(): void {
  setFlagsFromString(YOUNG_GENERATION_FLAG);
  bounded = true;
}

/**
 * Sets the flag again if `boundYoungGeneration` set it: starting a worker thread puts V8's flags
 * back to their defaults for the whole process (measured on Node 20: the main thread's new space
 * then grew to 32 MiB again), so `evaluate` calls this once its reader thread runs, and
 * `backtest` and `report` once their digest worker is done (the young generation may have grown
 * a little by then). A no-op in a process that never bounded its heap, so embedders keep theirs.
 */
export function reboundYoungGeneration(): void {
  if (bounded) setFlagsFromString(YOUNG_GENERATION_FLAG);
}
