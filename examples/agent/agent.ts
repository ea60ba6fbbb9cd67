/**
 * An example agent binary: the same code in every phase, reading what it may do from the phase
 * ConfigMap wirePod mounts (`/etc/graduated-trust`) and writing one evidence line per incident.
 *
 * Phase 1 logs its diagnosis only; phase 2 posts it as a recommendation; phase 3 posts it with the
 * `trust-gate approve` command and acts once an operator approved; phase 4 acts alone, or
 * escalates below the escalation confidence. A promotion or demotion applies from the next incident.
 */
import {
  appendEvidence, decideAction, incidentRecord, mayWrite, recordContext, watchPhaseConfig,
  type ActionKind, type AgentRevision, type ApprovalTarget,
} from '../../src/runtime';

/** One incident as the agent diagnosed it. */
export interface Incident {
  readonly id: string;
  readonly domain: string;
  readonly diagnosis: string;
  /** How sure the agent is of the fix, 0 to 1. */
  readonly confidence: number;
  /** The write that fixes it, e.g. a rollout restart. */
  readonly fix: ApprovalTarget & { readonly backend: 'kubernetes' };
}

/** The world the agent talks to: its log, the humans, the operator's approval, the cluster. */
export interface AgentIo {
  log(line: string): void;
  post(message: string): void;
  /** Waits for the operator's approval of the write; false when nobody approved in time. */
  approved(fix: Incident['fix']): Promise<boolean>;
  /** Carries the write out and watches the result. */
  act(fix: Incident['fix']): Promise<{ completed: boolean; rolledBack: boolean }>;
}

/** This build of the agent: model, prompt and toolset digests. */
export const REVISION: AgentRevision = { model: 'sha256:5f1c', prompt: 'sha256:a7e2', toolset: 'sha256:09bd' };

/** Starts the agent on the mounted phase ConfigMap; `handle` one incident at a time, `close` at the end. */
export function startAgent(io: AgentIo, evidenceFile: string, dir?: string) {
  const phase = watchPhaseConfig({ ...(dir ? { dir } : {}), onChange: (now, was) => io.log(`phase ${was.phase} -> ${now.phase} (${now.phaseName})`) });
  const handle = async (incident: Incident, now = new Date()): Promise<ActionKind> => {
    const config = phase.current;
    const decision = decideAction(config, { confidence: incident.confidence, target: incident.fix });
    const fix = `${incident.fix.action} ${incident.fix.namespace}/${incident.fix.name}`;
    let remediation: { completed: boolean; rolledBack: boolean } | undefined;
    switch (decision.kind) {
      case 'log': io.log(`${incident.id}: ${incident.diagnosis}; would ${fix}`); break;
      case 'recommend': io.post(`${incident.id}: ${incident.diagnosis}; recommend ${fix}`); break;
      case 'request-approval':
        io.post(`${incident.id}: ${incident.diagnosis}; I will ${fix} once approved:\n  ${decision.approvalCommand}`);
        if (!(await io.approved(incident.fix))) break;
        phase.check(); // a demotion may land while the operator decides: act only if writes are still admitted
        if (mayWrite(phase.current)) remediation = await io.act(incident.fix);
        break;
      case 'act': remediation = await io.act(incident.fix); io.log(`${incident.id}: ${fix} done`); break;
      case 'escalate': io.post(`${incident.id}: ${incident.diagnosis}; not sure enough to ${fix} (${decision.reason})`); break;
    }
    const context = recordContext(config, REVISION);
    appendEvidence(evidenceFile, incidentRecord({ ...context, at: now, id: incident.id, domain: incident.domain, confidence: incident.confidence, ...(remediation ? { remediation } : {}) }));
    return decision.kind;
  };
  return { handle, close: () => phase.close(), get phase() { return phase.current; } };
}
