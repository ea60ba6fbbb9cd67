/**
 * Reads the agent's audit logs once, streaming, and counts what each grant of its effective
 * access allowed: the readers of the gate (`gate/audit/*`) give every allowed request of the
 * agent's identity, and the backends here match it with the evaluators of the access model.
 */
import { accessModels } from '../analysis/access';
import { formatAgentRef, type AgentRef } from '../analysis/model';
import { OutputIndex } from '../analysis/output-index';
import { serviceAccountUser } from '../analysis/k8s/rbac';
import type { SynthOutput } from '../analysis/read';
import { awsRoleGrants } from '../analysis/terraform/aws';
import { vaultRoleGrants } from '../analysis/terraform/vault';
import { objectNames } from '../definition/names';
import { TrustError } from '../errors';
import { readCloudTrail } from '../gate/audit/cloudtrail';
import { readKubernetesAudit } from '../gate/audit/kubernetes';
import { readVaultAudit } from '../gate/audit/vault';
import type { AuditDenial } from '../gate/audit/read';
import type { Source } from '../gate/source';
import { AwsUsage } from './aws';
import type { BackendTally } from './backend';
import { KubernetesUsage } from './kubernetes';
import { isoOf, type UsageReport } from './model';
import { RecentIds } from './tally';
import { VaultUsage } from './vault';
import type { UsedRequests } from './propose';

/** One audit log to read. */
export type UsageInput =
  | { readonly kind: 'k8s-audit'; readonly source: Source }
  | { readonly kind: 'cloudtrail'; readonly source: Source; /** The agent's role ARN (CloudTrail names the account, the output does not). */ readonly roleArn: string }
  | { readonly kind: 'vault-audit'; readonly source: Source; /** @default the Vault auth role of the output that admits the agent */ readonly role?: string };

/** The window requests are counted in; either bound may be open. */
export interface UsageWindow {
  /** @default no lower bound */
  readonly sinceMs?: number;
  /** @default no upper bound */
  readonly untilMs?: number;
}

/** Everything counted, for the report and the proposal. */
export interface UsageCounts {
  readonly report: UsageReport;
  readonly kubernetes: KubernetesUsage;
  readonly vault: VaultUsage;
  readonly aws: AwsUsage;
}

/**
 * Reads `inputs` for `agent` and counts the use of each grant the output gives it. Fails with
 * GT_USAGE naming the agents in the output when `agent` is not one of them.
 * @example const { report } = await readUsage(readSynthOutput('dist'), agent, [{ kind: 'k8s-audit', source: fileSource('audit.log') }]);
 */
export async function readUsage(output: SynthOutput, agent: AgentRef, inputs: readonly UsageInput[], window: UsageWindow = {}): Promise<UsageCounts> {
  const [model] = accessModels(output, agent);
  const index = new OutputIndex(output);
  const user = serviceAccountUser(agent.namespace, agent.name);
  const vaultGrants = vaultRoleGrants(index.terraform, agent);
  const kubernetes = new KubernetesUsage(index.rbac.bindingsFor(user));
  const vault = new VaultUsage(vaultGrants);
  const aws = new AwsUsage(awsRoleGrants(index.terraform, agent));
  const inWindow = (atMs: number) => (window.sinceMs === undefined || atMs >= window.sinceMs) && (window.untilMs === undefined || atMs < window.untilMs);
  let records = 0;
  const seenBy = new Map<BackendTally, RecentIds>();
  const once = <R extends { readonly id: string; readonly atMs: number }>(tally: BackendTally, add: (r: R) => void) => {
    const seen = seenBy.get(tally) ?? new RecentIds();
    seenBy.set(tally, seen);
    tally.read = true;
    return {
      denial: (d: AuditDenial) => {
        if (inWindow(d.atMs) && seen.first(`denied\u0000${d.identity}`)) tally.denied++;
      },
      allowed: (r: R) => {
        if (inWindow(r.atMs) && seen.first(r.id)) add(r);
      },
    };
  };
  for (const input of inputs) {
    if (input.kind === 'k8s-audit') {
      const on = once(kubernetes.tally, (r: Parameters<KubernetesUsage['add']>[0]) => kubernetes.add(r));
      records += (await readKubernetesAudit(input.source, { user: user.username, admissionPolicy: objectNames(agent.name).admissionPolicy }, on.denial, on.allowed)).records;
    } else if (input.kind === 'vault-audit') {
      const role = input.role ?? vaultGrants[0]?.name;
      if (role === undefined) throw new TrustError('GT_USAGE', `no Vault auth role of the output admits ${formatAgentRef(agent)}, so its Vault audit entries cannot be told apart; pass the role (--vault-role) or drop --vault-audit`);
      const on = once(vault.tally, (r: Parameters<VaultUsage['add']>[0]) => vault.add(r));
      records += (await readVaultAudit(input.source, { role }, on.denial, on.allowed)).records;
    } else {
      const on = once(aws.tally, (r: Parameters<AwsUsage['add']>[0]) => aws.add(r));
      records += (await readCloudTrail(input.source, { roleArn: input.roleArn }, on.denial, on.allowed)).records;
    }
  }
  const report: UsageReport = {
    agent: formatAgentRef(agent),
    phase: model!.phase,
    window: { since: window.sinceMs === undefined ? null : isoOf(window.sinceMs), until: window.untilMs === undefined ? null : isoOf(window.untilMs) },
    records,
    kubernetes: kubernetes.tally.report(),
    vault: vault.tally.report(),
    aws: aws.tally.report(),
  };
  return { report, kubernetes, vault, aws };
}

/** What the counters hold, for {@link proposeNarrowing}. */
export function usedRequests(counts: UsageCounts): UsedRequests {
  return { kubernetes: counts.kubernetes.atoms.values(), vault: counts.vault.atoms, aws: counts.aws.atoms, awsOverflow: counts.aws.overflow,
    read: { kubernetes: counts.kubernetes.tally.read, vault: counts.vault.tally.read, aws: counts.aws.tally.read } };
}
