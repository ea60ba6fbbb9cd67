import type { AgentDefinition } from '../../definition/types';
import type { Phase } from '../../phase/table';
import type { SynthOutput } from '../read';
import { formatFinding, runGuard } from './run';
import type { DnsEndpoint, Suppression } from './types';

/** One guarded agent: what its construct was given. */
export interface GuardedAgent {
  readonly definition: AgentDefinition;
  readonly phase: Phase;
  readonly suppressions: readonly Suppression[];
  readonly dns?: DnsEndpoint;
}

/**
 * Runs the guard for every agent over one synthesized output and returns the errors as
 * validation messages (synthesis fails on any). Warnings go to `warn`; suppressed ones are
 * shown with their reason, so the record of a suppression is in the synth log too.
 */
export function guardMessages(output: SynthOutput, agents: readonly GuardedAgent[], warn: (text: string) => void): string[] {
  const errors: string[] = [];
  for (const agent of agents) {
    const findings = runGuard({
      output,
      definition: agent.definition,
      phase: agent.phase,
      suppressions: agent.suppressions,
      ...(agent.dns ? { dns: agent.dns } : {}),
    });
    for (const f of findings) (f.level === 'error' ? errors : []).push(formatFinding(f));
    for (const f of findings.filter((x) => x.level === 'warning')) warn(formatFinding(f));
  }
  return errors;
}

/** Warnings to stderr, once per distinct text (validations may run more than once per synth). */
export function stderrOnce(): (text: string) => void {
  const seen = new Set<string>();
  return (text) => {
    if (seen.has(text)) return;
    seen.add(text);
    process.stderr.write(`${text}\n`);
  };
}
