import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { requiredApprovals } from '../../examples/pipeline/required-approvals';
import { DEFAULT_POLICY, type GatePolicy } from '../../src/gate';
import type { Phase } from '../../src/phase/table';
import type { StateFile } from '../../src/state/schema';
import { tempDir } from '../support/cli';

const at = (phase: Phase): StateFile => ({ agent: 'incident-responder', phase, since: '2027-02-05T00:00:00Z' });

describe('requiredApprovals', () => {
  it('asks two approvals for a promotion to phase 4 under the default policy', () => {
    expect(requiredApprovals(at(3), at(4))).toEqual({ required: 2, why: 'promotion to phase 4 (Autonomous): the policy asks 2 sign-offs for 3->4' });
  });

  it('asks one approval for promotions to phase 2 and 3', () => {
    expect(requiredApprovals(at(1), at(2)).required).toBe(1);
    expect(requiredApprovals(at(2), at(3)).required).toBe(1);
  });

  it('asks one approval for a demotion, whatever the phase, and for a change that keeps the phase', () => {
    expect(requiredApprovals(at(4), at(1))).toEqual({ required: 1, why: 'demotion to phase 1 (Shadow): one approval, never blocked on the gates' });
    expect(requiredApprovals(at(2), at(2)).required).toBe(1);
  });

  it('asks the most any crossed transition asks when a change skips phases, and counts a new agent from phase 1', () => {
    expect(requiredApprovals(at(2), at(4)).required).toBe(2);
    expect(requiredApprovals(undefined, at(4)).required).toBe(2);
    expect(requiredApprovals(undefined, at(1)).required).toBe(1);
  });

  it('follows a calibrated policy', () => {
    const policy: GatePolicy = { ...DEFAULT_POLICY, promotion: { ...DEFAULT_POLICY.promotion, '2->3': { signoffs: { atLeast: 3 } }, '3->4': { signoffs: { atLeast: 3 } } } };
    expect(requiredApprovals(at(2), at(3), policy).required).toBe(3);
    expect(requiredApprovals(at(3), at(4), policy)).toEqual({ required: 3, why: 'promotion to phase 4 (Autonomous): the policy asks 3 sign-offs for 3->4' });
  });

  it('asks two approvals for any promotion to phase 4, even when the policy asks fewer sign-offs or none (issue 6)', () => {
    const none: GatePolicy = { ...DEFAULT_POLICY, promotion: { ...DEFAULT_POLICY.promotion, '3->4': {} } };
    const one: GatePolicy = { ...DEFAULT_POLICY, promotion: { ...DEFAULT_POLICY.promotion, '3->4': { signoffs: { atLeast: 1 } } } };
    expect(requiredApprovals(at(3), at(4), none)).toEqual({ required: 2, why: 'promotion to phase 4 (Autonomous): any promotion to phase 4 needs 2 approving reviews' });
    expect(requiredApprovals(at(3), at(4), one).required).toBe(2);
    expect(requiredApprovals(at(1), at(4), none).required).toBe(2);
    expect(requiredApprovals(undefined, at(4), none).required).toBe(2);
    expect(requiredApprovals(at(2), at(3), none).required).toBe(1);
    expect(requiredApprovals(at(4), at(4), none).required).toBe(1);
  });

  it('fails the check with fewer approvals than asked and passes with enough', () => {
    const dir = tempDir('gt-approvals-');
    const base = join(dir, 'base.json');
    const head = join(dir, 'head.json');
    writeFileSync(base, JSON.stringify(at(3)));
    writeFileSync(head, JSON.stringify(at(4)));
    const script = join(__dirname, '../../examples/pipeline/required-approvals.ts');
    const check = (approvals: number) => spawnSync('npx', ['tsx', script, '--base', base, '--head', head, '--approvals', String(approvals)], { encoding: 'utf8' });
    const one = check(1);
    expect(one.status).toBe(1);
    expect(one.stdout).toBe('not yet: 1 of 2 approving reviews (promotion to phase 4 (Autonomous): the policy asks 2 sign-offs for 3->4)\n');
    expect(check(2).status).toBe(0);
  }, 30_000);

  it('reads --policy, and still asks two approvals for phase 4 when the policy drops the 3->4 sign-offs', () => {
    const dir = tempDir('gt-approvals-');
    const base = join(dir, 'base.json');
    const head = join(dir, 'head.json');
    const policy = join(dir, 'policy.yaml');
    writeFileSync(base, JSON.stringify(at(2)));
    writeFileSync(head, JSON.stringify(at(3)));
    writeFileSync(policy, 'promotion:\n  "2->3":\n    signoffs: { atLeast: 3 }\n  "3->4":\n    signoffs: null\n');
    const script = join(__dirname, '../../examples/pipeline/required-approvals.ts');
    const check = (approvals: number) => spawnSync('npx', ['tsx', script, '--base', base, '--head', head, '--approvals', String(approvals), '--policy', policy], { encoding: 'utf8' });
    expect(check(2).stdout).toBe('not yet: 2 of 3 approving reviews (promotion to phase 3 (Limited Remediation): the policy asks 3 sign-offs for 2->3)\n');
    writeFileSync(base, JSON.stringify(at(3)));
    writeFileSync(head, JSON.stringify(at(4)));
    const one = check(1);
    expect(one.status).toBe(1);
    expect(one.stdout).toBe('not yet: 1 of 2 approving reviews (promotion to phase 4 (Autonomous): any promotion to phase 4 needs 2 approving reviews)\n');
    expect(check(2).status).toBe(0);
  }, 30_000);
});
