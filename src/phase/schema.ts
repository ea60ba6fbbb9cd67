/**
 * The phase as a zod schema, derived from the phase table so a JSON Schema can show it
 * (`enum: [1, 2, 3, 4]`); `z.custom` cannot be represented in JSON Schema.
 */
import { z } from 'zod';
import { PHASE_VALUES, PHASES } from './table';

/** `1 Shadow, 2 Read-Only Assist, 3 Limited Remediation, 4 Autonomous`. */
const PHASES_TEXT = PHASE_VALUES.map((p) => `${p} ${PHASES[p].name}`).join(', ');

/**
 * A trust phase (a number from the phase table), failing with `error`.
 * @default error `must be 1, 2, 3 or 4 (1 Shadow, …)`
 */
export function phaseSchema(error = `must be ${PHASE_VALUES.slice(0, -1).join(', ')} or ${PHASE_VALUES.at(-1)} (${PHASES_TEXT})`) {
  return z.literal(PHASE_VALUES, { error });
}
