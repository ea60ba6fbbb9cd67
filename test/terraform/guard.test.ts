import { TerraformStack, Testing } from 'cdktf';
import { Policy } from '@cdktf/provider-vault/lib/policy';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { VaultProvider } from '@cdktf/provider-vault/lib/provider';
import { describe, expect, it } from 'vitest';
import { incidentResponder } from '../../examples/incident-responder';
import { TrustPhasedAgent } from '../../src/terraform';
import { defaultProps, type TfJson } from './synth';

function stack(phase: 1 | 2 | 3 | 4, extra?: (stack: TerraformStack, agent: TrustPhasedAgent) => void, suppressions: { ruleId: string; reason: string }[] = []) {
  const s = new TerraformStack(Testing.app(), 'test');
  new VaultProvider(s, 'Vault', {});
  new AwsProvider(s, 'Aws', { region: 'eu-west-1' });
  const agent = new TrustPhasedAgent(s, 'Agent', { ...defaultProps(incidentResponder, phase), suppressions });
  extra?.(s, agent);
  return s;
}

describe('TrustPhasedAgent guard at synth (cdktf)', () => {
  it('passes the example at every phase', () => {
    for (const phase of [1, 2, 3, 4] as const) expect(() => Testing.synth(stack(phase), true)).not.toThrow();
  });

  it('fails synthesis when another Vault policy is attached to the agent role', () => {
    const s = stack(1, (st, agent) => {
      const extra = new Policy(st, 'Extra', { name: 'extra', policy: 'path "secret/data/shop/*" { capabilities = ["update"] }' });
      agent.vault!.role.tokenPolicies = [agent.vault!.policy.name, extra.name];
    });
    expect(() => Testing.synth(s, true)).toThrowError(/GT-VAULT-001/);
  });

  const secondPolicy = (action: string, resource: string) => (st: TerraformStack, agent: TrustPhasedAgent) =>
    new IamRolePolicy(st, 'Second', {
      name: 'second',
      role: agent.aws!.role.name,
      policy: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: action, Resource: resource }] }),
    });

  it('fails synthesis when a second IAM policy widens a role whose boundary is not in the output', () => {
    const s = new TerraformStack(Testing.app(), 'test');
    new VaultProvider(s, 'Vault', {});
    new AwsProvider(s, 'Aws', { region: 'eu-west-1' });
    const base = defaultProps(incidentResponder, 2);
    const agent = new TrustPhasedAgent(s, 'Agent', {
      ...base,
      aws: { ...base.aws!, permissionsBoundaryArn: 'arn:aws:iam::111122223333:policy/platform-boundary' },
      suppressions: [{ ruleId: 'GT-IAM-006', reason: 'the platform team owns the boundary' }],
    });
    secondPolicy('ecs:UpdateService', 'arn:aws:ecs:eu-west-1:111122223333:service/shop/checkout')(s, agent);
    expect(() => Testing.synth(s, true)).toThrowError(/GT-IAM-001.*ecs:UpdateService/s);
  });

  it('passes a second IAM policy the rendered boundary of the phase holds to nothing it may not do', () => {
    // Phase 2's boundary is phase 2's own ceiling: a hand-added write (even on "*") is denied by AWS.
    for (const [action, resource] of [['ecs:UpdateService', '*'], ['iam:PassRole', '*']] as const) {
      expect(() => Testing.synth(stack(2, secondPolicy(action, resource)), true)).not.toThrow();
    }
  });

  it('records suppressed warnings in the Vault policy header and as an IAM role tag', () => {
    const json = JSON.parse(Testing.synth(stack(1, undefined, [{ ruleId: 'GT-VAULT-004', reason: 'shared by the two replicas' }]), true)) as TfJson;
    const policy = Object.values(json.resource['vault_policy']!).find((p) => p.name === 'incident-responder')!.policy as string;
    expect(policy).toContain('# graduated-trust.dev/guard-suppressions GT-VAULT-004: shared by the two replicas');
    const role = Object.values(json.resource['aws_iam_role']!)[0]! as { tags: Record<string, string> };
    expect(role.tags['graduated-trust.dev/guard-suppressions']).toBe('GT-VAULT-004');
  });
});

describe('TrustPhasedAgent suppressions (cdktf)', () => {
  it('fails on a suppression reason that would become a Terraform template', () => {
    expect(() => stack(1, undefined, [{ ruleId: 'GT-VAULT-004', reason: 'shared ${file("/etc/passwd")}' }])).toThrowError(/"\$\{" and "%\{" start Terraform templates/);
  });
});
