/**
 * The validation step of `cdk8s synth` and `cdktf synth`, in memory: every construct's
 * validations (the guard the TrustPhasedAgent constructs register among them) run, and their
 * messages fail synthesis.
 */
import type { IConstruct } from 'constructs';
import { TrustError } from '../errors';
import type { Phase } from '../phase/table';

/** Throws TrustError (`GT_GUARD`) listing every validation message under `root`, as synth would fail. */
export function validateApp(root: IConstruct, phase: Phase, what: string): void {
  const errors = root.node.findAll().flatMap((c) => c.node.validate().map((m) => `${c.node.path || '(app)'}: ${m}`));
  if (errors.length === 0) return;
  throw new TrustError('GT_GUARD', `phase ${phase} fails ${what} validation, as synth would:\n${errors.map((e) => `  - ${e}`).join('\n')}`);
}
