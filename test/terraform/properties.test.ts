import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { incidentResponder } from '../../examples/incident-responder';
import { allowedActionsByAccessLevel, evaluateIam } from '../../src/analysis/iam/evaluate';
import { VaultAcl } from '../../src/analysis/vault/acl';
import { validateDefinition } from '../../src/definition/validate';
import type { AgentDefinition } from '../../src/definition/types';
import { TrustError } from '../../src/errors';
import { PHASES, PHASE_VALUES, TIERS, TIER_VALUES, type Phase } from '../../src/phase/table';
import { parseVaultPolicy, type VaultPathRule } from '../../src/vault/policy';
import { declaresVault } from '../../src/vault/rules';
import { READ_ACTIONS, SERVICE_NAMES, WRITE_ACTIONS, declaredVaultPaths, definitionWithCloudAccess, serviceArn, witnessPaths } from './arbitraries';
import { validDefinition } from '../support/arbitraries';
import { all, defaultProps, iamPolicies, only, synth, vaultPolicy, type TfJson } from './synth';

const RUNS = { numRuns: 60, seed: 42 };
const CAPS = ['read', 'list', 'create', 'update', 'patch', 'delete', 'sudo'];
const REQUESTS = [...READ_ACTIONS, ...WRITE_ACTIONS, 'iam:PassRole', 'ecs:CreateService'].flatMap((action) => ['*', ...SERVICE_NAMES.map(serviceArn), serviceArn('other')].map((resource) => ({ action, resource })));

/** Props with Vault and AWS only when the definition declares them somewhere. */
function propsFor(def: AgentDefinition, phase: Phase) {
  const { vault, aws, ...rest } = defaultProps(def, phase);
  const declares = (key: 'vault' | 'aws') => TIER_VALUES.some((t) => (def[t]?.[key]?.length ?? 0) > 0);
  return { ...rest, ...(declares('vault') ? { vault } : {}), ...(declares('aws') ? { aws } : {}) };
}

/** Synthesizes all four phases, or returns the error every phase fails with. */
function synthAll(def: AgentDefinition): Record<Phase, TfJson> | TrustError {
  const out = {} as Record<Phase, TfJson>;
  const errors: string[] = [];
  for (const phase of PHASE_VALUES) {
    try {
      out[phase] = synth(propsFor(def, phase));
    } catch (e) {
      if (!(e instanceof TrustError)) throw e;
      errors.push(e.message);
    }
  }
  if (errors.length === 0) return out;
  // A definition fails in every phase or in none, with the same message.
  expect(errors).toEqual(PHASE_VALUES.map(() => errors[0]));
  return new TrustError('GT_VAULT_PATH', errors[0]!);
}

/** The rules of the agent's own Vault policy (the approval policies of phase 3 are beside it). */
const rulesOf = (json: TfJson, name = 'agent'): VaultPathRule[] => parseVaultPolicy(vaultPolicy(json, name).policy as string);

/**
 * What the agent reaches in a phase: its own token, or a single-use approval token (phase 3),
 * each judged alone as Vault would (an approval token carries only the approval policy).
 */
function reachOf(json: TfJson, name = 'agent'): { own: VaultAcl; allows(path: string, cap: string): boolean } {
  const own = new VaultAcl([rulesOf(json, name)]);
  const hasApproval = all(json, 'vault_policy').some((p) => p.name === `${name}-approved`);
  const approved = new VaultAcl(hasApproval ? [rulesOf(json, `${name}-approved`)] : []);
  return { own, allows: (path, cap) => own.allows(path, cap) || approved.allows(path, cap) };
}

/** Whether the active tiers of `phase` declare `cap` on `path` (each rule judged alone, as Vault would). */
function declared(def: AgentDefinition, phase: Phase, path: string, cap: string): boolean {
  return PHASES[phase].tiers.some((t) => (def[t]?.vault ?? []).some((r) => (r.capabilities as readonly string[]).includes(cap) && new VaultAcl([[r]]).allows(path, cap)));
}

