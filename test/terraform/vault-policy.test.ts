import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { incidentResponder } from '../../examples/incident-responder';
import { TrustError } from '../../src/errors';
import { parseVaultPolicy, type VaultPathRule } from '../../src/vault/policy';
import { renderVaultPolicy } from '../../src/vault/render';
import { all, defaultProps, synth, vaultPolicy } from './synth';

const rule = (path: string, capabilities: string[] = ['read']): VaultPathRule => ({ path, capabilities });
const render = (...rules: VaultPathRule[]) => renderVaultPolicy({ header: ['h'], rules });

describe('renderVaultPolicy', () => {
  it('renders the header as comments and one path block per rule, which parse back to the same rules', () => {
    const rules = [rule('secret/data/a/*', ['read', 'list']), rule('secret/data/b', ['read', 'update'])];
    const text = renderVaultPolicy({ header: ['agent x', 'phase 1'], rules });
    expect(text).toBe('# agent x\n# phase 1\n\npath "secret/data/a/*" {\n  capabilities = ["read", "list"]\n}\n\npath "secret/data/b" {\n  capabilities = ["read", "update"]\n}\n');
    expect(parseVaultPolicy(text)).toEqual(rules);
  });

  it('renders a control group that parses back with its factor', () => {
    const withCg: VaultPathRule = { path: 'secret/data/b', capabilities: ['read', 'update'], controlGroup: { ttl: '600s', factors: [{ name: 'ops', groupNames: ['a', 'b'], approvals: 2, controlledCapabilities: ['update'] }] } };
    expect(parseVaultPolicy(render(withCg))).toEqual([withCg]);
  });

  it.each([
    ['a quote', 'secret/a" {}\npath "sys/*'],
    ['a newline', 'secret/a\n'],
    ['a brace', 'secret/a}'],
    ['a space', 'secret/a b'],
    ['a Terraform template', 'secret/${var.x}'],
    ['a Terraform directive', 'secret/%{if true}'],
    ['a backslash', 'secret/a\\'],
    ['a leading slash', '/secret/a'],
    ['a bare glob', '*'],
    ['a bare segment wildcard', '+'],
    ['a leading segment wildcard', '+/data'],
    ['a glob before the end', 'secret/*/a'],
  ])('fails to render a path with %s', (_what, path) => {
    expect(() => render(rule(path))).toThrow(expect.objectContaining({ code: 'GT_VAULT_PATH' }));
  });

  it.each([['sudo'], ['deny'], ['root'], ['subscribe']])('fails to render the capability %s', (cap) => {
    expect(() => render(rule('secret/data/a', [cap]))).toThrow(/only read, list, create, update, patch, delete are ever granted/);
  });

  it.each([['sys/policy/x'], ['auth/token/create'], ['identity/entity'], ['sys'], ['sy*'], ['a*']])('fails to render writes on %s', (path) => {
    expect(() => render(rule(path, ['update']))).toThrow(/writes under sys\/, auth\/ and identity\/ change Vault itself/);
  });

  it('renders reads under sys/', () => {
    expect(render(rule('sys/health', ['read']))).toContain('path "sys/health"');
  });

  it('fails to render a header line with a line break, or a rule without capabilities', () => {
    expect(() => renderVaultPolicy({ header: ['x\npath "sys/*" {}'], rules: [] })).toThrow(TrustError);
    expect(() => render(rule('secret/a', []))).toThrow(/without capabilities/);
  });

  it('fails to render control-group names outside the whitelist', () => {
    const cg = (name: string): VaultPathRule => ({ path: 'secret/a', capabilities: ['update'], controlGroup: { factors: [{ name: 'ops', groupNames: [name], approvals: 1 }] } });
    expect(() => render(cg('a" ] } } path "sys/*" { capabilities = ["sudo"] } #'))).toThrow(/identity group name/);
  });

  it('never lets a string from outside add a rule (random paths)', () => {
    const chars = fc.constantFrom(...'ab/+*"{}[]#\n\r\\ $%=,.-_\t'.split(''));
    fc.assert(
      fc.property(fc.array(chars, { minLength: 1, maxLength: 24 }).map((a) => a.join('')), (path) => {
        let text: string;
        try {
          text = render(rule(path, ['read']));
        } catch (e) {
          expect(e).toBeInstanceOf(TrustError);
          return;
        }
        expect(parseVaultPolicy(text)).toEqual([rule(path, ['read'])]);
      }),
      { numRuns: 2000, seed: 7 },
    );
  });
});

