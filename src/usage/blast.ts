/**
 * The blast radius of a narrowing: the definition and the narrowed one synthesized in memory at
 * the phase (with the testing synthesizer, so the constructs validate the narrowed definition
 * and the guard runs), their access models compared with `trust-gate diff`'s diff.
 */
import { diffOutputs, type AccessDiff } from '../analysis/diff';
import { synthesizePhases, type SynthesizePhasesOptions } from '../testing/synthesize';
import type { Narrowing } from './propose';
import type { AgentDefinition } from '../definition/types';

/**
 * What the agent loses (and, never, gains) if the narrowing is applied.
 * @param options what `synthesizePhases` needs for Vault and AWS; @default Kubernetes only
 */
export function narrowingDiff(definition: AgentDefinition, narrowing: Narrowing, options: SynthesizePhasesOptions = {}): AccessDiff[] {
  const before = synthesizePhases(definition, options)[narrowing.phase].access;
  const after = synthesizePhases(narrowing.definition, options)[narrowing.phase].access;
  return diffOutputs([before], [after]);
}