describe('properties over random valid definitions', () => {
  it('generates only valid definitions', () => {
    fc.assert(
      fc.property(definitionWithCloudAccess(), (def) => {
        expect(validateDefinition(def)).toEqual([]);
      }),
      { numRuns: 300, seed: 1 },
    );
  });

  it('Vault: phase N grants a subset of phase N+1 under Vault matching, and exactly what the active tiers declare', () => {
    let checked = 0;
    fc.assert(
      fc.property(definitionWithCloudAccess(), (def) => {
        const out = synthAll(def);
        if (out instanceof TrustError) {
          expect(out.message).toMatch(/both match .* where Vault uses only the more specific/);
          return;
        }
        checked++;
        const acls = PHASE_VALUES.map((p) => reachOf(out[p]));
        const witnesses = witnessPaths(declaredVaultPaths(def));
        for (const path of witnesses) {
          for (const cap of CAPS) {
            for (const [i, phase] of PHASE_VALUES.entries()) {
              const allowed = acls[i]!.allows(path, cap);
              // Writes that need approval are never in the agent's own token.
              if (PHASES[phase].writeAdmission === 'approval' && !['read', 'list'].includes(cap)) expect(acls[i]!.own.allows(path, cap)).toBe(false);
              expect({ phase, path, cap, allowed }).toEqual({ phase, path, cap, allowed: declared(def, phase, path, cap) });
              if (i > 0 && acls[i - 1]!.allows(path, cap)) expect({ phase, path, cap, allowed }).toEqual({ phase, path, cap, allowed: true });
            }
          }
        }
      }),
      RUNS,
    );
    expect(checked).toBeGreaterThan(RUNS.numRuns / 2);
  });

  it('holds the same over the shared validDefinition() arbitrary, dangerous rules included', () => {
    fc.assert(
      fc.property(validDefinition({ fqdn: false, dangerous: true }).filter(declaresVault), (def) => {
        const out = synthAll(def);
        if (out instanceof TrustError) {
          expect(out.message).toMatch(/both match .* where Vault uses only the more specific/);
          return;
        }
        const paths = witnessPaths(declaredVaultPaths(def));
        for (const [i, phase] of PHASE_VALUES.entries()) {
          if (!out[phase].resource.vault_policy) break;
          const acl = reachOf(out[phase], def.name);
          const below = i > 0 ? reachOf(out[PHASE_VALUES[i - 1]!], def.name) : undefined;
          for (const path of paths) {
            for (const cap of CAPS) {
              expect({ phase, path, cap, allowed: acl.allows(path, cap) }).toEqual({ phase, path, cap, allowed: declared(def, phase, path, cap) });
              if (below?.allows(path, cap)) expect(acl.allows(path, cap)).toBe(true);
            }
          }
        }
      }),
      { numRuns: 40, seed: 9 },
    );
  });

  it('Vault: never renders sudo or deny, writes under sys/, auth/ or identity/, or a bare glob', () => {
    fc.assert(
      fc.property(definitionWithCloudAccess(), (def) => {
        const out = synthAll(def);
        if (out instanceof TrustError) return;
        for (const phase of PHASE_VALUES) {
          for (const rule of rulesOf(out[phase])) {
            expect(rule.capabilities).not.toContain('sudo');
            expect(rule.capabilities).not.toContain('deny');
            expect(['*', '+']).not.toContain(rule.path);
            const writes = rule.capabilities.some((c) => c !== 'read' && c !== 'list');
            if (writes) expect(rule.path).not.toMatch(/^(sys|auth|identity)(\/|$)/);
          }
        }
      }),
      RUNS,
    );
  });

  it('AWS: phase N allows a subset of phase N+1, only the access levels of its tiers, and the boundary holds every phase', () => {
    fc.assert(
      fc.property(definitionWithCloudAccess(), (def) => {
        const out = synthAll(def);
        if (out instanceof TrustError) return;
        const policies = PHASE_VALUES.map((p) => iamPolicies(out[p]));
        for (const [i, phase] of PHASE_VALUES.entries()) {
          const p = policies[i]!;
          for (const req of REQUESTS) {
            const decision = evaluateIam(p, req);
            // The boundary is the union of every tier, so it never narrows a phase's own policy.
            expect(evaluateIam({ identity: p.identity }, req)).toBe(decision);
            if (i > 0 && evaluateIam(policies[i - 1]!, req) === 'allow') expect({ phase, ...req, decision }).toEqual({ phase, ...req, decision: 'allow' });
          }
          const allowedLevels = new Set(PHASES[phase].tiers.flatMap((t) => TIERS[t].iamAccessLevels));
          const byLevel = allowedActionsByAccessLevel(p);
          for (const [level, actions] of Object.entries(byLevel)) if (actions.length > 0) expect(allowedLevels).toContain(level);
          expect(evaluateIam(p, { action: 'iam:PassRole', resource: '*' })).toBe('implicit-deny');
        }
      }),
      RUNS,
    );
  });

  it('keeps resource names and construct IDs the same in every phase', () => {
    fc.assert(
      fc.property(definitionWithCloudAccess(), (def) => {
        const out = synthAll(def);
        if (out instanceof TrustError) return;
        const names = (json: TfJson) => Object.entries(json.resource).flatMap(([type, byId]) => Object.entries(byId).map(([id, r]) => `${type}.${id}=${String(r.name ?? r.role_name)}`));
        const always = names(out[1]).filter((n) => !n.startsWith('aws_iam_role_policy.'));
        for (const phase of PHASE_VALUES) expect(names(out[phase]).filter((n) => !n.startsWith('aws_iam_role_policy.'))).toEqual(always);
        const inline = new Set(PHASE_VALUES.flatMap((p) => all(out[p], 'aws_iam_role_policy').map((r) => r.name)));
        expect([...inline].every((n) => n === 'graduated-trust')).toBe(true);
      }),
      { numRuns: 30, seed: 3 },
    );
  });

  it('keeps TTLs and session durations within their ceilings and never shrinking, or fails with GT_PHASE_CEILING', () => {
    const seconds = fc.option(fc.integer({ min: -10, max: 50_000 }), { nil: undefined });
    const overrides = fc.record({ 1: seconds, 2: seconds, 3: seconds, 4: seconds }).map((o) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)));
    fc.assert(
      fc.property(overrides, overrides, overrides, (ttl, maxTtl, session) => {
        const json: Partial<Record<Phase, TfJson>> = {};
        try {
          for (const phase of PHASE_VALUES) {
            json[phase] = synth({
              ...defaultProps(incidentResponder, phase),
              vault: { ...defaultProps(incidentResponder, phase).vault!, tokenTtlSeconds: ttl, tokenMaxTtlSeconds: maxTtl },
              aws: { ...defaultProps(incidentResponder, phase).aws!, maxSessionDurationSeconds: session },
            });
          }
        } catch (e) {
          expect(e).toMatchObject({ code: 'GT_PHASE_CEILING' });
          return;
        }
        const values = PHASE_VALUES.map((p) => {
          const role = only(json[p]!, 'vault_kubernetes_auth_backend_role');
          return { ttl: role.token_ttl as number, max: role.token_max_ttl as number, session: only(json[p]!, 'aws_iam_role').max_session_duration as number };
        });
        for (const [i, phase] of PHASE_VALUES.entries()) {
          const v = values[i]!;
          expect(v.ttl).toBeLessThanOrEqual(PHASES[phase].vaultTokenTtlSeconds.ceiling);
          expect(v.max).toBeLessThanOrEqual(PHASES[phase].vaultTokenMaxTtlSeconds.ceiling);
          expect(v.session).toBeLessThanOrEqual(PHASES[phase].iamMaxSessionDurationSeconds.ceiling);
          expect(v.session).toBeGreaterThanOrEqual(3600);
          expect(v.ttl).toBeLessThanOrEqual(v.max);
          if (i > 0) {
            const prev = values[i - 1]!;
            expect(v.ttl).toBeGreaterThanOrEqual(prev.ttl);
            expect(v.max).toBeGreaterThanOrEqual(prev.max);
            expect(v.session).toBeGreaterThanOrEqual(prev.session);
          }
        }
      }),
      { numRuns: 150, seed: 5 },
    );
  });
});

