/**
 * What approvals of an agent may name: its namespace (where the approvals ConfigMap lives), the
 * epoch of its current phase entry, and the Kubernetes writes of its remediate tier. Read from
 * the synthesized output (the approval policy's input, exactly as TrustPhasedAgent rendered it)
 * or from the definition, and checked against the committed state file.
 */
import { agentPolicies, POLICY_KIND, BINDING_KIND, isAdmissionKind } from '../analysis/k8s/admission';
import type { Manifest } from '../analysis/k8s/authorizer';
import { approvalEpoch } from '../definition/approvals';
import { LABELS, objectNames } from '../definition/names';
import type { ResolvedDefinition } from '../definition/types';
import { TrustError } from '../errors';
import type { WritesPolicyInput } from '../k8s/admission-writes';
import { declaredWrites, type DeclaredWrite } from '../k8s/writes';
import { PHASES, PHASE_VALUES, phaseLabel, type Phase } from '../phase/table';
import type { StateFile } from '../state/schema';

/** What approvals of one agent may name. */
export interface ApprovalScope {
  readonly agent: { readonly name: string; readonly namespace: string };
  readonly phase: Phase;
  /** The approval epoch of the current phase entry. */
  readonly epoch: string;
  /** The Kubernetes writes of the remediate tier: those a phase-3 approval admits. */
  readonly writes: readonly DeclaredWrite[];
  /** Where the writes were read: the output folder or the definition file. */
  readonly source: string;
}

/** The phases whose writes need approvals, from the phase table. */
export function approvalPhases(): Phase[] {
  return PHASE_VALUES.filter((p) => PHASES[p].writeAdmission === 'approval');
}

/** Throws GT_STATE_INVALID unless the state file is the agent's. */
export function requireAgent(state: StateFile, agent: string, file: string): void {
  if (state.agent !== agent) throw new TrustError('GT_STATE_INVALID', `is the state file of agent "${state.agent}", not "${agent}"; pass the state file of ${agent} or --agent ${state.agent}`, file);
}

/**
 * Throws unless the state file is the agent's and its phase needs approvals. An approval given in
 * another phase would admit nothing (Kubernetes: the approvals guard refuses it; AWS and Vault:
 * the phase grants no approved writes).
 */
export function requireApprovalPhase(state: StateFile, agent: string, file: string): void {
  requireAgent(state, agent, file);
  const rules = PHASES[state.phase];
  if (rules.writeAdmission === 'approval') return;
  const what = rules.writeAdmission === 'deny' ? 'every write is denied' : 'its declared actions need no approval';
  throw new TrustError('GT_PHASE_INVALID', `${agent} is in ${phaseLabel(state.phase)}, where ${what}; an approval would admit nothing. Approvals are for ${approvalPhases().map(phaseLabel).join(', ')}`, file);
}

/** The scope from a definition and the state file. */
export function scopeFromDefinition(def: ResolvedDefinition, state: StateFile, file: string): ApprovalScope {
  if (def.name !== state.agent) throw new TrustError('GT_INPUT', `defines agent "${def.name}", but the state file is of "${state.agent}"; pass the definition of ${state.agent}`, file);
  return {
    agent: { name: def.name, namespace: def.namespace },
    phase: state.phase,
    epoch: approvalEpoch(state.since),
    // The remediate tier's writes, as the approval policy holds them in every phase.
    writes: approvalPhases().flatMap((p) => declaredWrites(def, p)).filter((w) => w.tier === 'remediate'),
    source: file,
  };
}

/** The namespace the agent's writes policy claims, read from its annotation. */
function claimedNamespace(manifests: readonly Manifest[], agent: string): string | undefined {
  const name = objectNames(agent).admissionPolicy;
  const policy = manifests.find((m) => isAdmissionKind(m, POLICY_KIND) && m.metadata?.name === name);
  try {
    const input = JSON.parse(policy?.metadata?.annotations?.[LABELS.admission] ?? '') as { input?: { agent?: { namespace?: unknown } } };
    const ns = input.input?.agent?.namespace;
    return typeof ns === 'string' ? ns : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The scope from a synthesized output: the input of the agent's approval policy, which the
 * cluster runs once the output is deployed. Throws GT_INPUT when the output holds no such policy,
 * holds one that is not exactly what TrustPhasedAgent renders, or was synthesized for another
 * phase entry than the state file's (its approvals would name another epoch).
 */
export function scopeFromManifests(manifests: readonly Manifest[], state: StateFile, dir: string): ApprovalScope {
  const agent = state.agent;
  const namespace = claimedNamespace(manifests, agent);
  if (namespace === undefined) {
    throw new TrustError('GT_INPUT', `holds no admission policy ${objectNames(agent).admissionPolicy} of agent ${agent}; pass the folder cdk8s synthesized the agent into (npx cdk8s synth writes dist/)`, dir);
  }
  const policies = agentPolicies(manifests.filter((m) => isAdmissionKind(m, POLICY_KIND)), manifests.filter((m) => isAdmissionKind(m, BINDING_KIND)), { name: agent, namespace });
  const approvedName = objectNames(agent).approvedPolicy;
  const approved = policies.find((p) => p.policy.metadata?.name === approvedName);
  if (!approved) {
    throw new TrustError('GT_INPUT', `holds no approval policy ${approvedName}: ${agent} declares no Kubernetes write in its remediate tier, so there is nothing to approve in Kubernetes`, dir);
  }
  if (approved.input?.policy !== 'approved') {
    throw new TrustError('GT_INPUT', `the approval policy ${approvedName} (or its binding) is not what TrustPhasedAgent renders for its annotation, so what it admits is unknown; re-synthesize (npx cdk8s synth) instead of editing it`, dir);
  }
  const input = approved.input.input as WritesPolicyInput;
  const epoch = approvalEpoch(state.since);
  if (input.phase !== state.phase || input.epoch !== epoch) {
    throw new TrustError('GT_INPUT', `was synthesized for ${phaseLabel(input.phase)} entered at epoch ${input.epoch}, but the state file says ${phaseLabel(state.phase)} since ${state.since} (epoch ${epoch}); an approval must name the epoch of the policy the cluster runs: re-synthesize and deploy, then approve`, dir);
  }
  return { agent: input.agent, phase: input.phase, epoch: input.epoch, writes: input.writes, source: dir };
}
