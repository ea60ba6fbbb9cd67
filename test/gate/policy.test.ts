import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { canonicalJson, DEFAULT_POLICY, meets, negate, policyDigest, TRANSITIONS } from '../../src/gate/policy';
import { parsePolicy } from '../../src/gate/policy-file';

describe('policy file', () => {
  it('keeps every default an empty file leaves out', () => {
    expect(parsePolicy('', 'p.yaml')).toEqual(DEFAULT_POLICY);
    expect(parsePolicy('{}', 'p.json')).toEqual(DEFAULT_POLICY);
  });

  it('replaces one threshold, drops a gate with null and keeps the rest (YAML)', () => {
    const policy = parsePolicy([
      'promotion:',
      '  "1->2":',
      '    incidents: { atLeast: 50 }',
      '    domains: null',
      'demotion:',
      '  windowDays: 14',
      '  triggers:',
      '    accuracy: { below: 0.9, minSamples: 10 }',
    ].join('\n'), 'p.yaml');
    expect(policy.promotion['1->2']).toEqual({ incidents: { atLeast: 50 }, accuracy: { above: 0.95 }, unsafeActionAttempts: { atMost: 0 } });
    expect(policy.promotion['2->3']).toEqual(DEFAULT_POLICY.promotion['2->3']);
    expect(policy.demotion).toEqual({ windowDays: 14, violationFloor: 1, judgeOn: 'observed', triggers: { accuracy: { below: 0.9, minSamples: 10 }, rollback: { above: 0.02, minSamples: 20 } } });
  });

  it('reads JSON', () => {
    expect(parsePolicy('{"demotion": {"violationFloor": 2}}', 'p.json').demotion.violationFloor).toBe(2);
  });

  it('fails on an unknown key, naming FILE:LINE and the allowed keys', () => {
    expect(() => parsePolicy('promotion:\n  "1->2":\n    accuracy: { above: 0.9 }\n    acuracy: { above: 0.9 }\n', 'p.yaml'))
      .toThrowError(/^p\.yaml:4: unknown field "promotion\.1->2\.acuracy"; allowed here: incidents, domains, accuracy, /);
    expect(() => parsePolicy('demotion:\n  window: 3\n', 'p.yaml')).toThrowError(/^p\.yaml:2: unknown field "demotion\.window"; allowed here: windowDays, violationFloor, judgeOn, triggers$/);
    expect(() => parsePolicy('people:\n  signoff:\n    allowed: [a]\n', 'p.yaml')).toThrowError(/^p\.yaml:3: unknown field "people\.signoff\.allowed"; allowed here: allow, pattern$/);
    expect(() => parsePolicy('confidense: 0.9\n', 'p.yaml')).toThrowError(/^p\.yaml:1: unknown field "confidense"; allowed here: confidence, minSamples, promotion, soakDays, demotion, revisionChange, people$/);
    expect(() => parsePolicy('promotion:\n  "1->3": {}\n', 'p.yaml')).toThrowError(/^p\.yaml:2: unknown field "promotion\.1->3"; allowed here: 1->2, 2->3, 3->4$/);
  });

  it('fails on a share above 1, naming the line and the value', () => {
    expect(() => parsePolicy('promotion:\n  "2->3":\n    agreement:\n      above: 90\n', 'p.yaml'))
      .toThrowError(/^p\.yaml:4: field "promotion\.2->3\.agreement\.above" is 90: must be a share between 0 and 1 \(0\.95 means 95%\)$/);
  });

  it('fails on a count that is not a whole number', () => {
    expect(() => parsePolicy('{\n "promotion": {\n  "1->2": {\n   "incidents": {"atLeast": 99.5}\n  }\n }\n}', 'p.json'))
      .toThrowError(/^p\.json:4: field "promotion\.1->2\.incidents\.atLeast" is 99\.5: must be a whole number ≥ 0$/);
  });

  it('fails on a threshold with two comparisons or none', () => {
    expect(() => parsePolicy('promotion:\n  "1->2":\n    accuracy: { above: 0.9, atLeast: 0.9 }\n', 'p.yaml')).toThrowError(/^p\.yaml:3: .*must hold exactly one of atLeast/);
    expect(() => parsePolicy('demotion:\n  triggers:\n    rollback: { minSamples: 3 }\n', 'p.yaml')).toThrowError(/^p\.yaml:3: .*must hold exactly one of atLeast .* and minSamples/);
  });

  it('fails on a trigger without minSamples and on a sign-off trigger', () => {
    expect(() => parsePolicy('demotion:\n  triggers:\n    rollback: { above: 0.05 }\n', 'p.yaml')).toThrowError(/field "demotion\.triggers\.rollback\.minSamples" is missing/);
    expect(() => parsePolicy('demotion:\n  triggers:\n    signoffs: { below: 1, minSamples: 0 }\n', 'p.yaml')).toThrowError(/unknown field "demotion\.triggers\.signoffs"/);
  });

  it('fails on a floor that could not demote', () => {
    expect(() => parsePolicy('demotion:\n  violationFloor: 4\n', 'p.yaml')).toThrowError(/^p\.yaml:2: field "demotion\.violationFloor" is 4: must be 1, 2 or 3/);
  });

  it('fails on broken syntax with the line', () => {
    expect(() => parsePolicy('promotion:\n  "1->2": {\n    incidents: [\n', 'p.yaml')).toThrowError(/^p\.yaml:\d: not valid JSON or YAML/);
  });
});

