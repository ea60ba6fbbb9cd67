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

  it('fails synthesis when a second IAM policy is put on the agent role', () => {
    const s = stack(2, (st, agent) =>
      new IamRolePolicy(st, 'Second', {
        name: 'second',
        role: agent.aws!.role.name,
        policy: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'ecs:UpdateService', Resource: 'arn:aws:ecs:eu-west-1:111122223333:service/shop/checkout' }] }),
      }),
    );
    expect(() => Testing.synth(s, true)).toThrowError(/GT-IAM-001.*ecs:UpdateService/s);
  });

  it('records suppressed warnings in the Vault policy header and as an IAM role tag', () => {
    const json = JSON.parse(Testing.synth(stack(1, undefined, [{ ruleId: 'GT-VAULT-004', reason: 'shared by the two replicas' }]), true)) as TfJson;
    const policy = Object.values(json.resource['vault_policy']!)[0]!.policy as string;
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
