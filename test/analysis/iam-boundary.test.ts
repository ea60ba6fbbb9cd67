import { TerraformStack, Testing } from 'cdktf';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import { IamRolePolicyAttachment } from '@cdktf/provider-aws/lib/iam-role-policy-attachment';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { VaultProvider } from '@cdktf/provider-vault/lib/provider';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { incidentResponder } from '../../examples/incident-responder';
import { TrustPhasedAgent } from '../../src/terraform';
import { defaultProps, type TfJson } from '../terraform/synth';

const BOUNDARY = 'arn:aws:iam::111122223333:policy/platform-agent-boundary';

/** A stack whose agent brings its own permissions boundary (a managed policy not in the output). */
function stack(extra?: (stack: TerraformStack, agent: TrustPhasedAgent) => void, suppressions: { ruleId: string; reason: string }[] = []) {
  const s = new TerraformStack(Testing.app(), 'test');
  new VaultProvider(s, 'Vault', {});
  new AwsProvider(s, 'Aws', { region: 'eu-west-1' });
  const props = defaultProps(incidentResponder, 2);
  const agent = new TrustPhasedAgent(s, 'Agent', { ...props, aws: { ...props.aws!, permissionsBoundaryArn: BOUNDARY }, suppressions });
  extra?.(s, agent);
  return s;
}

/** Everything written to stderr while `f` runs. */
function stderrOf(f: () => void): string {
  const spy = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  f();
  return spy.mock.calls.map((c) => String(c[0])).join('');
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('a user-supplied permissions boundary at synth (cdktf)', () => {
  it('synthesizes with validations on, warning with GT-IAM-006 that the boundary was not checked', () => {
    let json: TfJson | undefined;
    const stderr = stderrOf(() => {
      json = JSON.parse(Testing.synth(stack(), true)) as TfJson;
    });
    const role = Object.values(json!.resource['aws_iam_role']!)[0]!;
    expect(role['permissions_boundary']).toBe(BOUNDARY);
    expect(stderr).toMatch(/\[warning\] GT-IAM-006 at test\/Agent\/IamRole: IAM role "incident-responder" has permissions boundary arn:aws:iam::111122223333:policy\/platform-agent-boundary/);
    expect(stderr).not.toMatch(/GT-IAM-004/);
  });

  it('records a suppression of GT-IAM-006 with its reason', () => {
    const reason = 'the platform team owns this boundary';
    let json: TfJson | undefined;
    const stderr = stderrOf(() => {
      json = JSON.parse(Testing.synth(stack(undefined, [{ ruleId: 'GT-IAM-006', reason }]), true)) as TfJson;
    });
    expect(stderr).toContain(`suppressed: ${reason}`);
    const role = Object.values(json!.resource['aws_iam_role']!)[0]! as { tags: Record<string, string> };
    expect(role.tags['graduated-trust.dev/guard-suppressions']).toBe('GT-IAM-006');
  });

  it('fails synthesis on an identity policy above the ceiling, as if the boundary allowed everything', () => {
    const s = stack((st, agent) =>
      new IamRolePolicy(st, 'Second', {
        name: 'second',
        role: agent.aws!.role.name,
        policy: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'ecs:UpdateService', Resource: 'arn:aws:ecs:eu-west-1:111122223333:service/shop/checkout' }] }),
      }),
    );
    expect(() => stderrOf(() => Testing.synth(s, true))).toThrowError(/GT-IAM-001.*ecs:UpdateService/s);
  });

  it('fails synthesis on an attached managed policy that is not in the output (GT-IAM-004 stays an error)', () => {
    const s = stack((st, agent) =>
      new IamRolePolicyAttachment(st, 'ReadOnly', { role: agent.aws!.role.name, policyArn: 'arn:aws:iam::aws:policy/ReadOnlyAccess' }),
    );
    expect(() => stderrOf(() => Testing.synth(s, true))).toThrowError(/GT-IAM-004.*ReadOnlyAccess/s);
  });
});
