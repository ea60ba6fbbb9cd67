import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments, stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { accessModels } from '../../src/analysis/access';
import { diffOutputs, formatDiffMarkdown, formatDiffText } from '../../src/analysis/diff';
import { readSynthOutput } from '../../src/analysis/read';
import { runCli, tempDir } from '../support/cli';

const dir = (phase: number) => join(__dirname, '..', 'fixtures', 'synth', `phase-${phase}`);
const models = (phase: number) => accessModels(readSynthOutput(dir(phase)));
const lines = (a: number, b: number) => diffOutputs(models(a), models(b))[0]!.changes.map((c) => `${c.kind} ${c.text}`);

describe('diff of the example between phases', () => {
  it('shows only the chat webhook and longer tokens from phase 1 to 2', () => {
    expect(lines(1, 2)).toEqual([
      '+ egress 198.51.100.10/32:443',
      '~ vault token_max_ttl 3600s → 7200s',
      '~ vault token_ttl 900s → 1800s',
    ]);
  });

  it('shows the named writes from phase 2 to 3, each behind an operator approval', () => {
    expect(lines(2, 3)).toEqual([
      '+ admits restart apps/deployments "checkout", "cart" in shop: only spec.template.metadata.annotations["kubectl.kubernetes.io/restartedAt"] (approval: operator ConfigMap entry)',
      '+ admits scale apps/deployments "checkout", "cart" in shop: replicas 2–10 (approval: operator ConfigMap entry)',
      '+ get apps/deployments/scale "cart" in shop',
      '+ get apps/deployments/scale "checkout" in shop',
      '+ patch apps/deployments "cart" in shop',
      '+ patch apps/deployments "checkout" in shop',
      '+ patch apps/deployments/scale "cart" in shop',
      '+ patch apps/deployments/scale "checkout" in shop',
      '+ update apps/deployments/scale "cart" in shop',
      '+ update apps/deployments/scale "checkout" in shop',
      '~ k8s write admission: deny → approval',
      '+ vault read secret/data/shop/checkout/flags',
      '+ vault update secret/data/shop/checkout/flags (approval: operator token from role incident-responder-approval (1 use, at most 900s))',
      '+ iam ecs:UpdateService on arn:aws:ecs:eu-west-1:111122223333:service/shop/checkout (approval: operator tag incident-responder@20261001T000000Z)',
    ]);
  });

  it('shows the namespace-wide writes from phase 3 to 4, with named writes absorbed and approvals dropped', () => {
    const got = lines(3, 4);
    expect(got).toContain('+ patch apps/deployments in shop');
    expect(got).toContain('+ update apps/deployments/scale in shop');
    expect(got).toContain('+ admits scale apps/deployments in shop: replicas 1–20');
    expect(got).toContain('~ admits scale apps/deployments "checkout", "cart" in shop: replicas 2–10: approval operator ConfigMap entry → none');
    expect(got).toContain('~ vault update secret/data/shop/checkout/flags: approval operator token from role incident-responder-approval (1 use, at most 900s) → none');
    expect(got).toContain('+ iam ecs:UpdateService on arn:aws:ecs:eu-west-1:111122223333:service/shop/*');
    expect(got).toContain('~ iam max_session_duration 3600s → 7200s');
    expect(got).toContain('~ k8s write admission: approval → actions');
    expect(got.some((l) => l.startsWith('-'))).toBe(false);
  });

  for (const [a, b] of [[1, 2], [2, 3], [3, 4]] as const) {
    it(`shows the same changes as losses from phase ${b} back to ${a}`, () => {
      const forward = lines(a, b);
      const back = lines(b, a);
      const flip = (l: string) => (l.startsWith('+') ? `-${l.slice(1)}` : l.startsWith('-') ? `+${l.slice(1)}` : l);
      expect(back.filter((l) => !l.startsWith('~')).sort()).toEqual(forward.filter((l) => !l.startsWith('~')).map(flip).sort());
      const settings = (ls: string[]) => ls.filter((l) => l.startsWith('~')).map((l) => l.split(' ').slice(0, 3).join(' ')).sort();
      expect(settings(back)).toEqual(settings(forward));
      expect(back.filter((l) => l.startsWith('+'))).toEqual([]);
    });
  }

  it('shows write admission from deny to approval to actions, and the reverse backwards', () => {
    const admission = (a: number, b: number) => lines(a, b).filter((l) => l.startsWith('~ k8s write admission'));
    expect(admission(1, 2)).toEqual([]);
    expect(admission(2, 3)).toEqual(['~ k8s write admission: deny → approval']);
    expect(admission(3, 4)).toEqual(['~ k8s write admission: approval → actions']);
    expect(admission(3, 2)).toEqual(['~ k8s write admission: approval → deny']);
    expect(admission(4, 3)).toEqual(['~ k8s write admission: actions → approval']);
  });

  it('shows no change for the same output', () => {
    expect(lines(3, 3)).toEqual([]);
  });
});

