import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { incidentResponder } from '../../examples/incident-responder';
import { evaluateIam } from '../../src/analysis/iam/evaluate';
import type { PolicyDocument } from '../../src/aws/policy';
import { PHASE_VALUES, type Phase } from '../../src/phase/table';
import { parseVaultPolicy } from '../../src/vault/policy';
import { ISSUER, OIDC_ARN, all, defaultProps, iamPolicies, only, synth, vaultAcl, vaultPolicy } from './synth';

const SVC = 'arn:aws:ecs:eu-west-1:111122223333:service/shop';
const phaseJson = (phase: Phase) => synth(defaultProps(incidentResponder, phase));

describe('TrustPhasedAgent: Vault by phase', () => {
  it('grants only the observe reads in phase 1, with the short Shadow TTLs', () => {
    const json = phaseJson(1);
    const acl = vaultAcl(json);
    expect(acl.capabilities('secret/data/agents/incident-responder/db')).toEqual(['read']);
    expect(acl.allows('secret/metadata/agents/incident-responder/', 'list')).toBe(true);
    expect(acl.capabilities('secret/data/shop/checkout/flags')).toEqual(['deny']);
    expect(acl.capabilities('secret/data/shop/flags/x')).toEqual(['deny']);
    const role = only(json, 'vault_kubernetes_auth_backend_role');
    expect([role.token_ttl, role.token_max_ttl]).toEqual([900, 3600]);
  });

  it('keeps phase 2 read-only with longer TTLs', () => {
    const json = phaseJson(2);
    expect(vaultAcl(json).capabilities('secret/data/shop/checkout/flags')).toEqual(['deny']);
    const role = only(json, 'vault_kubernetes_auth_backend_role');
    expect([role.token_ttl, role.token_max_ttl]).toEqual([1800, 7200]);
  });

  it('keeps the read of the remediate path with the agent in phase 3 and moves its write to the approval policy', () => {
    const json = phaseJson(3);
    const acl = vaultAcl(json);
    expect(acl.capabilities('secret/data/shop/checkout/flags')).toEqual(['read']);
    expect(acl.allows('secret/data/shop/flags/x', 'update')).toBe(false);
    const approved = vaultAcl(json, 'incident-responder-approved');
    expect(approved.capabilities('secret/data/shop/checkout/flags')).toEqual(['update']);
    expect(approved.allows('secret/data/shop/checkout/other', 'update')).toBe(false);
    expect(approved.allows('secret/data/agents/incident-responder/db', 'read')).toBe(false);
  });

  it('renders the operator-only approval token role, single use and orphan, in every phase', () => {
    for (const phase of PHASE_VALUES) {
      const json = phaseJson(phase);
      const role = only(json, 'vault_token_auth_backend_role');
      expect(role).toMatchObject({
        role_name: 'incident-responder-approval', orphan: true, renewable: false, token_type: 'service',
        token_no_default_policy: true, token_num_uses: 1, token_explicit_max_ttl: 900, token_period: 0,
      });
      const approver = vaultPolicy(json, 'incident-responder-approver').policy as string;
      expect(parseVaultPolicy(approver)).toEqual([{ path: 'auth/token/create/incident-responder-approval', capabilities: ['update'] }]);
      expect(approver).toContain('max_wrapping_ttl = "300s"');
      expect(only(json, 'vault_identity_group_policies')).toMatchObject({ policies: [expect.stringContaining('vault_policy.')], exclusive: false });
    }
    const nothing = parseVaultPolicy(vaultPolicy(phaseJson(2), 'incident-responder-approved').policy as string);
    expect(nothing).toEqual([]);
  });

  it('adds the autonomous glob write in phase 4 with the longest TTLs', () => {
    const json = phaseJson(4);
    const acl = vaultAcl(json);
    expect(acl.capabilities('secret/data/shop/flags/x')).toEqual(['read', 'update']);
    expect(acl.allows('secret/data/shop/other', 'update')).toBe(false);
    const role = only(json, 'vault_kubernetes_auth_backend_role');
    expect([role.token_ttl, role.token_max_ttl]).toEqual([3600, 14400]);
  });

  it('binds the auth role to exactly the agent ServiceAccount and namespace and the phase policy', () => {
    for (const phase of PHASE_VALUES) {
      const json = phaseJson(phase);
      const role = only(json, 'vault_kubernetes_auth_backend_role');
      expect(role).toMatchObject({
        backend: 'kubernetes',
        role_name: 'incident-responder',
        bound_service_account_names: ['incident-responder'],
        bound_service_account_namespaces: ['ops-agents'],
      });
      const policyId = Object.entries(json.resource.vault_policy!).find(([, p]) => p.name === 'incident-responder')![0];
      expect(role.token_policies).toEqual([`\${vault_policy.${policyId}.name}`]);
      expect(role.audience).toBe('vault');
    }
  });

  it('names the phase only in the comment at the top of the policy', () => {
    const text = vaultPolicy(phaseJson(3)).policy as string;
    expect(text.split('\n')[0]).toBe('# graduated-trust: agent incident-responder (ops-agents), phase 3 (Limited Remediation)');
    expect(text.split('\n').filter((l) => !l.startsWith('#')).join('\n')).not.toMatch(/phase/i);
  });

  it('puts a control group on the remediate write in phase 3 only, controlling the write capability', () => {
    const props = (phase: Phase) => ({ ...defaultProps(incidentResponder, phase), vault: { authBackendPath: 'kubernetes', approvals: 'control-group' as const, controlGroup: { approverGroupNames: ['sre-oncall'], approvals: 2, ttlSeconds: 3600 } } });
    const rules3 = parseVaultPolicy(only(synth(props(3)), 'vault_policy').policy as string);
    const flags = rules3.find((r) => r.path === 'secret/data/shop/checkout/flags');
    expect(flags?.controlGroup).toEqual({ ttl: '3600s', factors: [{ name: 'operators', groupNames: ['sre-oncall'], approvals: 2, controlledCapabilities: ['update'] }] });
    expect(rules3.filter((r) => r.controlGroup).map((r) => r.path)).toEqual(['secret/data/shop/checkout/flags']);
    for (const phase of [1, 2, 4] as const) {
      expect(parseVaultPolicy(only(synth(props(phase)), 'vault_policy').policy as string).some((r) => r.controlGroup)).toBe(false);
    }
  });

  it('uses the per-phase TTL overrides when they stay within the ceilings', () => {
    const json = synth({ ...defaultProps(incidentResponder, 4), vault: { ...defaultProps(incidentResponder, 4).vault!, tokenTtlSeconds: { 4: 7200 }, tokenMaxTtlSeconds: { 4: 28800 } } });
    const role = only(json, 'vault_kubernetes_auth_backend_role');
    expect([role.token_ttl, role.token_max_ttl]).toEqual([7200, 28800]);
  });

  it('requires the audience "vault" by default and passes another through', () => {
    expect(only(phaseJson(1), 'vault_kubernetes_auth_backend_role').audience).toBe('vault');
    const json = synth({ ...defaultProps(incidentResponder, 1), vault: { ...defaultProps(incidentResponder, 1).vault!, audience: 'https://vault.example.com' } });
    expect(only(json, 'vault_kubernetes_auth_backend_role').audience).toBe('https://vault.example.com');
  });
});

