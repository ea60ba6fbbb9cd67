import { describe, expect, it } from 'vitest';
import { VaultAcl } from '../../src/analysis/vault/acl';
import type { AgentDefinition, VaultAccess } from '../../src/definition/types';
import { vaultPathPattern } from '../../src/vault/match';
import { contains, listRegion, overlap, patternRegion } from '../../src/vault/regions';
import { vaultRulesByPhase, vaultRulesForPhase } from '../../src/vault/rules';

const def = (tiers: Partial<Record<'observe' | 'recommend' | 'remediate' | 'autonomous', VaultAccess[]>>): AgentDefinition => ({
  name: 'agent',
  namespace: 'ops',
  observe: { vault: tiers.observe ?? [] },
  recommend: { vault: tiers.recommend ?? [] },
  remediate: { vault: tiers.remediate ?? [] },
  autonomous: { vault: tiers.autonomous ?? [] },
});
const region = (p: string) => patternRegion(vaultPathPattern(p));

describe('vault path regions', () => {
  it.each([
    ['a/*', 'a/b', true],
    ['a/*', 'a', false],
    ['a/+', 'a/b/c', false],
    ['a/+/c', 'a/b/c', true],
    ['a/+/c*', 'a/b/cd/e', true],
    ['a/b*', 'a/bc/d', true],
    ['a/+', 'a/', true],
  ])('%s matches %s: %s', (pattern, path, expected) => {
    expect(overlap(region(pattern), region(path)) !== undefined).toBe(expected);
  });

  it('finds the shortest shared path of two overlapping patterns', () => {
    expect(overlap(region('secret/+/x'), region('secret/data/*'))).toBe('secret/data/x');
    expect(overlap(region('a/+/c'), region('a/b/d'))).toBeUndefined();
  });

  it('decides containment exactly', () => {
    expect(contains(region('a/*'), region('a/+/c'))).toBe(true);
    expect(contains(region('a/+/c'), region('a/*'))).toBe(false);
    expect(contains(region('a/+/*'), region('a/b/c*'))).toBe(true);
    expect(contains(region('a/b*'), region('a/+'))).toBe(false);
    expect(contains(region('a/b/*'), listRegion(vaultPathPattern('a/b')))).toBe(true);
    expect(contains(region('a/b/*'), region('a/b'))).toBe(false);
  });
});

describe('vaultRulesForPhase', () => {
  it('merges the active tiers per path, sorts by path and orders capabilities', () => {
    const d = def({ observe: [{ path: 'secret/data/b', capabilities: ['list', 'read'] }, { path: 'secret/data/a', capabilities: ['read'] }], remediate: [{ path: 'secret/data/b', capabilities: ['delete', 'update'] }] });
    expect(vaultRulesForPhase(d, 2)).toEqual([
      { path: 'secret/data/a', capabilities: ['read'] },
      { path: 'secret/data/b', capabilities: ['read', 'list'] },
    ]);
    expect(vaultRulesForPhase(d, 3)[1]).toEqual({ path: 'secret/data/b', capabilities: ['read', 'list', 'update', 'delete'] });
  });

  it('gives a more specific rule the capabilities of the broader rule it hides, so promotion never loses access', () => {
    const d = def({ observe: [{ path: 'secret/data/shop/*', capabilities: ['read'] }, { path: 'secret/metadata/shop/*', capabilities: ['list'] }], remediate: [{ path: 'secret/data/shop/checkout', capabilities: ['update'] }, { path: 'secret/metadata/shop/checkout', capabilities: ['delete'] }] });
    const rules = vaultRulesForPhase(d, 3);
    expect(rules).toContainEqual({ path: 'secret/data/shop/checkout', capabilities: ['read', 'update'] });
    expect(rules).toContainEqual({ path: 'secret/metadata/shop/checkout', capabilities: ['list', 'delete'] });
    const acl = new VaultAcl([rules]);
    expect(acl.allows('secret/data/shop/checkout', 'read')).toBe(true);
    expect(acl.allows('secret/metadata/shop/checkout/', 'list')).toBe(true);
  });

  it('would lose the read in phase 3 without settling (why settling exists)', () => {
    const naive = new VaultAcl([[{ path: 'secret/data/shop/*', capabilities: ['read'] }, { path: 'secret/data/shop/checkout', capabilities: ['update'] }]]);
    expect(naive.allows('secret/data/shop/checkout', 'read')).toBe(false);
  });

  it('inherits through chains of nested rules', () => {
    const d = def({ observe: [{ path: 'secret/data/*', capabilities: ['read'] }, { path: 'secret/data/shop/*', capabilities: ['list'] }], autonomous: [{ path: 'secret/data/shop/flags/*', capabilities: ['update'] }] });
    expect(vaultRulesForPhase(d, 4)).toContainEqual({ path: 'secret/data/shop/flags/*', capabilities: ['read', 'list', 'update'] });
  });

  it('fails the same way whatever the current phase, naming the phase where the overlap appears', () => {
    const d = def({ observe: [{ path: 'secret/data/+/x', capabilities: ['read'] }], autonomous: [{ path: 'secret/data/shop/*', capabilities: ['update'] }] });
    expect(() => vaultRulesByPhase(d)).toThrow(/in phase 4 \(Autonomous\)/);
    expect(() => vaultRulesForPhase(d, 1)).not.toThrow();
  });

  it('adds control groups only in the phase whose writes need approval, on write capabilities only', () => {
    const d = def({ observe: [{ path: 'secret/data/a', capabilities: ['read'] }], remediate: [{ path: 'secret/data/a', capabilities: ['update', 'delete'] }] });
    const cg = { approverGroupNames: ['sre'] };
    expect(vaultRulesForPhase(d, 3, cg)[0]!.controlGroup).toEqual({ factors: [{ name: 'operators', groupNames: ['sre'], approvals: 1, controlledCapabilities: ['update', 'delete'] }] });
    expect(vaultRulesForPhase(d, 4, cg)[0]!.controlGroup).toBeUndefined();
    expect(vaultRulesForPhase(d, 2, cg)[0]!.controlGroup).toBeUndefined();
  });
});
