/**
 * The access test a team keeps next to its agent definition (docs/testing.md): a reviewed
 * snapshot of what the agent can do in each phase, and each phase's promises as assertions.
 * A change that widens access fails an assertion or changes a snapshot, and the snapshot diff in
 * the pull request shows exactly what the agent gains.
 *
 * In your repository import from 'graduated-trust' and 'graduated-trust/testing' instead of
 * '../src'. Run with CI=true in CI, so snapshots are never written there;
 * after reviewing an intended change, update them with `npx vitest run -u`.
 */
import { describe, expect, it } from 'vitest';
import { PHASE_VALUES } from '../src';
import { accessSnapshot, expectAccess, expectPhases, synthesizePhases } from '../src/testing';
import { incidentResponder } from './incident-responder';
import { APPROVERS } from './k8s-app';
import { TERRAFORM_PROPS } from './tf-app';

/** The agent at every phase, with the props examples/k8s-app.ts and examples/tf-app.ts give the constructs. */
const phases = synthesizePhases(incidentResponder, { kubernetes: { approvers: APPROVERS }, ...TERRAFORM_PROPS });

describe('incident-responder effective access', () => {
  for (const phase of PHASE_VALUES) {
    it(`matches the reviewed snapshot in phase ${phase}`, () => {
      expect(accessSnapshot(phases[phase])).toMatchSnapshot();
    });
  }

  it('grants each phase everything the phase below it grants', () => {
    expectPhases(phases).toBeMonotonic();
  });

  it('is read-only in phases 1 and 2', () => {
    expectAccess(phases[1]).toBeReadOnly();
    expectAccess(phases[2]).toBeReadOnly();
  });

  it('writes only named resources in phase 3', () => {
    expectAccess(phases[3]).toWriteOnlyNamedResources();
  });

  it('needs an operator approval for every write in phase 3, in Kubernetes, Vault and AWS', () => {
    expectAccess(phases[3]).toRequireApproval();
  });

  it('keeps every write bounded in every phase: declared actions, nothing running as another identity', () => {
    for (const phase of PHASE_VALUES) expectAccess(phases[phase]).toBeBounded();
  });

  it('never grants anything in the dangerous set', () => {
    for (const phase of PHASE_VALUES) expectAccess(phases[phase]).toHaveNoDangerousAccess();
  });

  it('patches checkout from phase 3, other deployments only in phase 4', () => {
    expectAccess(phases[2]).toDeny({ k8s: 'patch apps/deployments checkout in shop' });
    expectAccess(phases[3]).toAllow({ k8s: 'patch apps/deployments checkout in shop' });
    expectAccess(phases[3]).toDeny({ k8s: 'patch apps/deployments payments in shop' });
    expectAccess(phases[4]).toAllow({ k8s: 'patch apps/deployments payments in shop' });
    expectAccess(phases[4]).toDeny({ k8s: 'delete apps/deployments payments in shop' });
  });

  it('never reads secrets or execs into pods', () => {
    for (const phase of PHASE_VALUES) {
      expectAccess(phases[phase]).toDeny({ k8s: 'get secrets in shop' });
      expectAccess(phases[phase]).toDeny({ k8s: 'create pods/exec checkout-0 in shop' });
    }
  });

  it('updates only its own flags in Vault', () => {
    expectAccess(phases[2]).toDeny({ vault: 'update secret/data/shop/checkout/flags' });
    expectAccess(phases[3]).toAllow({ vault: 'update secret/data/shop/checkout/flags' });
    expectAccess(phases[4]).toDeny({ vault: 'update secret/data/shop/x' });
  });

  it('never terminates instances, and updates ECS services only in shop', () => {
    for (const phase of PHASE_VALUES) expectAccess(phases[phase]).toDeny({ iam: 'ec2:TerminateInstances' });
    expectAccess(phases[4]).toAllow({ iam: 'ecs:UpdateService on arn:aws:ecs:eu-west-1:111122223333:service/shop/cart' });
    expectAccess(phases[4]).toDeny({ iam: 'ecs:UpdateService on arn:aws:ecs:eu-west-1:111122223333:service/payments/api' });
  });

  it('reaches the chat webhook from phase 2, and no other outside address', () => {
    expectAccess(phases[1]).toDeny({ egress: '198.51.100.10:443' });
    expectAccess(phases[2]).toAllow({ egress: '198.51.100.10:443' });
    expectAccess(phases[4]).toDeny({ egress: '192.0.2.80:443' });
  });
});