describe('TrustPhasedAgent: AWS IAM by phase', () => {
  const decide = (phase: Phase, action: string, resource: string) => evaluateIam(iamPolicies(phaseJson(phase)), { action, resource });

  it('allows the declared reads and denies writes in phases 1 and 2', () => {
    for (const phase of [1, 2] as const) {
      expect(decide(phase, 'cloudwatch:GetMetricData', '*')).toBe('allow');
      expect(decide(phase, 'ecs:DescribeServices', `${SVC}/checkout`)).toBe('allow');
      expect(decide(phase, 'ecs:UpdateService', `${SVC}/checkout`)).toBe('implicit-deny');
    }
  });

  it('allows ecs:UpdateService on the named service only in phase 3', () => {
    expect(decide(3, 'ecs:UpdateService', `${SVC}/checkout`)).toBe('allow');
    expect(decide(3, 'ecs:UpdateService', `${SVC}/cart`)).toBe('implicit-deny');
  });

  it('widens ecs:UpdateService to the shop services in phase 4, still bounded', () => {
    expect(decide(4, 'ecs:UpdateService', `${SVC}/cart`)).toBe('allow');
    expect(decide(4, 'ecs:UpdateService', 'arn:aws:ecs:eu-west-1:111122223333:service/other/cart')).toBe('implicit-deny');
    expect(decide(4, 'iam:PassRole', '*')).toBe('implicit-deny');
  });

  it('trusts only the agent ServiceAccount through IRSA', () => {
    const trust = JSON.parse(only(phaseJson(1), 'aws_iam_role').assume_role_policy as string) as PolicyDocument;
    expect(trust.Statement).toEqual([
      {
        Sid: 'AgentServiceAccount',
        Effect: 'Allow',
        Principal: { Federated: OIDC_ARN },
        Action: 'sts:AssumeRoleWithWebIdentity',
        Condition: { StringEquals: { [`${ISSUER}:sub`]: 'system:serviceaccount:ops-agents:incident-responder', [`${ISSUER}:aud`]: 'sts.amazonaws.com' } },
      },
    ]);
  });

  it('trusts EKS Pod Identity only with the agent session tags and associates the ServiceAccount', () => {
    const json = synth({ ...defaultProps(incidentResponder, 2), aws: { trust: { podIdentity: { clusterName: 'prod' } } } });
    const trust = JSON.parse(only(json, 'aws_iam_role').assume_role_policy as string) as PolicyDocument;
    expect(trust.Statement).toEqual([
      expect.objectContaining({
        Principal: { Service: 'pods.eks.amazonaws.com' },
        Action: ['sts:AssumeRole', 'sts:TagSession'],
        Condition: { StringEquals: { 'aws:RequestTag/eks-cluster-name': 'prod', 'aws:RequestTag/kubernetes-namespace': 'ops-agents', 'aws:RequestTag/kubernetes-service-account': 'incident-responder' } },
      }),
    ]);
    const roleId = Object.keys(json.resource.aws_iam_role!)[0];
    expect(only(json, 'aws_eks_pod_identity_association')).toMatchObject({
      cluster_name: 'prod',
      namespace: 'ops-agents',
      service_account: 'incident-responder',
      role_arn: `\${aws_iam_role.${roleId}.arn}`,
    });
    expect(only(json, 'aws_eks_pod_identity_association').disable_session_tags).toBeUndefined();
  });

  it('puts a boundary holding exactly the phase ceiling on the role in every phase, under one name', () => {
    for (const phase of PHASE_VALUES) {
      const json = phaseJson(phase);
      const boundaryId = Object.keys(json.resource.aws_iam_policy!)[0];
      expect(only(json, 'aws_iam_role').permissions_boundary).toBe(`\${aws_iam_policy.${boundaryId}.arn}`);
      const boundary = JSON.parse(only(json, 'aws_iam_policy').policy as string) as PolicyDocument;
      // An out-of-band policy with phase-4 access stays inside the boundary of the committed phase.
      expect(evaluateIam({ identity: [boundary] }, { action: 'ecs:UpdateService', resource: `${SVC}/cart` })).toBe(phase === 4 ? 'allow' : 'implicit-deny');
      expect(evaluateIam({ identity: [boundary] }, { action: 'ecs:UpdateService', resource: `${SVC}/checkout` })).toBe(phase >= 3 ? 'allow' : 'implicit-deny');
      expect(only(json, 'aws_iam_policy').name).toBe('incident-responder-boundary');
    }
  });

  it('keeps a hand-widened inline policy inside the boundary', () => {
    const { boundary } = iamPolicies(phaseJson(1));
    const widened: PolicyDocument = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] };
    expect(evaluateIam({ identity: [widened], boundary }, { action: 'iam:CreateUser', resource: '*' })).toBe('implicit-deny');
    expect(evaluateIam({ identity: [widened], boundary }, { action: 'ecs:DeleteService', resource: `${SVC}/checkout` })).toBe('implicit-deny');
  });

  it('uses a given boundary ARN instead of generating one', () => {
    const arn = 'arn:aws:iam::111122223333:policy/agents-boundary';
    const json = synth({ ...defaultProps(incidentResponder, 1), aws: { trust: { irsa: { oidcProviderArn: OIDC_ARN, issuerHostPath: ISSUER } }, permissionsBoundaryArn: arn } });
    expect(all(json, 'aws_iam_policy')).toEqual([]);
    expect(only(json, 'aws_iam_role').permissions_boundary).toBe(arn);
  });

  it('sets max_session_duration from the phase table and tags the role with the phase', () => {
    const durations = PHASE_VALUES.map((p) => only(phaseJson(p), 'aws_iam_role').max_session_duration);
    expect(durations).toEqual([3600, 3600, 3600, 7200]);
    expect(only(phaseJson(3), 'aws_iam_role').tags).toEqual({
      'app.kubernetes.io/managed-by': 'graduated-trust',
      'graduated-trust.dev/agent': 'incident-responder',
      'graduated-trust.dev/phase': '3',
      'graduated-trust.dev/phase-name': 'Limited Remediation',
    });
  });

  it('writes the inline policy with a fixed name and Sids by tier and rule', () => {
    const json = phaseJson(4);
    const inline = only(json, 'aws_iam_role_policy');
    expect(inline.name).toBe('graduated-trust');
    const doc = JSON.parse(inline.policy as string) as { Statement: Array<{ Sid: string }> };
    expect(doc.Statement.map((s) => s.Sid)).toEqual(['Observe0', 'Observe1', 'Remediate0', 'Autonomous0']);
  });

  it('leaves the inline policy out in phases whose tiers declare no AWS access', () => {
    const def = { ...incidentResponder, observe: { ...incidentResponder.observe, aws: [] } };
    expect(all(synth(defaultProps(def, 2)), 'aws_iam_role_policy')).toEqual([]);
    expect(all(synth(defaultProps(def, 3)), 'aws_iam_role_policy')).toHaveLength(1);
  });
});