describe('diff ignores form', () => {
  it('shows no change when documents are reordered, reformatted and objects renamed', () => {
    const copy = tempDir();
    cpSync(dir(3), copy, { recursive: true });
    const file = join(copy, 'dist', 'incident-responder.k8s.yaml');
    const docs = parseAllDocuments(readFileSync(file, 'utf8')).map((d) => d.toJS() as Record<string, any>);
    for (const d of docs) {
      if (d.kind === 'Role' || d.kind === 'RoleBinding') d.metadata.name = 'renamed';
      if (d.kind === 'RoleBinding') d.roleRef.name = 'renamed';
      for (const r of d.rules ?? []) r.verbs.reverse();
    }
    writeFileSync(file, docs.reverse().map((d) => stringify(d, { indent: 4 })).join('---\n'));
    const tf = join(copy, 'cdktf.out', 'stacks', 'incident-responder', 'cdk.tf.json');
    const json = JSON.parse(readFileSync(tf, 'utf8'));
    for (const byName of Object.values(json.resource) as Array<Record<string, any>>) for (const r of Object.values(byName)) if (r['//']) r['//'].metadata.path = 'Renamed/Path';
    writeFileSync(tf, JSON.stringify(json));
    expect(diffOutputs(models(3), accessModels(readSynthOutput(copy)))[0]!.changes).toEqual([]);
  });
});

describe('diff formats', () => {
  it('prints text with a header per agent', () => {
    expect(formatDiffText(diffOutputs(models(1), models(2)))).toBe(
      'ops-agents/incident-responder: phase 1 (Shadow) → phase 2 (Read-Only Assist)\n' +
        '  + egress 198.51.100.10/32:443\n  ~ vault token_max_ttl 3600s → 7200s\n  ~ vault token_ttl 900s → 1800s\n',
    );
  });

  it('prints markdown as the review section of a phase-change PR', () => {
    const md = formatDiffMarkdown(diffOutputs(models(2), models(3)));
    expect(md).toContain('### Blast radius: `ops-agents/incident-responder`, phase 2 (Read-Only Assist) → phase 3 (Limited Remediation)');
    expect(md).toContain('**13 gained, 0 lost, 1 changed**');
    expect(md).toContain('```diff\n+ admits restart apps/deployments "checkout", "cart" in shop');
    expect(md).toContain('| Kubernetes API | 10 | 0 | 1 |');
    expect(md).toContain('! k8s write admission: deny → approval\n```');
  });
});

describe('trust-gate diff', () => {
  it('exits 2 with --detailed-exitcode when access differs', async () => {
    const run = await runCli(['diff', dir(2), dir(3), '--detailed-exitcode']);
    expect(run.code).toBe(2);
    expect(run.stdout).toContain('+ patch apps/deployments "checkout" in shop');
  });

  it('exits 0 without --detailed-exitcode, and 0 when nothing differs', async () => {
    expect((await runCli(['diff', dir(2), dir(3)])).code).toBe(0);
    expect((await runCli(['diff', dir(2), dir(2), '--detailed-exitcode'])).code).toBe(0);
  });

  it('prints JSON with counts', async () => {
    const run = await runCli(['diff', dir(1), dir(2), '--format', 'json']);
    expect(JSON.parse(run.stdout)[0].counts).toEqual({ gained: 1, lost: 0, changed: 2 });
  });

  it('fails with one folder', async () => {
    const run = await runCli(['diff', dir(1)]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('expected BEFORE and AFTER');
  });
});
