/**
 * AWS usage: each allowed CloudTrail call of the agent's role is matched against every Allow
 * statement of the role's identity policies with the IAM evaluator of the access model
 * (`analysis/iam/evaluate.ts`: action wildcards, case-insensitive actions, resource patterns).
 *
 * The action is the event source's IAM prefix and the event name (`monitoring.amazonaws.com`
 * is `cloudwatch`). The resource is the record's `resources[].ARN`, else an ARN built from
 * the request parameters CloudTrail logs for the services the library grants (a log group, an
 * ECS service); else it is unknown and the call counts for every statement whose actions match.
 */
import type { CloudTrailAllowedCall } from '../gate/audit/cloudtrail';
import type { IamStatement } from '../aws/policy';
import { oneOrMany, statementMatches } from '../analysis/iam/evaluate';
import type { AwsRoleGrant } from '../analysis/terraform/aws';
import { BackendTally, countedGrant } from './backend';
import { MAX_NAMES } from './kubernetes';

/** Event sources whose IAM prefix is not the first label of the host. */
const PREFIX: Readonly<Record<string, string>> = {
  'monitoring.amazonaws.com': 'cloudwatch',
  'email.amazonaws.com': 'ses',
  'elasticfilesystem.amazonaws.com': 'elasticfilesystem',
  'elasticloadbalancing.amazonaws.com': 'elasticloadbalancing',
};

/** `ecs:UpdateService` of a record. */
export function actionOf(call: Pick<CloudTrailAllowedCall, 'eventSource' | 'eventName'>): string {
  return `${PREFIX[call.eventSource] ?? call.eventSource.split('.')[0]}:${call.eventName}`;
}

function param(call: CloudTrailAllowedCall, key: string): string {
  const v = call.requestParameters?.[key];
  return typeof v === 'string' ? v : '';
}

/** The ARNs a call acted on; empty when the record does not say. */
export function resourcesOf(call: CloudTrailAllowedCall): string[] {
  if (call.resourceArns.length > 0) return [...call.resourceArns];
  const prefix = PREFIX[call.eventSource] ?? call.eventSource.split('.')[0];
  const group = param(call, 'logGroupName');
  if (prefix === 'logs' && group) return [`arn:aws:logs:${call.region}:${call.account}:log-group:${group}`];
  const service = param(call, 'service');
  if (prefix === 'ecs' && service) {
    if (service.startsWith('arn:')) return [service];
    const cluster = param(call, 'cluster') || 'default';
    return [`arn:aws:ecs:${call.region}:${call.account}:service/${cluster.replace(/^arn:.*:cluster\//, '')}/${service}`];
  }
  return [];
}

/** `ecs:DescribeServices, cloudwatch:GetMetricData on *`. */
export function statementText(s: IamStatement): string {
  const actions = s.Action !== undefined ? oneOrMany(s.Action).join(', ') : `every action but ${oneOrMany(s.NotAction).join(', ')}`;
  const resources = s.Resource !== undefined ? oneOrMany(s.Resource).join(', ') : `every resource but ${oneOrMany(s.NotResource).join(', ')}`;
  return `${actions} on ${resources}${s.Condition && Object.keys(s.Condition).length > 0 ? ' (with conditions)' : ''}`;
}

/** AWS usage of one agent while CloudTrail is read. */
export class AwsUsage {
  readonly tally: BackendTally;
  private readonly statements: readonly IamStatement[];
  /** `action\u0000resource` (resource `''` when unknown) → count, for the proposal; at most {@link MAX_NAMES} × 20 keys. */
  readonly atoms = new Map<string, number>();
  overflow = false;

  constructor(grants: readonly AwsRoleGrant[]) {
    const found = grants.flatMap((g) => g.policies.flatMap((p) => (p.statements ?? []).map((s, i) => ({ s, via: `role ${g.name}, ${p.name}, statement ${s.Sid ?? i + 1}` }))))
      .filter(({ s }) => s.Effect === 'Allow');
    this.statements = found.map((f) => f.s);
    this.tally = new BackendTally(found.map((f) => countedGrant(statementText(f.s), f.via)));
  }

  /** Counts one allowed call. */
  add(call: CloudTrailAllowedCall): void {
    const action = actionOf(call);
    const resources = resourcesOf(call);
    const positions: number[] = [];
    this.statements.forEach((s, i) => {
      const patterns = s.Resource !== undefined ? oneOrMany(s.Resource) : ['*'];
      const candidates = resources.length > 0 ? resources : patterns;
      if (candidates.some((resource) => statementMatches(s, { action, resource }))) positions.push(i);
    });
    this.tally.count(positions, `${action} on ${resources.length > 0 ? resources.join(', ') : '(resource not logged)'}`, call.atMs);
    for (const r of resources.length > 0 ? resources : ['']) {
      const key = `${action}\u0000${r}`;
      const n = this.atoms.get(key);
      if (n !== undefined) this.atoms.set(key, n + 1);
      else if (this.atoms.size < MAX_NAMES * 20) this.atoms.set(key, 1);
      else this.overflow = true;
    }
  }
}