describe('TrustPhasedAgent: stable names and IDs', () => {
  it('uses the same resource names and construct IDs in every phase', () => {
    const shape = (phase: Phase) => {
      const json = phaseJson(phase);
      return Object.fromEntries(Object.entries(json.resource).map(([type, byId]) => [type, Object.entries(byId).map(([id, r]) => [id, r.name ?? r.role_name])]));
    };
    const first = shape(1);
    for (const phase of PHASE_VALUES) expect(shape(phase)).toEqual(first);
    expect(first).toEqual({
      aws_iam_policy: [['Agent_IamBoundary_185B6004', 'incident-responder-boundary']],
      aws_iam_role: [['Agent_IamRole_3127537A', 'incident-responder']],
      aws_iam_role_policy: [['Agent_IamPermissions_3703956A', 'graduated-trust']],
      vault_identity_group_policies: [['Agent_VaultApprovers_sre-oncall_562889CA', undefined]],
      vault_kubernetes_auth_backend_role: [['Agent_VaultRole_57B7FDEB', 'incident-responder']],
      vault_policy: [
        ['Agent_VaultApprovalPolicy_7C3F61E5', 'incident-responder-approved'],
        ['Agent_VaultApproverPolicy_A09997B5', 'incident-responder-approver'],
        ['Agent_VaultPolicy_8CC9573E', 'incident-responder'],
      ],
      vault_token_auth_backend_role: [['Agent_VaultApprovalRole_67769C1E', 'incident-responder-approval']],
    });
  });

  it('creates no provider, backend or output', () => {
    const json = phaseJson(2);
    expect(json.provider).toBeUndefined();
    expect(json.output).toBeUndefined();
    expect((json.terraform as Record<string, unknown> | undefined)?.backend).toBeUndefined();
  });

  it('synthesizes byte-identical output for the same input', () => {
    expect(JSON.stringify(phaseJson(3))).toBe(JSON.stringify(phaseJson(3)));
  });
});

