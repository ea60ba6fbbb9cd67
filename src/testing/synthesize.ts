/**
 * In-memory synthesis of one agent at every phase, and its effective access per phase as the
 * analysis computes it from the synthesized objects.
 */
import { App, Chart } from 'cdk8s';
import { accessOf, formatAccessText } from '../analysis/access';
import { synthesizedManifests } from '../k8s/guard';
import type { AccessModel, AgentRef } from '../analysis/model';
import type { SourcedManifest, SynthOutput } from '../analysis/read';
import type { AgentDefinition } from '../definition/types';
import { TrustError } from '../errors';
import { TrustPhasedAgent, type RenderOptions } from '../k8s';
import { PHASE_VALUES, isPhase, type Phase } from '../phase/table';
import { DEFAULT_SINCE } from '../state/phase-source';
import type { AwsAccessProps, VaultAccessProps } from '../terraform/props';
import { validateApp } from './validate';

/** Options of synthesizePhases: the props of the two TrustPhasedAgent constructs, minus definition and phase. */
export interface SynthesizePhasesOptions {
  /**
   * Options of the Kubernetes (cdk8s) TrustPhasedAgent, or `false` to leave Kubernetes out
   * (a repository that holds only the Terraform half).
   * @default {} (a NetworkPolicy, DNS to kube-dns)
   */
  readonly kubernetes?: RenderOptions | false;
  /**
   * Vault props of the Terraform (cdktf) TrustPhasedAgent. Setting `vault` or `aws`
   * synthesizes the cdktf side, which needs cdktf and the providers installed.
   * @default no Vault resources
   */
  readonly vault?: VaultAccessProps;
  /**
   * AWS props of the Terraform (cdktf) TrustPhasedAgent.
   * @default no AWS resources
   */
  readonly aws?: AwsAccessProps;
  /**
   * When the agent entered each phase: the epoch its phase-3 approvals name.
   * @default DEFAULT_SINCE (`1970-01-01T00:00:00Z`)
   */
  readonly since?: string;
}

/**
 * Approvers used when the options name none, so a definition with remediate-tier writes
 * synthesizes in a test; pass the real ones (`kubernetes.approvers`, `vault.approvers`) to have
 * them in snapshots.
 */
export const TEST_APPROVERS = { kubernetes: { groups: ['approvers'] }, vault: { identityGroups: ['approvers'] } } as const;

/**
 * One phase of an agent: its effective access and the objects it was computed from.
 * Snapshot `access` (or `accessSnapshot(phase)`), never `output`: the output carries construct
 * paths and Terraform names with hashes; the access model carries neither.
 */
export interface PhaseAccess {
  readonly phase: Phase;
  /** The agent's ServiceAccount. */
  readonly agent: AgentRef;
  /** The analysis access model: plain JSON, sorted, no paths, hashes or tokens. */
  readonly access: AccessModel;
  /** What was synthesized; assertions evaluate requests over these objects. */
  readonly output: SynthOutput;
}

/** The four phases of one agent, by phase number: `phases[3]`. */
export type Phases = Readonly<Record<Phase, PhaseAccess>>;

/**
 * The access of `agent` in an output synthesized or read elsewhere (your own app, files read
 * with `readSynthOutput`, or a synthesized phase with objects added), for the same assertions.
 * @param phase the phase the output is for, named in messages and snapshots
 * @example
 * const p = phaseAccess(readSynthOutput('dist'), { namespace: 'ops-agents', name: 'incident-responder' }, 2);
 * expectAccess(p).toBeReadOnly();
 */
export function phaseAccess(output: SynthOutput, agent: AgentRef, phase: Phase): PhaseAccess {
  if (!isPhase(phase)) throw new TrustError('GT_PHASE_INVALID', `phase ${String(phase)} is not a phase; use 1, 2, 3 or 4`);
  const ref = { namespace: agent.namespace, name: agent.name };
  return { phase, agent: ref, access: accessOf(output, ref), output };
}

function kubernetesManifests(definition: AgentDefinition, phase: Phase, options: RenderOptions, since: string): SourcedManifest[] {
  const app = new App();
  const chart = new Chart(app, definition.name);
  new TrustPhasedAgent(chart, 'Agent', { approvers: TEST_APPROVERS.kubernetes, ...options, definition, phase, since });
  validateApp(app, phase, 'cdk8s');
  return synthesizedManifests(chart);
}

/** Loads the cdktf half on first use (see terraform.ts). */
function terraformHalf(): typeof import('../terraform/synth') {
  return require('../terraform/synth') as typeof import('../terraform/synth');
}

function synthesizePhase(definition: AgentDefinition, phase: Phase, options: SynthesizePhasesOptions): PhaseAccess {
  const since = options.since ?? DEFAULT_SINCE;
  const manifests = options.kubernetes === false ? [] : kubernetesManifests(definition, phase, options.kubernetes ?? {}, since);
  const vault = options.vault ? { approvers: TEST_APPROVERS.vault, ...options.vault } : undefined;
  const stacks = vault || options.aws
    ? [terraformHalf().synthesizeStack({ definition, phase, since, vault, aws: options.aws })]
    : [];
  return phaseAccess({ manifests, stacks }, definition, phase);
}

/**
 * Synthesizes the agent at phases 1–4 in memory (a cdk8s App and Chart with the Kubernetes
 * TrustPhasedAgent; with `vault` or `aws`, a cdktf App and stack with the Terraform one and its
 * providers) and computes each phase's effective access with the analysis. Nothing is written
 * to disk. The constructs validate the definition, so an invalid one throws their TrustError;
 * the validations synth runs (the guard among them) run too, and fail with `GT_GUARD`.
 *
 * @example
 * const phases = synthesizePhases(incidentResponder, {
 *   vault: { authBackendPath: 'kubernetes' },
 *   aws: { trust: { irsa: { oidcProviderArn, issuerHostPath } } },
 * });
 * expect(accessSnapshot(phases[3])).toMatchSnapshot();
 * expectAccess(phases[1]).toBeReadOnly();
 */
export function synthesizePhases(definition: AgentDefinition, options: SynthesizePhasesOptions = {}): Phases {
  if (options.kubernetes === false && !options.vault && !options.aws) {
    throw new TrustError('GT_USAGE', 'kubernetes is false and neither vault nor aws is set, so there is nothing to synthesize; keep kubernetes or set vault, aws or both');
  }
  const [one, two, three, four] = PHASE_VALUES.map((phase) => synthesizePhase(definition, phase, options)) as [PhaseAccess, PhaseAccess, PhaseAccess, PhaseAccess];
  return { 1: one, 2: two, 3: three, 4: four };
}

function isPhaseAccess(value: PhaseAccess | Phases): value is PhaseAccess {
  return 'access' in value && 'output' in value;
}

/**
 * The effective access as text for a snapshot: the access report (`trust-gate access`) of each
 * phase, in phase order. One line per resource, destination, path or action, sorted; no
 * construct paths, hashes or tokens; the same bytes on every run and machine.
 * @example
 * expect(accessSnapshot(phases[2])).toMatchSnapshot();
 */
export function accessSnapshot(phases: PhaseAccess | Phases): string {
  const list = isPhaseAccess(phases) ? [phases] : PHASE_VALUES.map((phase) => phases[phase]);
  // The phase synthesized heads each block, also when the output records none (Vault only).
  return formatAccessText(list.map((p) => ({ ...p.access, phase: p.phase })));
}
