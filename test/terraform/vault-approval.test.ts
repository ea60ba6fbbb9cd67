/**
 * Phase-3 Vault approvals judged by the ACL evaluator (src/analysis/vault/acl.ts, tested against
 * hashicorp/vault's acl_test.go cases): the agent's own token reads but never writes the
 * remediate path; a token of the approval role writes it once and reads nothing else; the agent
 * cannot mint such a token, only approvers can.
 */
import { describe, expect, it } from 'vitest';
import { incidentResponder } from '../../examples/incident-responder';
import { VaultAcl } from '../../src/analysis/vault/acl';
import { parseVaultPolicy } from '../../src/vault/policy';
import { all, defaultProps, only, synth, vaultPolicy, type TfJson } from './synth';

const FLAGS = 'secret/data/shop/checkout/flags';
const CREATE = 'auth/token/create/incident-responder-approval';
const acl = (json: TfJson, name: string) => new VaultAcl([parseVaultPolicy(vaultPolicy(json, name).policy as string)]);

/** A token as Vault counts its uses: every request spends one, and a spent token is revoked. */
function token(policies: VaultAcl, uses: number): (path: string, cap: string) => boolean {
  let left = uses;
  return (path, cap) => {
    if (left === 0) return false;
    left--;
    return policies.allows(path, cap);
  };
}

describe('Vault approvals in phase 3', () => {
  const json = synth(defaultProps(incidentResponder, 3));
  const role = only(json, 'vault_token_auth_backend_role');

  it("keeps the remediate write out of the agent's own token", () => {
    const agent = acl(json, 'incident-responder');
    expect(agent.allows(FLAGS, 'read')).toBe(true);
    for (const cap of ['update', 'create', 'patch', 'delete']) expect(agent.allows(FLAGS, cap)).toBe(false);
  });

  it('lets a token of the approval role write the path once and read nothing', () => {
    expect(role).toMatchObject({ role_name: 'incident-responder-approval', token_num_uses: 1, orphan: true, renewable: false, token_no_default_policy: true, token_period: 0 });
    expect(role.allowed_policies).toEqual([`\${vault_policy.${Object.entries(json.resource.vault_policy!).find(([, p]) => p.name === 'incident-responder-approved')![0]}.name}`]);
    const approved = acl(json, 'incident-responder-approved');
    const use = token(approved, role.token_num_uses as number);
    expect(use(FLAGS, 'update')).toBe(true);
    expect(use(FLAGS, 'update')).toBe(false);
    for (const path of [FLAGS, 'secret/data/agents/incident-responder/x', 'secret/data/shop/cart/flags', 'sys/policy/x']) {
      expect(approved.allows(path, 'read'), path).toBe(false);
    }
    expect(approved.allows('secret/data/shop/cart/flags', 'update')).toBe(false);
  });

  it('lets approvers mint approval tokens and never the agent', () => {
    const agent = acl(json, 'incident-responder');
    for (const cap of ['create', 'update', 'sudo']) {
      expect(agent.allows(CREATE, cap)).toBe(false);
      expect(agent.allows('auth/token/create', cap)).toBe(false);
    }
    const approver = acl(json, 'incident-responder-approver');
    expect(approver.allows(CREATE, 'update')).toBe(true);
    expect(approver.allows('auth/token/create/other-role', 'update')).toBe(false);
    // The agent's login role attaches only its own policy, the approvers' policy goes to the approver group.
    const login = only(json, 'vault_kubernetes_auth_backend_role');
    expect((login.token_policies as string[]).length).toBe(1);
    expect(all(json, 'vault_identity_group_policies').flatMap((g) => g.policies as string[]).every((p) => p.includes('ApproverPolicy'))).toBe(true);
  });

  it('grants an approval token nothing outside phase 3', () => {
    for (const phase of [1, 2, 4] as const) {
      const approved = acl(synth(defaultProps(incidentResponder, phase)), 'incident-responder-approved');
      for (const cap of ['read', 'update', 'create']) expect(approved.allows(FLAGS, cap), `phase ${phase} ${cap}`).toBe(false);
    }
  });
});