describe('TrustPhasedAgent: phase from the state file', () => {
  const stateFile = (agent: string, phase: number) => {
    const file = join(mkdtempSync(join(tmpdir(), 'gt-tf-')), 'state.json');
    writeFileSync(file, JSON.stringify({ agent, phase, since: '2026-10-01T00:00:00Z' }));
    return file;
  };

  it('reads the phase from the state file', () => {
    const { phase: _phase, ...rest } = defaultProps(incidentResponder, 1);
    const json = synth({ ...rest, stateFile: stateFile('incident-responder', 3) });
    expect((only(json, 'aws_iam_role').tags as Record<string, string>)['graduated-trust.dev/phase']).toBe('3');
  });

  it('fails when the state file is for another agent', () => {
    const { phase: _phase, ...rest } = defaultProps(incidentResponder, 1);
    expect(() => synth({ ...rest, stateFile: stateFile('someone-else', 3) })).toThrow(/is for agent "someone-else", but definition.name is "incident-responder"/);
  });

  it('fails when the state file does not exist', () => {
    const { phase: _phase, ...rest } = defaultProps(incidentResponder, 1);
    expect(() => synth({ ...rest, stateFile: '/nonexistent/state.json' })).toThrow(expect.objectContaining({ code: 'GT_STATE_IO' }));
  });

  it('fails when both phase and stateFile are given, or neither', () => {
    expect(() => synth({ ...defaultProps(incidentResponder, 1), stateFile: stateFile('incident-responder', 1) })).toThrow(expect.objectContaining({ code: 'GT_PHASE_INVALID' }));
    const { phase: _phase, ...rest } = defaultProps(incidentResponder, 1);
    expect(() => synth(rest)).toThrow(/got neither phase nor stateFile; pass exactly one/);
  });

  it('fails on a phase outside 1–4', () => {
    expect(() => synth({ ...defaultProps(incidentResponder, 1), phase: 5 as Phase })).toThrow(/phase 5 is not a phase/);
  });
});

