import { describe, expect, it } from 'vitest';
import { activeTiers, PHASES, PHASE_VALUES, phaseAbove, phaseBelow, TIERS, TIER_VALUES, type Phase } from '../../src';

const pairs = PHASE_VALUES.slice(0, -1).map((p) => [p, (p + 1) as Phase] as const);

describe('phase table', () => {
  it('names the four phases as the brief does', () => {
    expect(PHASE_VALUES.map((p) => PHASES[p].name)).toEqual(['Shadow', 'Read-Only Assist', 'Limited Remediation', 'Autonomous']);
  });

  it('activates tiers cumulatively, so each phase contains the one below', () => {
    for (const [lower, upper] of pairs) {
      expect(activeTiers(upper).slice(0, activeTiers(lower).length)).toEqual(activeTiers(lower));
      expect(activeTiers(upper).length).toBe(activeTiers(lower).length + 1);
    }
    expect(activeTiers(4)).toEqual(TIER_VALUES);
  });

  it('keeps phases 1 and 2 read-only in every backend', () => {
    for (const phase of [1, 2] as const) {
      for (const tier of activeTiers(phase)) {
        expect(TIERS[tier].writes).toBe('none');
        expect(TIERS[tier].kubernetesVerbs).toEqual(['get', 'list', 'watch']);
        expect(TIERS[tier].vaultCapabilities).toEqual(['read', 'list']);
        expect(TIERS[tier].iamAccessLevels).toEqual(['Read', 'List']);
      }
      expect(PHASES[phase].writeAdmission).toBe('deny');
    }
  });

  it('denies writes in phases 1 and 2, admits declared actions with one approval each in 3 and declared actions alone in 4', () => {
    expect(PHASE_VALUES.map((p) => PHASES[p].writeAdmission)).toEqual(['deny', 'deny', 'approval', 'actions']);
  });

  it('gives only phase 4 an escalation threshold', () => {
    expect(PHASE_VALUES.filter((p) => PHASES[p].escalationConfidence !== undefined)).toEqual([4]);
  });

  it('never grants permissions management or escalation verbs in any tier', () => {
    for (const tier of TIER_VALUES) {
      expect(TIERS[tier].iamAccessLevels).not.toContain('Permissions management');
      for (const verb of ['escalate', 'bind', 'impersonate', '*', 'deletecollection']) expect(TIERS[tier].kubernetesVerbs).not.toContain(verb);
      expect(TIERS[tier].vaultCapabilities).not.toContain('sudo');
    }
  });

  it('never shrinks TTLs or session durations as trust grows, and defaults stay within ceilings', () => {
    const keys = ['vaultTokenTtlSeconds', 'vaultTokenMaxTtlSeconds', 'iamMaxSessionDurationSeconds'] as const;
    for (const key of keys) {
      for (const p of PHASE_VALUES) expect(PHASES[p][key].default).toBeLessThanOrEqual(PHASES[p][key].ceiling);
      for (const [lower, upper] of pairs) {
        expect(PHASES[upper][key].default).toBeGreaterThanOrEqual(PHASES[lower][key].default);
        expect(PHASES[upper][key].ceiling).toBeGreaterThanOrEqual(PHASES[lower][key].ceiling);
      }
    }
    for (const p of PHASE_VALUES) {
      expect(PHASES[p].vaultTokenTtlSeconds.default).toBeLessThanOrEqual(PHASES[p].vaultTokenMaxTtlSeconds.default);
      expect(PHASES[p].iamMaxSessionDurationSeconds.default).toBeGreaterThanOrEqual(3600);
      expect(PHASES[p].iamMaxSessionDurationSeconds.ceiling).toBeLessThanOrEqual(43200);
    }
  });

  it('asks two approving reviewers to enter phase 4 and never fewer as trust grows', () => {
    expect(PHASE_VALUES.map((p) => PHASES[p].promotionApprovals)).toEqual([1, 1, 1, 2]);
  });

  it('steps one phase at a time and floors at 1', () => {
    expect(PHASE_VALUES.map(phaseBelow)).toEqual([1, 1, 2, 3]);
    expect(PHASE_VALUES.map(phaseAbove)).toEqual([2, 3, 4, undefined]);
  });
});
