import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { SCHEMAS_DIR, schemaFiles } from '../../scripts/schemas';
import { approvalEpoch, awsApprovalTagValue, kubernetesApprovalKey } from '../../src/definition/approvals';
import { parsePolicy } from '../../src/gate/policy-file';
import { PHASE_VALUES } from '../../src/phase/table';
import { synthesizedPhaseConfig } from '../runtime/support';

const root = join(__dirname, '..', '..');
const examples = join(root, 'examples');

/** An independent validator (ajv, draft 2020-12, with formats) over the committed files. */
function validator() {
  const ajv = new Ajv2020({ allErrors: true, strict: true });
  addFormats(ajv);
  const compiled = new Map<string, ReturnType<typeof ajv.compile>>();
  return (file: string) => {
    let validate = compiled.get(file);
    if (!validate) compiled.set(file, (validate = ajv.compile(JSON.parse(readFileSync(join(SCHEMAS_DIR, file), 'utf8')))));
    return validate;
  };
}
const schema = validator();

function expectValid(file: string, value: unknown, where: string): void {
  const validate = schema(file);
  const ok = validate(value);
  expect(ok ? [] : validate.errors, `${where} against ${file}`).toEqual([]);
}

function jsonLines(file: string): Array<[number, unknown]> {
  return readFileSync(file, 'utf8').split('\n').map((l, i) => [i + 1, l] as const).filter(([, l]) => l.trim() !== '').map(([n, l]) => [n, JSON.parse(l)]);
}

describe('committed schemas', () => {
  it('are exactly what npm run schemas generates from the zod schemas', () => {
    const generated = schemaFiles();
    const committed = readdirSync(SCHEMAS_DIR).filter((f) => f.endsWith('.schema.json')).sort();
    expect(committed, 'run npm run schemas').toEqual(Object.keys(generated).sort());
    for (const [file, text] of Object.entries(generated)) expect(readFileSync(join(SCHEMAS_DIR, file), 'utf8'), `schemas/${file} is stale: run npm run schemas`).toBe(text);
  });

  it('are shipped: package.json exports ./schemas/* and lists schemas in files', () => {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
    expect(pkg.files).toContain('schemas');
    expect(pkg.exports['./schemas/*']).toBe('./schemas/*');
  });

  it('are each linked from docs/agent.md', () => {
    const doc = readFileSync(join(root, 'docs', 'agent.md'), 'utf8');
    for (const file of Object.keys(schemaFiles())) expect(doc, file).toContain(`(../schemas/${file})`);
  });

  it('compile in strict mode', () => {
    for (const file of Object.keys(schemaFiles())) expect(() => schema(file), file).not.toThrow();
  });
});

describe('the example files validate', () => {
  it('the state file', () => {
    expectValid('state-file.schema.json', JSON.parse(readFileSync(join(examples, 'trust', 'incident-responder.json'), 'utf8')), 'examples/trust/incident-responder.json');
  });

  it('the policy file (which the gate also accepts)', () => {
    const text = readFileSync(join(examples, 'trust', 'gate-policy.yaml'), 'utf8');
    expectValid('policy-file.schema.json', parseYaml(text), 'examples/trust/gate-policy.yaml');
    expect(() => parsePolicy(text, 'gate-policy.yaml')).not.toThrow();
  });

  it('a policy with the newer fields (confidence, minSamples per gate, revisionChange, people), which the gate also accepts', () => {
    const policy = {
      confidence: 0.95, minSamples: 30,
      promotion: { '1->2': { accuracy: { above: 0.9, minSamples: 40 } } },
      revisionChange: { 3: { dropTo: 2 }, 4: 'restart' },
      people: { signoff: { pattern: '[a-z]+@example\\.com' }, investigationClosed: null },
    };
    expectValid('policy-file.schema.json', policy, 'policy');
    expect(() => parsePolicy(JSON.stringify(policy), 'policy.json')).not.toThrow();
  });

  it.each([
    'evidence/incident-responder.jsonl',
    'pipeline/evidence/incident-responder.jsonl',
    'pipeline/evidence/incident-responder-violations.jsonl',
  ])('every line of examples/%s, against the union and its own type', (file) => {
    const lines = jsonLines(join(examples, file));
    expect(lines.length).toBeGreaterThan(0);
    for (const [n, record] of lines) {
      expectValid('evidence-record.schema.json', record, `${file}:${n}`);
      expectValid(`evidence-${(record as { type: string }).type}.schema.json`, record, `${file}:${n}`);
    }
  });

  it.each(PHASE_VALUES)('the phase ConfigMap data synthesized in phase %i', (phase) => {
    expectValid('phase-config.schema.json', synthesizedPhaseConfig(phase), `phase ${phase}`);
  });

  it('an approval as trust-gate approve writes it, and the AWS tag value', () => {
    const epoch = approvalEpoch('2026-11-25T08:00:00Z');
    const key = kubernetesApprovalKey({ epoch, action: 'scale', apiGroup: 'apps', resource: 'deployments', subresource: 'scale', namespace: 'shop', name: 'checkout', resourceVersion: '48213' });
    expectValid('kubernetes-approvals.schema.json', { [key]: 'alice' }, key);
    expectValid('kubernetes-approvals.schema.json', { [kubernetesApprovalKey({ epoch, action: 'delete-pod', apiGroup: '', resource: 'pods', subresource: '', namespace: 'shop', name: 'cart-7d9f.x', resourceVersion: '7' })]: 'bob' }, 'core');
    expectValid('aws-approval-tag.schema.json', awsApprovalTagValue('incident-responder', epoch), 'tag');
  });
});

