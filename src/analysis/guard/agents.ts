import { createHash } from 'node:crypto';
import type { AgentDefinition } from '../../definition/types';
import type { Phase } from '../../phase/table';
import { OutputIndex } from '../output-index';
import type { SynthOutput } from '../read';
import { formatFinding, runGuard } from './run';
import type { RenderOptions } from '../../k8s/render';
import type { AwsAccessProps, VaultAccessProps } from '../../terraform/props';
import type { DnsEndpoint, Suppression } from './types';

/** One guarded agent: what its construct was given. */
export interface GuardedAgent {
  readonly definition: AgentDefinition;
  readonly phase: Phase;
  /** When the agent entered the phase (the approval epoch). */
  readonly since: string;
  readonly suppressions: readonly Suppression[];
  /** The Kubernetes construct's render options. */
  readonly kubernetes?: RenderOptions;
  readonly dns?: DnsEndpoint;
  /** The Terraform construct's props. */
  readonly vault?: VaultAccessProps;
  readonly aws?: AwsAccessProps;
}

/**
 * Runs the guard for every agent over one synthesized output (indexed once, shared by the
 * agents) and returns the errors as
 * validation messages (synthesis fails on any). Warnings go to `warn`; suppressed ones are
 * shown with their reason, so the record of a suppression is in the synth log too.
 */
export function guardMessages(output: SynthOutput, agents: readonly GuardedAgent[], warn: (text: string) => void): string[] {
  const errors: string[] = [];
  const index = new OutputIndex(output);
  for (const agent of agents) {
    const others = agents.filter((a) => a !== agent).map((a) => ({ name: a.definition.name, namespace: a.definition.namespace }));
    const findings = runGuard({ ...agent, output, otherAgents: others }, index);
    for (const f of findings) (f.level === 'error' ? errors : []).push(formatFinding(f));
    for (const f of findings.filter((x) => x.level === 'warning')) warn(formatFinding(f));
  }
  return errors;
}

/** Warnings to stderr, once per distinct text (validations may run more than once per synth). */
function stderrOnce(): (text: string) => void {
  const seen = new Set<string>();
  return (text) => {
    if (seen.has(text)) return;
    seen.add(text);
    process.stderr.write(`${text}\n`);
  };
}

/** A construct that can carry validations (App, Chart, TerraformStack). */
export interface ValidationHost {
  readonly node: { addValidation(validation: { validate(): string[] }): void };
}

const registry = new WeakMap<ValidationHost, GuardedAgent[]>();

/**
 * Tells the guard which validation passes belong to one synthesis of the host's app. cdk8s
 * validates the whole app once per chart besides once itself, so an app with one chart per agent
 * would read (serialize) its whole output once per chart: quadratic in the number of agents.
 */
export interface SynthesisScope {
  /** The same number for every validation pass inside one synthesis; undefined outside one. */
  current(): number | undefined;
  /** How many validation passes the current synthesis runs; asked from its second pass on. */
  passes(): number;
}

/**
 * Registers an agent with the guard of `host`. The first agent adds one validation to the host;
 * at synth it reads the host's output once (`output`) and checks every registered agent against
 * its phase ceiling, so access granted anywhere under the host fails synthesis.
 *
 * With `scope`, the guard reads the output in the first two validation passes of a synthesis and
 * in its last; the passes in between reuse the result. The guard runs first in a pass and cdk8s
 * has no prepare phase: what other constructs' validations add in the first pass is read in the
 * second, before anything is written, and whatever they change later and is still there at the
 * end is read in the last pass, so synthesis fails. Every new synthesis reads the output again.
 * Not seen, as with any validation: a change made during the last pass, or made after the second
 * and undone before the last, and code run by the serialization itself.
 */
export function registerGuard(host: ValidationHost, agent: GuardedAgent, output: () => SynthOutput, scope?: SynthesisScope): void {
  const agents = registry.get(host);
  if (agents) {
    agents.push(agent);
    return;
  }
  const list = [agent];
  registry.set(host, list);
  const warn = stderrOnce();
  host.node.addValidation({ validate: once((o) => guardMessages(o, list, warn), () => ({ output: output(), agents: list.length }), scope) });
}

interface LastPass {
  /** Digest of the agent count and the serialized output, at the last read. */
  readonly key: string;
  readonly messages: string[];
  readonly synthesis: number | undefined;
  /** The pass's index in its synthesis (0 outside one). */
  readonly pass: number;
  /** How many passes the synthesis runs, once asked (from the second pass on). */
  readonly passes: number | undefined;
}

/**
 * `check` over the host's output, reusing the last result while the output (and the number of
 * agents) is the same, and without reading the output in the passes of one synthesis between its
 * second and its last (see registerGuard): the guard is pure, so a second run would only repeat
 * the first.
 */
function once(check: (output: SynthOutput) => string[], read: () => { readonly output: SynthOutput; readonly agents: number }, scope: SynthesisScope | undefined): () => string[] {
  let last: LastPass | undefined;
  return () => {
    const synthesis = scope?.current();
    const inSynthesis = synthesis !== undefined && last?.synthesis === synthesis;
    const pass = inSynthesis ? last!.pass + 1 : 0;
    const passes = inSynthesis ? last!.passes ?? scope!.passes() : undefined; // cdk8s's list of charts is fixed after the first pass
    if (pass > 1 && pass < passes! - 1) {
      last = { ...last!, pass, passes };
      return [...last.messages];
    }
    const { output, agents } = read();
    // A digest, so the app does not keep a copy of its whole serialized output between syntheses.
    const key = createHash('sha256').update(`${agents}\u0000${JSON.stringify(output)}`).digest('hex');
    last = { key, messages: last?.key === key ? last.messages : check(output), synthesis, pass, passes };
    return [...last.messages];
  };
}