describe('parseVaultPolicy', () => {
  it('reads comments of every kind, old-style policies, labels and JSON', () => {
    const text = `# hash\n// slashes\n/* block\n comment */\nname = "x"\npath "a/*" { policy = "write" }\npath "/b" {\n  capabilities = ["read", "deny"]\n}`;
    expect(parseVaultPolicy(text)).toEqual([rule('a/*', ['create', 'read', 'update', 'delete', 'list']), rule('b', ['deny'])]);
    expect(parseVaultPolicy('{"path": [{"a": {"capabilities": ["list"]}}, {"b": {"policy": "read"}}]}')).toEqual([rule('a', ['list']), rule('b', ['read', 'list'])]);
  });

  it.each([
    ['an unknown capability', 'path "a" {\n  capabilities = ["sudoo"]\n}', /invalid capability "sudoo"/],
    ['an unknown key', 'path "a" {\n  capabilites = ["read"]\n}', /line 2: path "a": invalid key "capabilites"/],
    ['an unknown top-level key', 'paths "a" {}', /invalid top-level key "paths"/],
    ['an unclosed string', 'path "a {\n}', /line 1: a string is not closed/],
    ['a missing brace', 'path "a" {\n capabilities = ["read"]\n', /expected "}" before the end/],
    ['"+*"', 'path "a/+*" { capabilities = ["read"] }', /'\+\*' is forbidden/],
    ['interpolation', 'path "a/${x}" { capabilities = ["read"] }', /interpolation/],
    ['a name block (TestACL_ParseMalformedPolicy)', 'name{}', /name must be a string/],
    ['invalid JSON', '{"path": ', /not valid JSON/],
    ['an old-style policy it does not know', 'path "a" { policy = "admin" }', /invalid policy "admin"/],
  ])('fails on %s', (_what, text, message) => {
    expect(() => parseVaultPolicy(text)).toThrow(message);
  });

  it('reads the policies the construct synthesizes in every phase', () => {
    for (const phase of [1, 2, 3, 4] as const) {
      const policies = all(synth(defaultProps(incidentResponder, phase)), 'vault_policy');
      // The agent's own policy, its approval policy and the approvers' policy.
      expect(policies.map((p) => p.name).sort()).toEqual(['incident-responder', 'incident-responder-approved', 'incident-responder-approver']);
      expect(parseVaultPolicy(vaultPolicy(synth(defaultProps(incidentResponder, phase))).policy as string).length).toBeGreaterThan(0);
      for (const p of policies) expect(() => parseVaultPolicy(p.policy as string)).not.toThrow();
    }
  });
});

describe('Vault injection through the agent definition', () => {
  it('never lets a path from the definition add a rule to the synthesized policy', () => {
    const chars = fc.constantFrom(...'secrtda/+*"{}#\n \\$%'.split(''));
    fc.assert(
      fc.property(fc.array(chars, { minLength: 1, maxLength: 30 }).map((a) => 'secret/' + a.join('')), (path) => {
        const def = { ...incidentResponder, observe: { ...incidentResponder.observe, vault: [{ path, capabilities: ['read' as const] }] } };
        let text: string;
        try {
          text = vaultPolicy(synth(defaultProps(def, 4))).policy as string;
        } catch (e) {
          expect(e).toBeInstanceOf(TrustError);
          return;
        }
        const declared = new Set([path, 'secret/data/shop/checkout/flags', 'secret/data/shop/flags/*']);
        expect(new Set(parseVaultPolicy(text).map((r) => r.path))).toEqual(declared);
      }),
      { numRuns: 300, seed: 11 },
    );
  });

  it('fails on the classic break-out path before anything is synthesized', () => {
    const def = { ...incidentResponder, observe: { ...incidentResponder.observe, vault: [{ path: 'secret/x" {}\npath "sys/*" { capabilities = ["sudo"] } #', capabilities: ['read' as const] }] } };
    expect(() => synth(defaultProps(def, 1))).toThrow(expect.objectContaining({ code: 'GT_VAULT_PATH' }));
  });
});
