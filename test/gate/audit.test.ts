import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readCloudTrail } from '../../src/gate/audit/cloudtrail';
import { readKubernetesAudit } from '../../src/gate/audit/kubernetes';
import { eachJsonRecord, type AuditDenial } from '../../src/gate/audit/read';
import { readVaultAudit } from '../../src/gate/audit/vault';
import { aggregate, type AuditInput } from '../../src/gate/evaluate';
import { textSource, type Source } from '../../src/gate/source';
import { state } from './helpers';

const FIXTURES = join(__dirname, '../fixtures/audit');
const SA = 'system:serviceaccount:ops-agents:incident-responder';
const POLICY = 'incident-responder.graduated-trust.dev';
const ROLE = 'arn:aws:iam::111122223333:role/incident-responder';

function fixture(name: string): Source {
  return { name, chunks: [readFileSync(join(FIXTURES, name))] };
}

/** The text cut into pieces of `size` characters, to cross every boundary. */
function pieces(name: string, text: string, size: number): Source {
  const chunks: string[] = [];
  for (let i = 0; i < text.length; i += size) chunks.push(text.slice(i, i + size));
  return { name, chunks };
}

async function k8s(source: Source, user: string): Promise<{ denials: AuditDenial[]; records: number }> {
  const denials: AuditDenial[] = [];
  const counts = await readKubernetesAudit(source, { user, admissionPolicy: POLICY }, (d) => denials.push(d));
  return { denials, records: counts.records };
}

/** Distinct new violations after reading the logs through the evaluator's ledger. */
async function violations(audit: AuditInput[]) {
  const a = await aggregate({ state: state(3), now: new Date('2026-11-25T00:00:00Z'), evidence: [], audit });
  return a.violations;
}

describe('Kubernetes audit log', () => {
  it('finds the agent\'s RBAC denials, own-policy rejections, impersonated denials and refused impersonation, nothing else', async () => {
    const { denials, records } = await k8s(fixture('k8s-audit-v1-agent.jsonl'), SA);
    expect(records).toBe(22);
    expect(denials.map((d) => d.identity.slice(-2))).toEqual(['01', '03', '05', '07', '09', '01']);
    expect(denials[0]).toEqual({
      identity: 'k8s-audit\n0b6f1c52-1d8e-4c1e-9a8b-000000000001',
      atMs: Date.parse('2026-11-20T10:00:09.123Z'),
      detail: 'delete pods checkout-7d9f in shop: forbidden by authorization',
      where: 'k8s-audit-v1-agent.jsonl:2',
    });
    expect(denials[1]!.detail).toBe(`patch apps/deployments checkout in shop: rejected by ValidatingAdmissionPolicy ${POLICY} (403)`);
    expect(denials[2]!.detail).toBe(`update configmaps flags in shop: rejected by ValidatingAdmissionPolicy ${POLICY} (422)`);
    expect(denials[4]!.detail).toBe('get /api/v1/namespaces/shop/pods: forbidden (403)');
  });

  it('counts a request shipped twice once', async () => {
    const v = await violations([{ kind: 'k8s-audit', source: fixture('k8s-audit-v1-agent.jsonl'), user: SA }]);
    expect(v.new).toHaveLength(5);
    expect(v.new.every((x) => x.source === 'k8s-audit')).toBe(true);
  });

  it('checks the impersonated user, not the impersonator (audit2rbac sample)', async () => {
    const demo = () => fixture('k8s-audit-audit2rbac-demo.jsonl');
    expect((await k8s(demo(), 'bob')).denials).toHaveLength(4);
    expect((await k8s(demo(), 'alice')).denials).toHaveLength(3);
    expect((await k8s(demo(), 'system:serviceaccount:ns1:sa1')).denials).toHaveLength(4);
    expect((await k8s(demo(), 'system:admin')).denials).toHaveLength(0);
  });

  it('reads v1beta1 `timestamp` when there is no stageTimestamp', async () => {
    const { denials } = await k8s(fixture('k8s-audit-audit2rbac-demo.jsonl'), 'bob');
    expect(new Date(denials[0]!.atMs).toISOString()).toBe('2017-09-11T19:55:05.000Z');
    expect(denials[0]!.detail).toBe('list pods in default: forbidden (403)');
  });

  it('counts each auditID once at its final stage (757-line raw capture, 437 requests)', async () => {
    const { denials, records } = await k8s(fixture('k8s-audit-audit2rbac-demo-v1beta1-raw.jsonl'), 'bob');
    expect(records).toBe(757);
    expect(denials).toHaveLength(4);
    const both = await violations([
      { kind: 'k8s-audit', source: fixture('k8s-audit-audit2rbac-demo-v1beta1-raw.jsonl'), user: 'bob' },
      { kind: 'k8s-audit', source: fixture('k8s-audit-audit2rbac-demo.jsonl'), user: 'bob' },
    ]);
    expect(both.new).toHaveLength(4);
  });

  it('finds no denial among allowed events of many users, including events without apiVersion (Falco sample)', async () => {
    for (const user of ['system:anonymous', 'system:serviceaccount:kube-system:replicaset-controller', 'minikube-user']) {
      const { denials, records } = await k8s(fixture('k8s-audit-falco-trace-files.jsonl'), user);
      expect(records).toBe(51);
      expect(denials).toEqual([]);
    }
  });

  it('fails on a malformed line, naming FILE:LINE', async () => {
    await expect(k8s(textSource('audit.log', '{"kind":"Event","stage":"RequestReceived","auditID":"a"}\n{"kind":\n'), SA))
      .rejects.toThrow(/^audit\.log:2: not valid JSON \(.*\); expected one audit\.k8s\.io Event per line/);
  });

  it('fails on a file that is not an audit log', async () => {
    await expect(k8s(textSource('trail.json', JSON.stringify({ eventID: 'x', eventTime: '2026-01-01T00:00:00Z' })), SA))
      .rejects.toThrow(/^trail\.json:1: field "stage" is missing; expected one audit\.k8s\.io Event/);
    await expect(k8s(textSource('list.json', JSON.stringify({ kind: 'EventList', items: [] })), SA)).rejects.toThrow(/field "kind" is "EventList"/);
  });

  it('fails on a bad timestamp of one of the agent\'s denials', async () => {
    const event = { kind: 'Event', stage: 'ResponseComplete', auditID: 'a', user: { username: SA }, stageTimestamp: 'yesterday', annotations: { 'authorization.k8s.io/decision': 'forbid' } };
    await expect(k8s(textSource('audit.log', JSON.stringify(event)), SA)).rejects.toMatchObject({
      code: 'GT_AUDIT_INVALID', message: expect.stringMatching(/^audit\.log:1: field "stageTimestamp" is "yesterday": must be an RFC 3339 time/),
    });
  });
});