describe('the schemas reject what the library rejects', () => {
  it.each<[string, string, unknown]>([
    ['state-file.schema.json', 'phase 5', { agent: 'a', phase: 5, since: '2026-01-01T00:00:00Z' }],
    ['state-file.schema.json', 'since without a zone', { agent: 'a', phase: 1, since: '2026-01-01T00:00:00' }],
    ['policy-file.schema.json', 'a threshold with two comparisons', { promotion: { '1->2': { accuracy: { above: 0.9, atLeast: 0.9 } } } }],
    ['policy-file.schema.json', 'a share above 1', { promotion: { '1->2': { accuracy: { above: 95 } } } }],
    ['policy-file.schema.json', 'a gate with minSamples and no comparison', { promotion: { '1->2': { accuracy: { minSamples: 30 } } } }],
    ['policy-file.schema.json', 'revisionChange dropping to phase 5', { revisionChange: { 4: { dropTo: 5 } } }],
    ['policy-file.schema.json', 'a trigger without minSamples', { demotion: { triggers: { accuracy: { below: 0.9 } } } }],
    ['policy-file.schema.json', 'an unknown metric', { promotion: { '1->2': { acuracy: { above: 0.9 } } } }],
    ['evidence-record.schema.json', 'an unknown type', { type: 'incidnet', agent: 'a', at: '2026-01-01T00:00:00Z' }],
    ['evidence-record.schema.json', 'an incident without a domain', { type: 'incident', agent: 'a', at: '2026-01-01T00:00:00Z', id: 'I', phase: 1 }],
    ['evidence-incident.schema.json', 'edits "some"', { type: 'incident', agent: 'a', at: '2026-01-01T00:00:00Z', id: 'I', phase: 1, domain: 'd', edits: 'some' }],
    ['evidence-signoff.schema.json', 'a transition 1->3', { type: 'signoff', agent: 'a', at: '2026-01-01T00:00:00Z', by: 'x', transition: '1->3' }],
    ['phase-config.schema.json', 'a boolean that is not "true" or "false"', { agent: 'a', phase: '1', phaseName: 'Shadow', outputSinkEnabled: 'yes', writesEnabled: 'false', approvalsRequired: 'false' }],
    ['phase-config.schema.json', 'an escalationConfidence above 1', { agent: 'a', phase: '4', phaseName: 'Autonomous', outputSinkEnabled: 'true', writesEnabled: 'true', approvalsRequired: 'false', escalationConfidence: '1.5' }],
    ['kubernetes-approvals.schema.json', 'a key without a resourceVersion', { '20261125T080000Z_restart_apps_deployments_shop_checkout': 'alice' }],
    ['kubernetes-approvals.schema.json', 'an empty approver', { '20261125T080000Z_restart_apps_deployments_shop_checkout_1': '' }],
  ])('fails %s: %s', (file, _what, value) => {
    expect(schema(file)(value)).toBe(false);
  });
});