describe('IAM JSON injection through the agent definition', () => {
  it('never lets a resource string add a statement or reach Terraform as a template', () => {
    const chars = fc.constantFrom(...'ab/*"\\{}$%,:]['.split(''));
    fc.assert(
      fc.property(fc.array(chars, { minLength: 1, maxLength: 20 }).map((a) => `arn:aws:ecs:eu-west-1:111122223333:service/${a.join('')}`), (resource) => {
        const def = { ...incidentResponder, observe: { ...incidentResponder.observe, aws: [{ actions: ['ecs:DescribeServices'], resources: [resource] }] } };
        let json: TfJson;
        try {
          json = synth(defaultProps(def, 1));
        } catch (e) {
          expect(e).toBeInstanceOf(TrustError);
          return;
        }
        const text = only(json, 'aws_iam_role_policy').policy as string;
        expect(text).not.toMatch(/\$\{|%\{/);
        const doc = JSON.parse(text) as { Statement: Array<{ Resource: string[] }> };
        expect(doc.Statement).toHaveLength(1);
        expect(doc.Statement[0]!.Resource).toEqual([resource]);
      }),
      { numRuns: 300, seed: 13 },
    );
  });

  it('fails on a resource that would be a Terraform template', () => {
    const def = { ...incidentResponder, observe: { ...incidentResponder.observe, aws: [{ actions: ['ecs:DescribeServices'], resources: ['arn:aws:ecs:eu-west-1:111122223333:service/${file("/etc/passwd")}'] }] } };
    expect(() => synth(defaultProps(def, 1))).toThrow(/observe\.aws\[0\]\.resources: .* contains a quote, backslash, whitespace, "\$\{" or "%\{"/);
  });
});