describe('CloudTrail', () => {
  it('reads a JSON array and matches the session issuer, not the session ARN (Stratus sample)', async () => {
    const denials: AuditDenial[] = [];
    const counts = await readCloudTrail(fixture('cloudtrail-stratus-credential-access.ec2-get-password-data.json'), { roleArn: 'arn:aws:iam::457448411975:role/stratus-red-team-ec2-get-password-data-role' }, (d) => denials.push(d));
    expect(counts).toEqual({ records: 34, denials: 30 });
    expect(denials[0]!.detail).toBe('ec2.amazonaws.com GetPasswordData: Client.UnauthorizedOperation');
    expect(denials[0]!.where).toBe('cloudtrail-stratus-credential-access.ec2-get-password-data.json:2');
  });

  it('counts AccessDenied of an assumed role and nothing of an IAM user', async () => {
    const found = (roleArn: string) => violations([{ kind: 'cloudtrail', source: fixture('cloudtrail-stratus-defense-evasion.organizations-leave.json'), roleArn }]);
    expect((await found('arn:aws:iam::307578594326:role/stratus-red-team-leave-org-role')).new.map((v) => v.detail)).toEqual(['organizations.amazonaws.com LeaveOrganization: AccessDenied']);
    expect((await found('arn:aws:iam::307578594326:user/christophe')).new).toEqual([]);
  });

  it('reads a file as delivered to S3 ({"Records": [...]})', async () => {
    const denials: AuditDenial[] = [];
    const counts = await readCloudTrail(fixture('cloudtrail-trailscraper-s3-logfile.json'), { roleArn: 'arn:aws:iam::111111111111:role/someRole' }, (d) => denials.push(d));
    expect(counts).toEqual({ records: 2, denials: 0 });
  });

  it('reads JSON lines, matches AccessDenied*, *UnauthorizedOperation only, and counts an eventID once', async () => {
    const v = await violations([{ kind: 'cloudtrail', source: fixture('cloudtrail-agent.jsonl'), roleArn: ROLE }]);
    expect(v.new.map((x) => x.detail)).toEqual([
      'iam.amazonaws.com AttachRolePolicy: AccessDenied',
      'ec2.amazonaws.com TerminateInstances: Client.UnauthorizedOperation',
      'secretsmanager.amazonaws.com GetSecretValue: AccessDeniedException',
    ]);
  });

  it('gives the same records in a Records file cut into tiny chunks, with braces and quotes inside strings', async () => {
    const records = readFileSync(join(FIXTURES, 'cloudtrail-agent.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    records[0]!.errorMessage = 'tricky "quoted" {brace} [bracket] \\ back\nslash';
    const text = JSON.stringify({ Records: records }, null, 2);
    for (const size of [1, 7, 64, 100_000]) {
      const seen: string[] = [];
      await eachJsonRecord(pieces('s3.json', text, size), 'records', (t) => seen.push((JSON.parse(t) as { eventID: string }).eventID));
      expect(seen, `chunks of ${size}`).toEqual(records.map((r) => r.eventID));
    }
  });

  it('names the line a record starts on', async () => {
    const text = '[\n  {"eventID": "a"},\n  {\n    "eventID": "b"\n  }\n]';
    const where: string[] = [];
    await eachJsonRecord(textSource('t.json', text), 'records', (_, w) => where.push(w()));
    expect(where).toEqual(['t.json:2', 't.json:3']);
  });

  it('fails on a truncated file, a record that is not an object, and a broken record', async () => {
    const read = (text: string) => readCloudTrail(textSource('t.json', text), { roleArn: ROLE }, () => undefined);
    await expect(read('{"Records": [{"eventID": "a"}, {"eventID": ')).rejects.toThrow(/^t\.json:1: the file ends inside a JSON value \(truncated\?\)/);
    await expect(read('[{"eventID": "a"},\n 42]')).rejects.toThrow(/^t\.json:2: holds a record that is not a JSON object/);
    await expect(read('[\n{"eventID": "a",, "x": 1}]')).rejects.toThrow(/^t\.json:2: not valid JSON/);
  });
});

describe('Vault audit log', () => {
  it('counts permission-denied responses of the role, once per request id', async () => {
    const denials: AuditDenial[] = [];
    const counts = await readVaultAudit(fixture('vault-audit-agent.jsonl'), { role: 'incident-responder' }, (d) => denials.push(d));
    expect(counts).toEqual({ records: 11, denials: 3 });
    const v = await violations([{ kind: 'vault-audit', source: fixture('vault-audit-agent.jsonl'), role: 'incident-responder' }]);
    expect(v.new.map((x) => [x.at, x.detail])).toEqual([
      ['2026-11-20T10:00:01.223Z', 'read secret/data/shop/db-root: permission denied'],
      ['2026-11-20T10:00:05.223Z', 'update sys/policies/acl/incident-responder: permission denied'],
    ]);
  });

  it('counts nothing for a role without denials', async () => {
    const denials: AuditDenial[] = [];
    await readVaultAudit(fixture('vault-audit-agent.jsonl'), { role: 'nobody' }, (d) => denials.push(d));
    expect(denials).toEqual([]);
  });

  it('fails on a malformed line and on a denial without request id', async () => {
    await expect(readVaultAudit(textSource('v.log', '{"type":"request"}\nnot json\n'), { role: 'r' }, () => undefined)).rejects.toThrow(/^v\.log:2: not valid JSON/);
    const entry = { type: 'response', time: '2026-11-20T10:00:00Z', auth: { metadata: { role: 'r' } }, error: 'permission denied', request: {} };
    await expect(readVaultAudit(textSource('v.log', JSON.stringify(entry)), { role: 'r' }, () => undefined)).rejects.toThrow(/^v\.log:1: field "request\.id" is missing/);
  });
});

describe('audit violations in the decision', () => {
  it('demote the agent once, and not again once acted on', async () => {
    const audit = (): AuditInput[] => [{ kind: 'k8s-audit', source: fixture('k8s-audit-v1-agent.jsonl'), user: SA }];
    const first = await violations(audit());
    expect(first.new).toHaveLength(5);
    const acted = await aggregate({ state: state(1, { violationsActed: first.new.map((v) => v.digest) }), now: new Date('2026-11-25T00:00:00Z'), evidence: [], audit: audit() });
    expect(acted.violations).toMatchObject({ new: [], seen: 5, actedBefore: 5 });
  });

  it('ignore denials later than now', async () => {
    const v = await aggregate({ state: state(3), now: new Date('2026-11-20T10:02:00Z'), evidence: [], audit: [{ kind: 'k8s-audit', source: fixture('k8s-audit-v1-agent.jsonl'), user: SA }] });
    expect(v.violations).toMatchObject({ seen: 1, future: 4 }); // requests 3, 5, 7 and 9 come later
  });
});
