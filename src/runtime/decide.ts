/**
 * The questions the agent binary asks before each action, answered from the mounted phase
 * ConfigMap alone (never from the library's phase table: the binary may be older or newer than
 * the library that synthesized its phase). Pure.
 */
import { approvalCommand, type ApprovalCommandOptions, type ApprovalTarget } from './approve';
import type { PhaseConfig } from './phase-config';

/**
 * What to do with one action the agent would take:
 * - `log`: record it only; the output goes nowhere (Shadow);
 * - `recommend`: send it to a human, who acts (Read-Only Assist);
 * - `request-approval`: send it with the `trust-gate approve` command; act once approved (Limited Remediation);
 * - `act`: act alone (Autonomous, confident enough);
 * - `escalate`: hand it to a human instead of acting (confidence below the threshold).
 */
export type ActionKind = 'log' | 'recommend' | 'request-approval' | 'act' | 'escalate';

/** One action the agent would take. */
export interface ActionRequest {
  /**
   * The agent's confidence in it, 0 to 1. Where the phase has an escalation threshold, a missing
   * confidence escalates.
   * @default unknown
   */
  readonly confidence?: number;
  /** The write, for the approval command. @default none (the decision carries no command) */
  readonly target?: ApprovalTarget;
}

/** The answer for one action. */
export interface ActionDecision {
  readonly kind: ActionKind;
  /** The agent may carry it out now (admission will admit a declared action). */
  readonly mayAct: boolean;
  /** It must reach a human (a recommendation, an approval request or an escalation). */
  readonly sendToHuman: boolean;
  /** It needs a single-use operator approval before the agent acts. */
  readonly approvalRequired: boolean;
  /** The command the operator runs, when an approval is required and the target is known. */
  readonly approvalCommand: string | undefined;
  /** One line: why, naming the phase. */
  readonly reason: string;
}

/** Whether the phase lets the agent write at all. */
export function mayWrite(config: PhaseConfig): boolean {
  return config.writesEnabled;
}

/** Whether the agent's output reaches a human in this phase. */
export function outputReachesHuman(config: PhaseConfig): boolean {
  return config.outputSinkEnabled;
}

/** Whether each write needs a single-use operator approval. */
export function needsApproval(config: PhaseConfig): boolean {
  return config.writesEnabled && config.approvalsRequired;
}

/** Whether the agent must escalate at `confidence` (unknown confidence escalates where there is a threshold). */
export function mustEscalate(config: PhaseConfig, confidence: number | undefined): boolean {
  const threshold = config.escalationConfidence;
  return threshold !== undefined && !(confidence !== undefined && confidence >= threshold);
}

/**
 * What to do with one action in the mounted phase.
 * @example
 * const d = decideAction(readPhaseConfig(), { confidence: 0.72, target });
 * if (d.kind === 'act') await restart(target); else if (d.sendToHuman) await post(text, d.approvalCommand);
 */
export function decideAction(config: PhaseConfig, request: ActionRequest = {}, options: ApprovalCommandOptions = {}): ActionDecision {
  const phase = `phase ${config.phase} (${config.phaseName})`;
  const answer = (kind: ActionKind, reason: string, command?: string): ActionDecision => ({
    kind,
    mayAct: kind === 'act',
    sendToHuman: kind !== 'log' && kind !== 'act',
    approvalRequired: kind === 'request-approval',
    approvalCommand: command,
    reason,
  });
  if (!mayWrite(config)) {
    return outputReachesHuman(config)
      ? answer('recommend', `${phase} admits no write by the agent; its recommendation goes to a human, who acts`)
      : answer('log', `${phase} admits no write and its output reaches nobody; record it as evidence only`);
  }
  if (mustEscalate(config, request.confidence)) {
    const got = request.confidence === undefined ? 'unknown' : String(request.confidence);
    return answer('escalate', `confidence ${got} is below the ${phase} escalation threshold ${config.escalationConfidence}; a human decides`);
  }
  if (needsApproval(config)) {
    const command = request.target ? approvalCommand(config.agent, request.target, options) : undefined;
    return answer('request-approval', `${phase} admits each declared write once an operator approves it`, command);
  }
  return answer('act', `${phase} admits the agent's declared actions without approval`);
}
