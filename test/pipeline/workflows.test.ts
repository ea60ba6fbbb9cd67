import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { pullRequestBody, pullRequestLabels } from '../../scripts/pipeline-demo';
import { tempDir } from '../support/cli';

const PIPELINE = join(__dirname, '../../examples/pipeline');
const WORKFLOWS = join(PIPELINE, '.github/workflows');

interface Step { readonly name?: string; readonly id?: string; readonly run?: string; readonly uses?: string; readonly with?: Record<string, unknown>; readonly env?: Record<string, string>; readonly if?: string }
interface Workflow { readonly on: Record<string, unknown>; readonly jobs: Record<string, { readonly name?: string; readonly steps: Step[] }> }

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : [join(dir, e.name)]));
}

function workflow(name: string): Workflow {
  return parse(readFileSync(join(WORKFLOWS, name), 'utf8')) as Workflow;
}

function steps(name: string): Step[] {
  return Object.values(workflow(name).jobs).flatMap((j) => j.steps);
}

function step(name: string, id: string): Step {
  const s = steps(name).find((x) => x.id === id);
  if (!s) throw new Error(`no step ${id} in ${name}`);
  return s;
}

describe('examples/pipeline', () => {
  it('holds only YAML that parses', () => {
    const yamls = files(PIPELINE).filter((f) => /\.ya?ml$/.test(f));
    expect(yamls.map((f) => relative(PIPELINE, f)).sort()).toEqual([
      '.github/workflows/trust-apply.yml', '.github/workflows/trust-approvals.yml', '.github/workflows/trust-gate.yml',
      '.github/workflows/trust-review.yml', 'argocd/application.yaml', 'policy.yaml',
    ]);
    for (const f of yamls) {
      for (const doc of parseAllDocuments(readFileSync(f, 'utf8'))) expect(doc.errors, f).toEqual([]);
    }
  });

  it('evaluates on a schedule, writes with --detailed-exitcode, and on a change synthesizes after, diffs and opens a PR', () => {
    const wf = workflow('trust-gate.yml');
    expect(Object.keys(wf.on)).toEqual(['schedule', 'workflow_dispatch']);
    const runs = steps('trust-gate.yml').map((s) => s.run ?? s.uses ?? '').join('\n');
    const order = [
      'trust-gate evaluate --state "$STATE_FILE" $EVIDENCE_ARGS $POLICY_ARGS --now "$NOW" --format json',
      'trust-gate evaluate --state "$STATE_FILE" $EVIDENCE_ARGS $POLICY_ARGS --now "$NOW" --format commit',
      'trust-gate report --state "$STATE_FILE" $EVIDENCE_ARGS $POLICY_ARGS --now "$NOW" --out "$OUT/report.html"',
      'npm run synth',
      '--write --detailed-exitcode --format markdown',
      'actions/upload-artifact@v4',
      'trust-gate diff "$OUT/before" "$OUT/after" --format markdown',
      'peter-evans/create-pull-request@v7',
    ];
    const at = order.map((text) => runs.indexOf(text));
    expect(at.every((i) => i >= 0)).toBe(true);
    expect([...at].sort((a, b) => a - b)).toEqual(at);
    for (const id of ['pr', 'app-token']) expect(step('trust-gate.yml', id).if).toBe("steps.write.outputs.changed == 'true'");
    expect(steps('trust-gate.yml').find((s) => s.uses === 'peter-evans/create-pull-request@v7')!.if).toBe("steps.write.outputs.changed == 'true'");
    expect(steps('trust-gate.yml').find((s) => s.run?.includes('trust-gate diff'))!.if).toBe("steps.write.outputs.phase-changed == 'true'");
  });

  it('says the state file changed whenever evaluate --write changed it, also when it exits 0 (no phase change)', () => {
    // GIVEN a repository with the committed state file, and an `npx trust-gate` that writes it or not
    const repo = tempDir('gt-workflow-repo-');
    const bin = join(repo, '.bin');
    mkdirSync(bin, { recursive: true });
    writeFileSync(join(bin, 'npx'), '#!/bin/bash\n[ -n "$FAKE_WRITE" ] && printf %s "$FAKE_WRITE" > "$STATE_FILE"\necho "## Trust gate"\nexit "$FAKE_CODE"\n', { mode: 0o755 });
    const git = (...args: string[]) => spawnSync('git', args, { cwd: repo, encoding: 'utf8' });
    git('init', '-q');
    writeFileSync(join(repo, 'state.json'), '{"phase":1}\n');
    git('add', 'state.json');
    git('-c', 'user.name=t', '-c', 'user.email=t@example.test', 'commit', '-qm', 'state');
    const write = (code: number, written: string) => {
      writeFileSync(join(repo, 'state.json'), '{"phase":1}\n');
      const outputs = join(repo, '.github-output');
      writeFileSync(outputs, '');
      const r = spawnSync('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', step('trust-gate.yml', 'write').run!], {
        cwd: repo, encoding: 'utf8',
        env: { PATH: `${bin}:${process.env.PATH}`, STATE_FILE: 'state.json', OUT: repo, GITHUB_OUTPUT: outputs, EVIDENCE_ARGS: '', NOW: 'x', FAKE_CODE: String(code), FAKE_WRITE: written },
      });
      return { status: r.status, outputs: readFileSync(outputs, 'utf8').split('\n').filter(Boolean).sort() };
    };
    // WHEN evaluate exits 2, 0 after writing (a restart at phase 1, a hold lifted), 0 without writing, 1
    // THEN
    expect(write(2, '{"phase":2}\n')).toEqual({ status: 0, outputs: ['changed=true', 'phase-changed=true'] });
    expect(write(0, '{"phase":1,"hold":{}}\n')).toEqual({ status: 0, outputs: ['changed=true', 'phase-changed=false'] });
    expect(write(0, '')).toEqual({ status: 0, outputs: ['changed=false', 'phase-changed=false'] });
    expect(write(1, '').status).toBe(1);
  });

  it('tells the PR step whether the decision places a hold, from the JSON decision', () => {
    const run = step('trust-gate.yml', 'decide').run!;
    const expr = /places-hold=\$\(jq -r '([^']+)'/.exec(run)![1]!;
    const jq = (decision: object) => spawnSync('jq', ['-r', expr], { input: JSON.stringify(decision), encoding: 'utf8' }).stdout.trim();
    expect(jq({ hold: { since: 'x' }, violations: { new: [{}] } })).toBe('true');
    expect(jq({ hold: null, violations: { new: [{}] } })).toBe('false');
    expect(jq({ hold: { since: 'x' }, violations: { new: [] } })).toBe('false');
  });

  it('writes the PR body and labels in the workflow exactly as the demo does', () => {
    // GIVEN the outputs of the earlier steps in $OUT
    const out = tempDir('gt-workflow-');
    mkdirSync(out, { recursive: true });
    writeFileSync(join(out, 'decision.md'), '## Trust gate: demote a to phase 1 (Shadow)\n');
    writeFileSync(join(out, 'blast-radius.md'), '### Blast radius\n');
    writeFileSync(join(out, 'commit-message.txt'), 'chore(trust): demote a to phase 1 (Shadow)\n\n- why\n\nTrust-Phase: 2 -> 1\n');
    const outputs = join(out, 'github-output');
    writeFileSync(outputs, '');
    // WHEN the workflow's step runs in bash, as GitHub Actions runs it
    const s = step('trust-gate.yml', 'pr');
    const r = spawnSync('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', s.run!], {
      env: { PATH: process.env.PATH, OUT: out, GITHUB_OUTPUT: outputs, ACTION: 'demote', TO: '1', PLACES_HOLD: 'false', PHASE_CHANGED: 'true', REPORT_URL: 'https://example.test/artifact/1' },
      encoding: 'utf8',
    });
    expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: '' });
    // THEN the body and labels are the demo's
    expect(readFileSync(join(out, 'pr-body.md'), 'utf8')).toBe(pullRequestBody('## Trust gate: demote a to phase 1 (Shadow)\n', '### Blast radius\n', 'https://example.test/artifact/1'));
    const written = readFileSync(outputs, 'utf8');
    expect(written).toContain(`labels=${pullRequestLabels('demote', 1).join(',')}\n`);
    expect(written).toContain('title=chore(trust): demote a to phase 1 (Shadow)\n');
    expect(written).toContain('commit-message<<TRUST_GATE_EOF\nchore(trust): demote a to phase 1 (Shadow)\n\n- why\n\nTrust-Phase: 2 -> 1\nTRUST_GATE_EOF\n');
  });

  it('writes a bookkeeping PR (phase unchanged) exactly as the demo does: no blast radius, urgent when it places a hold', () => {
    for (const [placesHold, urgent] of [['true', true], ['false', false]] as const) {
      // GIVEN a decision that keeps phase 1, and no blast radius (the diff step did not run)
      const out = tempDir('gt-workflow-');
      mkdirSync(out, { recursive: true });
      writeFileSync(join(out, 'decision.md'), '## Trust gate: hold a at phase 1 (Shadow)\n');
      writeFileSync(join(out, 'commit-message.txt'), 'chore(trust): hold a at phase 1 (Shadow)\n\n- why\n\nTrust-Phase: 1 -> 1\n');
      const outputs = join(out, 'github-output');
      writeFileSync(outputs, '');
      // WHEN the workflow's step runs
      const r = spawnSync('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', step('trust-gate.yml', 'pr').run!], {
        env: { PATH: process.env.PATH, OUT: out, GITHUB_OUTPUT: outputs, ACTION: 'hold', TO: '1', PLACES_HOLD: placesHold, PHASE_CHANGED: 'false', REPORT_URL: 'https://example.test/artifact/2' },
        encoding: 'utf8',
      });
      expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: '' });
      // THEN
      expect(readFileSync(join(out, 'pr-body.md'), 'utf8')).toBe(pullRequestBody('## Trust gate: hold a at phase 1 (Shadow)\n', undefined, 'https://example.test/artifact/2'));
      const labels = pullRequestLabels('hold', 1, urgent);
      expect(labels.includes('urgent')).toBe(urgent);
      expect(readFileSync(outputs, 'utf8')).toContain(`labels=${labels.join(',')}\n`);
    }
  });

  it('requires the checks that the review workflows run, and a code owner\'s approval', () => {
    const protection = JSON.parse(readFileSync(join(PIPELINE, 'branch-protection.json'), 'utf8')) as {
      required_status_checks: { checks: { context: string }[] };
      required_pull_request_reviews: { required_approving_review_count: number; require_code_owner_reviews: boolean };
    };
    const jobNames = ['trust-approvals.yml', 'trust-review.yml'].flatMap((f) => Object.values(workflow(f).jobs).map((j) => j.name));
    expect(protection.required_status_checks.checks.map((c) => c.context).sort()).toEqual([...jobNames].sort());
    expect(protection.required_pull_request_reviews).toMatchObject({ required_approving_review_count: 1, require_code_owner_reviews: true });
    expect(Object.keys(workflow('trust-approvals.yml').on)).toEqual(['pull_request', 'pull_request_review']);
    expect(readFileSync(join(PIPELINE, '.github/CODEOWNERS'), 'utf8')).toMatch(/^\/examples\/trust\/\s+@/m);
  });

  it('checks approvals against the state file on both sides, not labels', () => {
    const run = steps('trust-approvals.yml').map((s) => s.run ?? '').join('\n');
    expect(run).toContain('git show "origin/$BASE_REF:$STATE_FILE"');
    expect(run).toContain('npx tsx examples/pipeline/required-approvals.ts --head "$STATE_FILE" "${base[@]}" --approvals "$approvals" "${policy[@]}"');
    expect(run).not.toContain('label');
  });

  it('passes the repository policy (TRUST_POLICY, as on the base branch) to the approvals check', () => {
    // GIVEN fake gh, git and npx that record what the step asks
    const dir = tempDir('gt-approvals-step-');
    const bin = join(dir, 'bin');
    mkdirSync(bin, { recursive: true });
    writeFileSync(join(bin, 'gh'), '#!/bin/bash\necho \'[{"state":"APPROVED","author_association":"MEMBER","user":{"login":"a"}}]\'\n', { mode: 0o755 });
    writeFileSync(join(bin, 'git'), '#!/bin/bash\necho "$@" >> "$RUNNER_TEMP/git.log"\necho "{}"\n', { mode: 0o755 });
    writeFileSync(join(bin, 'npx'), '#!/bin/bash\necho "$@" > "$RUNNER_TEMP/npx.args"\n', { mode: 0o755 });
    const wf = workflow('trust-approvals.yml') as Workflow & { env: Record<string, string> };
    expect(wf.env.TRUST_POLICY).toBe('${{ vars.TRUST_POLICY }}');
    const s = steps('trust-approvals.yml').find((x) => x.run?.includes('required-approvals.ts'))!;
    const run = (policy: string) => {
      const r = spawnSync('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', s.run!], {
        env: { PATH: `${bin}:${process.env.PATH}`, RUNNER_TEMP: dir, STATE_FILE: 'trust/a.json', TRUST_POLICY: policy, GITHUB_REPOSITORY: 'o/r', PR: '1', BASE_REF: 'main' },
        encoding: 'utf8',
      });
      expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: '' });
      return readFileSync(join(dir, 'npx.args'), 'utf8').trim();
    };
    // WHEN / THEN
    expect(run('trust/policy.yaml')).toBe(`tsx examples/pipeline/required-approvals.ts --head trust/a.json --base ${dir}/base-state.json --approvals 1 --policy ${dir}/base-policy.yaml`);
    expect(readFileSync(join(dir, 'git.log'), 'utf8')).toContain('show origin/main:trust/policy.yaml');
    expect(run('')).toBe(`tsx examples/pipeline/required-approvals.ts --head trust/a.json --base ${dir}/base-state.json --approvals 1`);
  });

  it('applies the synthesized Terraform JSON on merge and leaves Kubernetes to Argo CD', () => {
    expect(workflow('trust-apply.yml').on).toMatchObject({ push: { branches: ['main'] } });
    const run = steps('trust-apply.yml').map((s) => s.run ?? '').join('\n');
    expect(run).toContain('npx cdktf synth');
    expect(run).toContain('terraform -chdir="$STACK_DIR" apply -input=false tfplan');
    const app = parse(readFileSync(join(PIPELINE, 'argocd/application.yaml'), 'utf8')) as { kind: string; spec: { source: { path: string }; syncPolicy: { automated: Record<string, boolean> } } };
    expect(app.kind).toBe('Application');
    expect(app.spec.source.path).toBe('dist');
    expect(app.spec.syncPolicy.automated).toEqual({ prune: true, selfHeal: true });
  });
});
