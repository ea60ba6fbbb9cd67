import { describe, expect, it } from 'vitest';
import { incidentResponder } from '../../examples/incident-responder';
import { TrustError } from '../../src/errors';
import { registerMatchers, synthesizePhases, type AccessMatchers } from '../../src/testing';
import { EXAMPLE_OPTIONS, withManifests } from './support';

declare module 'vitest' {
  interface Matchers<T = any> extends AccessMatchers<T> {}
}

registerMatchers(expect);

const phases = synthesizePhases(incidentResponder, EXAMPLE_OPTIONS);

describe('matchers registered with vitest', () => {
  it('pass where the promises hold', () => {
    expect(phases[1]).toBeReadOnly();
    expect(phases[3]).toWriteOnlyNamedResources();
    expect(phases[4]).toHaveNoDangerousAccess();
    expect(phases[3]).toAllow({ k8s: 'patch apps/deployments checkout in shop' });
    expect(phases[3]).toDeny({ vault: 'update secret/data/shop/x' });
    expect(phases[4]).toDeny({ iam: 'ec2:TerminateInstances' });
    expect(phases[2]).toAllow({ egress: '198.51.100.10:443' });
    expect(phases).toBeMonotonic();
  });

  it('work with .not', () => {
    expect(phases[3]).not.toBeReadOnly();
    expect(phases[4]).not.toWriteOnlyNamedResources();
    expect(phases[2]).not.toAllow({ k8s: 'patch apps/deployments checkout in shop' });
    expect(phases[3]).not.toDeny({ k8s: 'patch apps/deployments checkout in shop' });
  });

  it('fails with the message naming the grant', () => {
    expect(() => expect(phases[3]).toDeny({ k8s: 'patch apps/deployments checkout in shop' })).toThrow(
      'phase 3 allows patch apps/deployments "checkout" in shop (Role incident-responder in shop)',
    );
    expect(() => expect(phases[3]).not.toAllow({ k8s: 'patch apps/deployments checkout in shop' })).toThrow(
      'phase 3 allows patch apps/deployments "checkout" in shop (Role incident-responder in shop)',
    );
    expect(() => expect(phases[1]).not.toBeReadOnly()).toThrow('phase 1 is read-only');
  });

  it('fails both ways when the output cannot tell', () => {
    const unknown = withManifests(phases[1], `apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: view, namespace: shop}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}
subjects: [{kind: ServiceAccount, name: incident-responder, namespace: ops-agents}]`);
    for (const check of [() => expect(unknown).toBeReadOnly(), () => expect(unknown).not.toBeReadOnly(), () => expect(unknown).not.toAllow({ k8s: 'delete pods in shop' })]) {
      expect(check).toThrow('cannot tell whether phase 1');
    }
  });

  it('fails with a TrustError on a value that is not a phase', () => {
    expect(() => expect('phase 1').toBeReadOnly()).toThrow(TrustError);
    expect(() => expect(phases[1]).toBeMonotonic()).toThrow('toBeMonotonic takes the four phases synthesizePhases returns');
  });
});
