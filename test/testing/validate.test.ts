import { App, Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { describe, expect, it } from 'vitest';
import { validateApp } from '../../src/testing/validate';

describe('validateApp', () => {
  it('passes an app whose constructs validate', () => {
    const app = new App();
    new Chart(app, 'chart');
    expect(() => validateApp(app, 2, 'cdk8s')).not.toThrow();
  });

  it('fails with every validation message and the construct path, as synth would', () => {
    const app = new App();
    const chart = new Chart(app, 'chart');
    new Construct(chart, 'Agent').node.addValidation({ validate: () => ['GT-K8S-001 grants more than phase 1 allows'] });
    expect(() => validateApp(app, 1, 'cdk8s')).toThrow(
      expect.objectContaining({
        code: 'GT_GUARD',
        message: 'phase 1 fails cdk8s validation, as synth would:\n  - chart/Agent: GT-K8S-001 grants more than phase 1 allows',
      }),
    );
  });
});
