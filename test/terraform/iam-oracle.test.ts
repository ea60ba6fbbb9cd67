/**
 * The synthesized IAM policies judged by an independent oracle, @cloud-copilot/iam-simulate
 * (AGPL-3.0, devDependency, tests only), and cross-checked against this library's evaluator.
 * Requests carry a context: the approval tag of the resource (phase 3) and the task definition
 * an ECS write would run (the example pins it to the service's own family).
 */
import { describe, expect, it } from 'vitest';
import { incidentResponder } from '../../examples/incident-responder';
import { evaluateIam, type IamPolicies } from '../../src/analysis/iam/evaluate';
import { APPROVAL_TAG, approvalEpoch } from '../../src/definition/approvals';
import { DEFAULT_SINCE } from '../../src/state/phase-source';
import { PHASE_VALUES, type Phase } from '../../src/phase/table';
import { oracle } from './oracle';
import { defaultProps, iamPolicies, synth } from './synth';

const ACCOUNT = 'arn:aws:ecs:eu-west-1:111122223333';
const SVC = `${ACCOUNT}:service/shop`;
const LOGS = 'arn:aws:logs:eu-west-1:111122223333:log-group:/ecs/shop/checkout';
const policiesOf = (phase: Phase): IamPolicies => iamPolicies(synth(defaultProps(incidentResponder, phase)));

/** The context of an approved write on `service` that runs the service's own task family. */
function approved(service: string, epoch = approvalEpoch(DEFAULT_SINCE)): Record<string, string> {
  return {
    [`aws:ResourceTag/${APPROVAL_TAG}`]: `incident-responder@${epoch}`,
    'ecs:task-definition': `${ACCOUNT}:task-definition/${service}:7`,
  };
}

const REQUESTS: ReadonlyArray<readonly [string, string]> = [
  ['cloudwatch:GetMetricData', '*'],
  ['cloudwatch:ListMetrics', '*'],
  ['logs:FilterLogEvents', LOGS],
  ['ecs:DescribeServices', `${SVC}/checkout`],
  ['ecs:UpdateService', `${SVC}/checkout`],
  ['ecs:UpdateService', `${SVC}/cart`],
  ['ecs:UpdateService', 'arn:aws:ecs:eu-west-1:111122223333:service/other/cart'],
  ['ecs:DeleteService', `${SVC}/checkout`],
  ['iam:PassRole', 'arn:aws:iam::111122223333:role/admin'],
  ['sts:AssumeRole', 'arn:aws:iam::111122223333:role/admin'],
];

describe('synthesized IAM judged by iam-simulate', () => {
  it('denies a write and allows the declared reads with the phase-1 identity and boundary', async () => {
    const p = policiesOf(1);
    expect(p.boundary).toBeDefined();
    expect(await oracle(p, 'ecs:UpdateService', `${SVC}/checkout`, approved('checkout'))).toBe('implicit-deny');
    for (const [action, resource] of REQUESTS.slice(0, 4)) expect({ action, decision: await oracle(p, action, resource) }).toEqual({ action, decision: 'allow' });
  });

  it('allows ecs:UpdateService in phase 3 only on the named ARN, only with the approval tag of the current epoch', async () => {
    const p = policiesOf(3);
    expect(await oracle(p, 'ecs:UpdateService', `${SVC}/checkout`, approved('checkout'))).toBe('allow');
    // No tag, a tag of another epoch (before a demotion and re-promotion), another agent's tag.
    const { 'ecs:task-definition': task } = approved('checkout');
    expect(await oracle(p, 'ecs:UpdateService', `${SVC}/checkout`, { 'ecs:task-definition': task! })).toBe('implicit-deny');
    expect(await oracle(p, 'ecs:UpdateService', `${SVC}/checkout`, approved('checkout', '20261101T000000Z'))).toBe('implicit-deny');
    expect(await oracle(p, 'ecs:UpdateService', `${SVC}/checkout`, { ...approved('checkout'), [`aws:ResourceTag/${APPROVAL_TAG}`]: 'other-agent@19700101T000000Z' })).toBe('implicit-deny');
    expect(await oracle(p, 'ecs:UpdateService', `${SVC}/cart`, approved('cart'))).toBe('implicit-deny');
  });

  it('keeps an approved write to the service\'s own task family', async () => {
    for (const phase of [3, 4] as const) {
      const p = policiesOf(phase);
      expect(await oracle(p, 'ecs:UpdateService', `${SVC}/checkout`, approved('checkout'))).toBe('allow');
      expect(await oracle(p, 'ecs:UpdateService', `${SVC}/checkout`, { ...approved('checkout'), 'ecs:task-definition': `${ACCOUNT}:task-definition/attacker:1` })).toBe('implicit-deny');
      expect(await oracle(p, 'ecs:UpdateService', `${SVC}/checkout`, { ...approved('checkout'), 'ecs:enable-execute-command': 'true' })).toBe('implicit-deny');
    }
  });

  it('denies the agent setting or removing the approval tag in every phase, whatever its case', async () => {
    for (const phase of PHASE_VALUES) {
      const p = policiesOf(phase);
      for (const key of [APPROVAL_TAG, APPROVAL_TAG.toUpperCase()]) {
        expect(await oracle(p, 'ecs:TagResource', `${SVC}/checkout`, { 'aws:TagKeys': [key], [`aws:RequestTag/${key}`]: 'incident-responder@19700101T000000Z' })).toBe('explicit-deny');
        expect(await oracle(p, 'ecs:UntagResource', `${SVC}/checkout`, { 'aws:TagKeys': [key] })).toBe('explicit-deny');
      }
      expect(await oracle(p, 'tag:TagResources', '*')).toBe('explicit-deny');
    }
  });

  it('denies a hand-widened inline policy beyond the boundary of the committed phase', async () => {
    const widen = (boundary: IamPolicies['boundary']): IamPolicies => ({ identity: [{ Version: '2012-10-17', Statement: [{ Effect: 'Allow' as const, Action: '*', Resource: '*' }] }], boundary });
    const phase2 = widen(policiesOf(2).boundary);
    expect(await oracle(phase2, 'iam:PassRole', 'arn:aws:iam::111122223333:role/admin')).toBe('implicit-deny');
    expect(await oracle(phase2, 'ecs:UpdateService', `${SVC}/checkout`, approved('checkout'))).toBe('implicit-deny');
    expect(await oracle(phase2, 'ecs:DescribeServices', `${SVC}/cart`)).toBe('allow');
    const phase4 = widen(policiesOf(4).boundary);
    expect(await oracle(phase4, 'ecs:UpdateService', `${SVC}/cart`, approved('cart'))).toBe('allow');
    expect(await oracle(phase4, 'ecs:DeleteService', `${SVC}/cart`)).toBe('implicit-deny');
  });

  it('agrees with evaluateIam on every phase and request, conditions met', async () => {
    for (const phase of PHASE_VALUES) {
      const p = policiesOf(phase);
      for (const [action, resource] of REQUESTS) {
        // evaluateIam answers "may be allowed" for a conditioned Allow: the oracle sees it allowed when the conditions hold.
        const context = resource.startsWith(`${SVC}/`) ? approved(resource.slice(SVC.length + 1)) : {};
        expect({ phase, action, resource, decision: evaluateIam(p, { action, resource }) }).toEqual({ phase, action, resource, decision: await oracle(p, action, resource, context) });
      }
    }
  });
});
