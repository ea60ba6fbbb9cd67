/**
 * Regressions of issue 12 (Terraform half): each widening synthesized with exit 0 while the agent
 * gained access. Each test builds the example's cdktf stack (examples/tf-app.ts props) with the
 * widening and asserts synthesis fails with the rule ID, and that `trust-gate access` reports it.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Fn, TerraformStack, TerraformVariable, Testing, Token } from 'cdktf';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import { IamPolicyAttachment } from '@cdktf/provider-aws/lib/iam-policy-attachment';
import { IamRolePoliciesExclusive } from '@cdktf/provider-aws/lib/iam-role-policies-exclusive';
import { IamRolePolicyAttachmentsExclusive } from '@cdktf/provider-aws/lib/iam-role-policy-attachments-exclusive';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { S3BucketPolicy } from '@cdktf/provider-aws/lib/s3-bucket-policy';
import { KubernetesAuthBackendRole } from '@cdktf/provider-vault/lib/kubernetes-auth-backend-role';
import { JwtAuthBackendRole } from '@cdktf/provider-vault/lib/jwt-auth-backend-role';
import { Policy } from '@cdktf/provider-vault/lib/policy';
import { VaultProvider } from '@cdktf/provider-vault/lib/provider';
import { describe, expect, it } from 'vitest';
import { incidentResponder } from '../../examples/incident-responder';
import { TERRAFORM_PROPS } from '../../examples/tf-app';
import { accessOf } from '../../src/analysis/access';
import { runGuard } from '../../src/analysis/guard/run';
import { stackFromTerraform } from '../../src/analysis/guard/synth';
import { boundaryPolicy } from '../../src/aws/policy';
import type { AgentDefinition } from '../../src/definition/types';
import type { Phase } from '../../src/phase/table';
import { TrustPhasedAgent } from '../../src/terraform';
import { runCli, tempDir } from '../support/cli';

const AGENT = { namespace: 'ops-agents', name: 'incident-responder' };
const DB = 'arn:aws:rds:eu-west-1:111122223333:db:shop-orders';

/** The example agent that may also reboot the orders database, only from phase 3. */
const withReboot: AgentDefinition = {
  ...incidentResponder,
  remediate: { ...incidentResponder.remediate, aws: [...(incidentResponder.remediate?.aws ?? []), { actions: ['rds:RebootDBInstance'], resources: [DB] }] },
};

interface Built {
  readonly stack: TerraformStack;
  readonly agent: TrustPhasedAgent;
}

/** The example's stack (providers and the agent with TERRAFORM_PROPS) at `phase`, with `widen` applied. */
function build(phase: Phase, widen: (b: Built) => void, definition: AgentDefinition = incidentResponder): Built {
  const stack = new TerraformStack(Testing.app(), 'incident-responder');
  new VaultProvider(stack, 'Vault', {});
  new AwsProvider(stack, 'Aws', { region: 'eu-west-1' });
  const agent = new TrustPhasedAgent(stack, 'IncidentResponder', { definition, phase, ...TERRAFORM_PROPS });
  const built = { stack, agent };
  widen(built);
  return built;
}

/** Synthesizes with validations (the guard) and returns the error text, or '' when it passed. */
function synthError(b: Built): string {
  try {
    Testing.synth(b.stack, true);
    return '';
  } catch (e) {
    return String((e as Error).message);
  }
}

/** The stack as `trust-gate access` reads it from cdktf.out, without running the guard. */
function writeOut(b: Built): string {
  const dir = tempDir('gt-reg-tf-');
  const folder = join(dir, 'stacks', b.stack.node.id);
  mkdirSync(folder, { recursive: true });
  writeFileSync(join(folder, 'cdk.tf.json'), JSON.stringify(b.stack.toTerraform(), null, 2));
  return dir;
}

function findings(b: Built, phase: Phase) {
  return runGuard({ output: { manifests: [], stacks: [stackFromTerraform(b.stack.toTerraform() as Record<string, unknown>, b.stack.node.id)] }, definition: incidentResponder, phase, ...TERRAFORM_PROPS });
}

function model(b: Built) {
  return accessOf({ manifests: [], stacks: [stackFromTerraform(b.stack.toTerraform() as Record<string, unknown>, b.stack.node.id)] }, AGENT);
}

const allow = (Action: string | string[], Resource: string | string[] = '*') => JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action, Resource }] });

/**
 * The boundary the stack had: every tier's AWS rules (here those of phase 3, which hold
 * the reboot), so a policy with `Resource: "*"` reaches the database inside the boundary.
 */
function allTierBoundary({ agent }: Built): void {
  agent.aws!.boundary!.addOverride('policy', JSON.stringify(boundaryPolicy(withReboot, 3)));
}

