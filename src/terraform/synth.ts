/**
 * In-memory synthesis of one agent's Terraform half, for graduated-trust/testing's
 * synthesizePhases. The testing entry point requires this module only when Vault or AWS props are
 * given, so importing it never loads cdktf: Kubernetes-only users need not install it. It creates
 * an App, a stack and unconfigured providers, which the library's constructs never do.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { VaultProvider } from '@cdktf/provider-vault/lib/provider';
import { App, TerraformStack } from 'cdktf';
import { stackFromTerraform } from '../analysis/guard/synth';
import type { TerraformStack as SynthesizedStack } from '../analysis/read';
import { TrustPhasedAgent } from './agent';
import type { Phase } from '../phase/table';
import type { TrustPhasedAgentProps } from './props';
import { validateApp } from '../testing/validate';

let outdir: string | undefined;

/**
 * cdktf's App creates its output folder when constructed, although nothing is written here:
 * every app of the process shares one empty temporary folder, removed when the process exits.
 */
function appOutdir(): string {
  if (outdir === undefined) {
    const dir = mkdtempSync(join(tmpdir(), 'graduated-trust-testing-'));
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
    outdir = dir;
  }
  return outdir;
}

/**
 * Synthesizes the Terraform TrustPhasedAgent in a fresh stack named after the agent, with the
 * providers its resources need (unconfigured: nothing is planned), runs the stack's validations
 * and returns the stack as the analysis reads it (from `toTerraform()`, in memory).
 */
export function synthesizeStack(props: TrustPhasedAgentProps & { readonly phase: Phase }): SynthesizedStack {
  const app = new App({ outdir: appOutdir(), stackTraces: false });
  const stack = new TerraformStack(app, props.definition.name);
  if (props.vault) new VaultProvider(stack, 'Vault', {});
  if (props.aws) new AwsProvider(stack, 'Aws', {});
  new TrustPhasedAgent(stack, 'Agent', props);
  validateApp(app, props.phase, 'cdktf');
  return stackFromTerraform(stack.toTerraform(), stack.node.id);
}
