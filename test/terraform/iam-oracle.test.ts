/**
 * The synthesized IAM policies judged by an independent oracle, @cloud-copilot/iam-simulate
 * (AGPL-3.0, devDependency, tests only), and cross-checked against this library's evaluator.
 */
import { describe, expect, it } from 'vitest';
import { incidentResponder } from '../../examples/incident-responder';
import { evaluateIam } from '../../src/analysis/iam/evaluate';
import { PHASE_VALUES, type Phase } from '../../src/phase/table';
import { oracle } from './oracle';
import { defaultProps, iamPolicies, synth } from './synth';

const SVC = 'arn:aws:ecs:eu-west-1:111122223333:service/shop';
const LOGS = 'arn:aws:logs:eu-west-1:111122223333:log-group:/shop/checkout';
const policiesOf = (phase: Phase) => iamPolicies(synth(defaultProps(incidentResponder, phase)));

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
    expect(await oracle(p, 'ecs:UpdateService', `${SVC}/checkout`)).toBe('implicit-deny');
    for (const [action, resource] of REQUESTS.slice(0, 4)) expect({ action, decision: await oracle(p, action, resource) }).toEqual({ action, decision: 'allow' });
  });

  it('allows ecs:UpdateService on the named ARN only in phase 3', async () => {
    const p = policiesOf(3);
    expect(await oracle(p, 'ecs:UpdateService', `${SVC}/checkout`)).toBe('allow');
    expect(await oracle(p, 'ecs:UpdateService', `${SVC}/cart`)).toBe('implicit-deny');
  });

  it('denies a hand-widened inline policy beyond the boundary', async () => {
    const { boundary } = policiesOf(1);
    const widened = { identity: [{ Version: '2012-10-17', Statement: [{ Effect: 'Allow' as const, Action: '*', Resource: '*' }] }], boundary };
    expect(await oracle(widened, 'iam:PassRole', 'arn:aws:iam::111122223333:role/admin')).toBe('implicit-deny');
    expect(await oracle(widened, 'ecs:UpdateService', `${SVC}/cart`)).toBe('allow');
    expect(await oracle(widened, 'ecs:DeleteService', `${SVC}/cart`)).toBe('implicit-deny');
  });

  it('agrees with evaluateIam on every phase and request', async () => {
    for (const phase of PHASE_VALUES) {
      const p = policiesOf(phase);
      for (const [action, resource] of REQUESTS) {
        expect({ phase, action, resource, decision: evaluateIam(p, { action, resource }) }).toEqual({ phase, action, resource, decision: await oracle(p, action, resource) });
      }
    }
  });
});