/** The three widenings of the issue, each a policy with `Resource: "*"` on the agent's role. */
const WIDENINGS: ReadonlyArray<readonly [string, (b: Built) => void, RegExp]> = [
  ['a second aws_iam_role_policy', ({ stack, agent }) => {
    new IamRolePolicy(stack, 'Reboot', { name: 'reboot', role: agent.aws!.role.name, policy: allow('rds:RebootDBInstance') });
  }, /GT-IAM-001[^\n]*IAM policy inline reboot[^\n]*rds:RebootDBInstance on arn:aws:rds:eu-west-1:111122223333:db:shop-orders/],
  ['an inline_policy block added with addOverride', ({ agent }) => {
    agent.aws!.role.addOverride('inline_policy', [{ name: 'sneaky', policy: allow('rds:RebootDBInstance') }]);
  }, /GT-IAM-001[^\n]*IAM policy inline sneaky[^\n]*rds:RebootDBInstance on arn:aws:rds:eu-west-1:111122223333:db:shop-orders/],
  ['an override of the construct\'s own inline policy', ({ agent }) => {
    agent.aws!.permissions!.addOverride('policy', allow(['cloudwatch:GetMetricData', 'rds:RebootDBInstance']));
  }, /GT-IAM-001[^\n]*IAM policy inline graduated-trust[^\n]*rds:RebootDBInstance on arn:aws:rds:eu-west-1:111122223333:db:shop-orders/],
];

function rebootIn(b: Built): boolean {
  return JSON.stringify(model(b).aws.roles).includes('rds:RebootDBInstance');
}