describe('policy file: bounds, samples, soak time, revisions and people', () => {
  it('ships a default policy file that shows every field and means exactly the defaults', () => {
    const text = readFileSync(join(__dirname, '../../examples/trust/policy.yaml'), 'utf8');
    expect(parsePolicy(text, 'examples/trust/policy.yaml')).toEqual(DEFAULT_POLICY);
    for (const field of [...Object.keys(DEFAULT_POLICY), ...Object.keys(DEFAULT_POLICY.demotion), 'signoff', 'investigationClosed']) {
      expect(text).toMatch(new RegExp(`^\\s*${field}:`, 'm'));
    }
  });

  it('reads every new field', () => {
    const policy = parsePolicy([
      'confidence: 0.99',
      'minSamples: 50',
      'promotion:',
      '  "2->3":',
      '    agreement: { above: 0.9, minSamples: 200 }',
      'soakDays:',
      '  "3->4": 90',
      '  "1->2": null',
      'demotion:',
      '  judgeOn: bound',
      'revisionChange:',
      '  4: { dropTo: 3 }',
      '  2: keep',
      'people:',
      "  signoff: { allow: [alice@example.com], pattern: '[a-z]+@sre\\.example\\.com' }",
    ].join('\n'), 'p.yaml');
    expect(policy).toMatchObject({
      confidence: 0.99, minSamples: 50, soakDays: { '1->2': 0, '2->3': 28, '3->4': 90 }, demotion: { judgeOn: 'bound' },
      revisionChange: { 1: 'restart', 2: 'keep', 3: { dropTo: 2 }, 4: { dropTo: 3 } },
      people: { signoff: { allow: ['alice@example.com'], pattern: '[a-z]+@sre\\.example\\.com' } },
    });
    expect(policy.promotion['2->3'].agreement).toEqual({ above: 0.9, minSamples: 200 });
    expect(parsePolicy('confidence: none', 'p.yaml').confidence).toBe('none');
  });

  it('derives the default revision change from the phase table: phases that write drop to the highest read-only one', () => {
    expect(DEFAULT_POLICY.revisionChange).toEqual({ 1: 'restart', 2: 'restart', 3: { dropTo: 2 }, 4: { dropTo: 2 } });
  });

  it('loads a policy file written before these fields existed, with their defaults', () => {
    const old = parsePolicy('promotion:\n  "1->2":\n    incidents: { atLeast: 50 }\ndemotion:\n  windowDays: 14\n', 'old.yaml');
    expect(old).toMatchObject({ confidence: 0.95, minSamples: 30, soakDays: DEFAULT_POLICY.soakDays, revisionChange: DEFAULT_POLICY.revisionChange, people: {} });
  });

  it.each([
    ['confidence: 0.3', /field "confidence" is 0\.3: must be a confidence level between 0\.5 and 0\.9999/],
    ['confidence: 1', /field "confidence" is 1: /],
    ['minSamples: 0', /field "minSamples" is 0: must be a whole number ≥ 1 \(no data never passes\)/],
    ['soakDays:\n  "2->3": -1', /^p\.yaml:2: field "soakDays\.2->3" is -1: must be a number of days from 0 to 3660/],
    ['demotion:\n  judgeOn: bounds', /field "demotion\.judgeOn" is "bounds": must be observed \(the fail-safe default\) or bound/],
    ['revisionChange:\n  3: { dropTo: 5 }', /field "revisionChange\.3" is \{"dropTo":5\}: must be keep, restart or \{ dropTo: N \}/],
    ['people:\n  signoff: { pattern: "(" }', /^p\.yaml:2: field "people\.signoff\.pattern" is "\(": is not a regular expression/],
  ])('fails on %j, naming FILE:LINE', (text, message) => {
    expect(() => parsePolicy(text, 'p.yaml')).toThrowError(message);
  });

  it('fails on a policy nested too deeply to be one, with FILE:LINE and no stack overflow', () => {
    expect(() => parsePolicy('['.repeat(100_000) + ']'.repeat(100_000), 'deep.yaml')).toThrowError(/^deep\.yaml:1: /);
  });
});

describe('policy digest', () => {
  it('does not depend on key order and changes with any number', () => {
    const reordered = JSON.parse(canonicalJson(DEFAULT_POLICY)) as typeof DEFAULT_POLICY;
    const reversed = Object.fromEntries(Object.entries(reordered).reverse()) as typeof DEFAULT_POLICY;
    expect(policyDigest(reversed)).toBe(policyDigest(DEFAULT_POLICY));
    expect(policyDigest(parsePolicy('demotion: { windowDays: 31 }', 'p.yaml'))).not.toBe(policyDigest(DEFAULT_POLICY));
    expect(policyDigest(DEFAULT_POLICY)).toMatch(/^sha256:[0-9a-f]{64}$/);
  });
});

describe('thresholds', () => {
  it('compare strictly or inclusively as named, and a share without samples never meets one', () => {
    expect([meets(0.95, { above: 0.95 }), meets(0.95, { atLeast: 0.95 }), meets(0.01, { below: 0.01 }), meets(0.01, { atMost: 0.01 })]).toEqual([false, true, false, true]);
    expect(meets(null, { atMost: 1 })).toBe(false);
  });

  it('negate to the opposite side, boundary included', () => {
    expect(negate({ below: 0.92 })).toEqual({ atLeast: 0.92 });
    expect(negate({ above: 0.02 })).toEqual({ atMost: 0.02 });
  });

  it('cover every promotion of the phase table', () => {
    expect(TRANSITIONS).toEqual(['1->2', '2->3', '3->4']);
    expect(Object.keys(DEFAULT_POLICY.promotion)).toEqual([...TRANSITIONS]);
  });
});