describe('guard regressions: IAM', () => {
  it('passes the example with the reboot grant at phases 2 and 3', () => {
    for (const phase of [2, 3] as const) expect(synthError(build(phase, () => {}, withReboot))).toBe('');
  });

  for (const [name, widen, rule] of WIDENINGS) {
    it(`fails synthesis when ${name} with Resource "*" gives rds:RebootDBInstance at phase 2 inside an all-tier boundary`, () => {
      const b = build(2, (x) => { allTierBoundary(x); widen(x); }, withReboot);
      expect(synthError(b)).toMatch(rule);
      expect(rebootIn(b)).toBe(true);
    });

    it(`fails synthesis when ${name} with Resource "*" gives rds:RebootDBInstance at phase 2 under a boundary given by ARN`, () => {
      const stack = new TerraformStack(Testing.app(), 'incident-responder');
      new AwsProvider(stack, 'Aws', { region: 'eu-west-1' });
      const agent = new TrustPhasedAgent(stack, 'IncidentResponder', {
        definition: withReboot, phase: 2, ...TERRAFORM_PROPS,
        aws: { ...TERRAFORM_PROPS.aws, permissionsBoundaryArn: 'arn:aws:iam::111122223333:policy/platform-boundary' },
        suppressions: [{ ruleId: 'GT-IAM-006', reason: 'the platform team owns the boundary' }],
      });
      widen({ stack, agent });
      expect(synthError({ stack, agent })).toMatch(/GT-IAM-001[^\n]*rds:RebootDBInstance on \*/);
    });

    it(`passes ${name} with Resource "*" at phase 2 under the rendered per-phase boundary, which the model agrees holds no reboot`, () => {
      const b = build(2, widen, withReboot);
      expect(synthError(b)).toBe('');
      expect(rebootIn(b)).toBe(false);
    });
  }

  it('fails synthesis when a policy with Resource "*" at phase 3 allows the reboot without the operator\'s approval tag', () => {
    const b = build(3, WIDENINGS[0]![1], withReboot);
    expect(synthError(b)).toMatch(/GT-IAM-001[^\n]*rds:RebootDBInstance on arn:aws:rds:eu-west-1:111122223333:db:shop-orders without the operator's approval tag/);
  });

  it('fails synthesis when aws_iam_role_policy_attachments_exclusive attaches AdministratorAccess, and access shows it', async () => {
    const admin = 'arn:aws:iam::aws:policy/AdministratorAccess';
    const b = build(2, ({ stack, agent }) => {
      new IamRolePolicyAttachmentsExclusive(stack, 'Admin', { roleName: agent.aws!.role.name, policyArns: [admin] });
    });
    expect(synthError(b)).toMatch(/GT-IAM-004[^\n]*AdministratorAccess/);
    const run = await runCli(['access', writeOut(b), '--agent', 'ops-agents/incident-responder']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`! ${admin} is not in the output: access unknown`);
  });

  it('fails synthesis when aws_iam_policy_attachment or managed_policy_arns attach a policy not in the output', () => {
    const admin = 'arn:aws:iam::aws:policy/AdministratorAccess';
    const viaAttachment = build(2, ({ stack, agent }) => {
      new IamPolicyAttachment(stack, 'Shared', { name: 'shared', policyArn: admin, roles: [agent.aws!.role.name] });
    });
    expect(synthError(viaAttachment)).toMatch(/GT-IAM-004[^\n]*AdministratorAccess/);
    const viaRole = build(2, ({ agent }) => agent.aws!.role.addOverride('managed_policy_arns', [admin]));
    expect(synthError(viaRole)).toMatch(/GT-IAM-004[^\n]*AdministratorAccess/);
  });

  it('fails synthesis when aws_iam_role_policies_exclusive keeps an inline policy the output does not hold', () => {
    const b = build(2, ({ stack, agent }) => {
      new IamRolePoliciesExclusive(stack, 'Keep', { roleName: agent.aws!.role.name, policyNames: ['graduated-trust', 'made-by-hand'] });
    });
    expect(synthError(b)).toMatch(/GT-IAM-004[^\n]*inline made-by-hand/);
  });

  it('fails synthesis when aws_iam_role_policy_attachments_exclusive takes its list from an expression', () => {
    const b = build(2, ({ stack, agent }) => {
      const arns = new TerraformVariable(stack, 'arns', { type: 'list(string)' });
      new IamRolePolicyAttachmentsExclusive(stack, 'Some', { roleName: agent.aws!.role.name, policyArns: arns.listValue });
    });
    expect(synthError(b)).toMatch(/GT-IAM-004/);
  });
});

describe('guard regressions: what names the role outside IAM', () => {
  it('warns with GT-IAM-008 when a bucket policy in the stack names the agent role, and access marks it unknown', () => {
    const b = build(2, ({ stack, agent }) => {
      new S3BucketPolicy(stack, 'Orders', {
        bucket: 'shop-orders',
        policy: Fn.jsonencode({ Statement: [{ Effect: 'Allow', Principal: { AWS: agent.aws!.role.arn }, Action: 's3:*', Resource: '*' }] }),
      });
    });
    const found = findings(b, 2);
    expect(found.filter((f) => f.level === 'error')).toEqual([]);
    expect(found.map((f) => f.ruleId)).toContain('GT-IAM-008');
    expect(model(b).aws.roles['incident-responder']?.unresolved.join('\n')).toContain('aws_s3_bucket_policy.Orders');
  });
});

describe('guard regressions: Vault', () => {
  it('fails synthesis when token_policies is a concat(...) expression, and access never says "policies none"', async () => {
    const b = build(2, ({ stack, agent }) => {
      const extra = new Policy(stack, 'Extra', { name: 'extra', policy: 'path "secret/data/shop/*" { capabilities = ["update"] }' });
      agent.vault!.role.tokenPolicies = Token.asList(Fn.concat([[agent.vault!.policy.name], [extra.name]]));
    });
    expect(synthError(b)).toMatch(/GT-VAULT-003[^\n]*token_policies[^\n]*an expression/);
    const run = await runCli(['access', writeOut(b), '--agent', 'ops-agents/incident-responder']);
    expect(run.code).toBe(0);
    expect(run.stdout).not.toContain('policies none');
    expect(run.stdout).toMatch(/! not in the output, access unknown: token_policies .*concat/);
  });

  it('fails synthesis when token_policies is a variable, and access never says "policies none"', async () => {
    const b = build(1, ({ stack, agent }) => {
      const policies = new TerraformVariable(stack, 'policies', { type: 'list(string)' });
      agent.vault!.role.tokenPolicies = policies.listValue;
    });
    expect(synthError(b)).toMatch(/GT-VAULT-003[^\n]*var\.policies/);
    const run = await runCli(['access', writeOut(b)]);
    expect(run.stdout).not.toContain('policies none');
    expect(run.stdout).toContain('var.policies');
  });

  it('fails synthesis when token_no_default_policy is overridden to false', () => {
    const b = build(2, ({ agent }) => agent.vault!.role.addOverride('token_no_default_policy', false));
    expect(synthError(b)).toMatch(/GT-VAULT-003[^\n]*"default \(Vault's built-in policy/);
    expect(model(b).vault.unresolved.join('\n')).toContain('default');
  });

  it('fails synthesis when a JWT/OIDC auth role bound to the agent\'s ServiceAccount sub attaches a wider policy', () => {
    const b = build(2, ({ stack }) => {
      const wide = new Policy(stack, 'Wide', { name: 'wide', policy: 'path "secret/data/shop/*" { capabilities = ["read", "update"] }' });
      new JwtAuthBackendRole(stack, 'Oidc', {
        backend: 'jwt',
        roleName: 'incident-responder-oidc',
        roleType: 'jwt',
        userClaim: 'sub',
        boundAudiences: ['vault'],
        boundSubject: 'system:serviceaccount:ops-agents:incident-responder',
        tokenPolicies: [wide.name],
        tokenTtl: 600,
        tokenMaxTtl: 1200,
        tokenNoDefaultPolicy: true,
      });
    });
    expect(synthError(b)).toMatch(/GT-VAULT-001[^\n]*"wide"[^\n]*incident-responder-oidc[^\n]*secret\/data\/shop\/\*: update/);
    expect(model(b).vault.roles['incident-responder-oidc']?.auth).toBe('jwt');
  });

  it('fails synthesis when a JWT role binds the agent through bound_claims on its Kubernetes claims', () => {
    const b = build(2, ({ stack }) => {
      const wide = new Policy(stack, 'Wide', { name: 'wide', policy: 'path "secret/data/shop/*" { capabilities = ["update"] }' });
      new JwtAuthBackendRole(stack, 'Claims', {
        backend: 'jwt', roleName: 'by-claims', roleType: 'jwt', userClaim: 'sub', boundAudiences: ['vault'],
        boundClaims: { '/kubernetes.io/namespace': 'ops-agents', '/kubernetes.io/serviceaccount/name': 'incident-responder' },
        tokenPolicies: [wide.name], tokenTtl: 600, tokenMaxTtl: 1200, tokenNoDefaultPolicy: true,
      });
    });
    expect(synthError(b)).toMatch(/GT-VAULT-001[^\n]*by-claims/);
  });
});

describe('guard regressions: Vault bindings that may match the agent', () => {
  it('fails synthesis when a JWT role that binds no subject and no claim attaches a wider policy', () => {
    const b = build(2, ({ stack }) => {
      const wide = new Policy(stack, 'Wide', { name: 'wide', policy: 'path "secret/data/shop/*" { capabilities = ["update"] }' });
      new JwtAuthBackendRole(stack, 'Anyone', {
        backend: 'jwt', roleName: 'anyone', roleType: 'jwt', userClaim: 'sub', boundAudiences: ['vault'],
        tokenPolicies: [wide.name], tokenTtl: 600, tokenMaxTtl: 1200, tokenNoDefaultPolicy: true,
      });
    });
    expect(synthError(b)).toMatch(/GT-VAULT-001[^\n]*"wide"[^\n]*"anyone"/);
  });

  it('does not count a JWT role bound by a claim a ServiceAccount token never carries', () => {
    const b = build(2, ({ stack }) => {
      const wide = new Policy(stack, 'Wide', { name: 'wide', policy: 'path "secret/data/shop/*" { capabilities = ["update"] }' });
      new JwtAuthBackendRole(stack, 'Ci', {
        backend: 'github', roleName: 'ci', roleType: 'jwt', userClaim: 'sub', boundAudiences: ['vault'], boundClaims: { repository: 'shop/checkout' },
        tokenPolicies: [wide.name], tokenTtl: 600, tokenMaxTtl: 1200, tokenNoDefaultPolicy: true,
      });
    });
    expect(synthError(b)).toBe('');
    expect(Object.keys(model(b).vault.roles)).toEqual(['incident-responder']);
  });

  it('fails synthesis when a Kubernetes auth role takes its bound names from a variable and attaches a wider policy', () => {
    const b = build(2, ({ stack }) => {
      const names = new TerraformVariable(stack, 'names', { type: 'list(string)' });
      const wide = new Policy(stack, 'Wide', { name: 'wide', policy: 'path "secret/data/shop/*" { capabilities = ["update"] }' });
      new KubernetesAuthBackendRole(stack, 'Shared', {
        backend: 'kubernetes', roleName: 'shared', boundServiceAccountNames: names.listValue, boundServiceAccountNamespaces: ['ops-agents'],
        audience: 'vault', tokenPolicies: [wide.name], tokenTtl: 600, tokenMaxTtl: 1200, tokenNoDefaultPolicy: true,
      });
    });
    expect(synthError(b)).toMatch(/GT-VAULT-001[^\n]*"wide"[^\n]*"shared"/);
  });
});

describe('guard regressions: access and diff with a misspelt agent', () => {
  it('fails access --agent with a misspelt agent, naming the agents present', async () => {
    const out = writeOut(build(2, () => {}));
    const run = await runCli(['access', out, '--agent', 'ops-agents/incident-responer']);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain('agent ops-agents/incident-responer is not in the output');
    expect(run.stderr).toContain('ops-agents/incident-responder');
  });

  it('fails diff --agent with a misspelt agent, naming the agents present', async () => {
    const before = writeOut(build(2, () => {}));
    const after = writeOut(build(3, () => {}));
    const run = await runCli(['diff', before, after, '--agent', 'ops-agents/incident-responer', '--detailed-exitcode']);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('agent ops-agents/incident-responer is not in the output');
    expect(run.stderr).toContain('ops-agents/incident-responder');
  });
});
