/**
 * The first five minutes, as the README says them: the library is built and packed, the tarball
 * unpacked into an empty repo's node_modules (as `npm install ./graduated-trust-*.tgz` does; its
 * dependencies are linked from this repo's node_modules, so the test needs no registry), and the
 * README's quick start runs verbatim. The blocks are the fenced blocks that follow a
 * `<!-- quick-start -->` comment in README.md (a `// FILE: …` first line names the file to write;
 * `sh` blocks run line by line), and the one after `<!-- quick-start:terraform -->` is the cdktf
 * snippet, a whole program (`// FILE.ts:` first), run with the quick-start definition. `QUICK_START_README` reads another README (to try
 * a change of the README before committing it).
 */
import { execFileSync, execSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../support/cli';

const ROOT = join(__dirname, '..', '..');
const README = readFileSync(process.env['QUICK_START_README'] ?? join(ROOT, 'README.md'), 'utf8');
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string>; peerDependencies: Record<string, string> };

interface Block {
  readonly lang: string;
  readonly body: string;
}

/** The fenced blocks that follow `<!-- MARKER -->`, in README order. */
function blocks(marker: string): Block[] {
  return [...README.matchAll(new RegExp(`<!-- ${marker} -->\\n\`\`\`(\\w+)\\n([\\s\\S]*?)\\n\`\`\``, 'g'))].map((m) => ({ lang: m[1]!, body: `${m[2]!}\n` }));
}

let tarball = '';
let packed: string[] = [];

beforeAll(() => {
  execSync('npm run build', { cwd: ROOT, stdio: 'pipe' });
  const out = tempDir('gt-pack-');
  const name = execFileSync('npm', ['pack', '--pack-destination', out, '--silent'], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, npm_config_ignore_scripts: 'true' } }).trim().split('\n').pop()!;
  tarball = join(out, name);
  packed = execFileSync('tar', ['tzf', tarball], { encoding: 'utf8' }).split('\n').filter(Boolean).map((f) => f.replace(/^package\//, ''));
}, 240_000);

/** An empty repo with the tarball installed: package unpacked, dependencies and bins linked. */
function emptyRepo(): string {
  const repo = tempDir('gt-quick-start-');
  writeFileSync(join(repo, 'package.json'), '{ "name": "my-agents", "private": true }\n');
  const modules = join(repo, 'node_modules');
  mkdirSync(join(modules, '.bin'), { recursive: true });
  execFileSync('tar', ['xzf', tarball, '-C', modules]);
  execFileSync('mv', [join(modules, 'package'), join(modules, 'graduated-trust')]);
  const linked = [...Object.keys(pkg.dependencies), ...Object.keys(pkg.peerDependencies), 'tsx', 'cdk8s-cli'];
  for (const dep of linked) {
    const scope = dep.includes('/') ? dep.split('/')[0]! : undefined;
    if (scope) mkdirSync(join(modules, scope), { recursive: true });
    if (!existsSync(join(modules, dep))) symlinkSync(join(ROOT, 'node_modules', dep), join(modules, dep));
  }
  // Transitive dependencies resolve from this repo's node_modules, as a hoisted install would.
  for (const entry of readdirSync(join(ROOT, 'node_modules'))) {
    if (!entry.startsWith('.') && !existsSync(join(modules, entry))) symlinkSync(join(ROOT, 'node_modules', entry), join(modules, entry));
  }
  symlinkSync(join(modules, 'graduated-trust', 'bin', 'trust-gate.js'), join(modules, '.bin', 'trust-gate'));
  for (const bin of ['cdk8s', 'tsx', 'cdktf']) symlinkSync(join(ROOT, 'node_modules', '.bin', bin), join(modules, '.bin', bin));
  return repo;
}

function run(repo: string, command: string): { code: number; output: string } {
  try {
    const output = execSync(command, {
      cwd: repo, encoding: 'utf8', stdio: 'pipe', timeout: 180_000,
      env: { ...process.env, PATH: `${join(repo, 'node_modules', '.bin')}:${process.env['PATH']}`, CHECKPOINT_DISABLE: '1', CI: 'true' },
    });
    return { code: 0, output };
  } catch (e) {
    const err = e as { status?: number; stdout?: string; stderr?: string };
    return { code: err.status ?? 1, output: `${err.stdout ?? ''}${err.stderr ?? ''}` };
  }
}

/** Writes the quick start's files and runs its commands; returns the output of every command. */
function quickStart(repo: string): string {
  let log = '';
  for (const b of blocks('quick-start')) {
    if (b.lang === 'ts') {
      const head = /^\/\/ ([\w./-]+\.ts):/.exec(b.body);
      expect(head, `a quick-start ts block starts with "// FILE.ts:"\n${b.body}`).not.toBeNull();
      writeFileSync(join(repo, head![1]!), b.body);
      const cdk8sApp = /\(cdk8s\.yaml: (.+)\)/.exec(b.body);
      if (cdk8sApp) writeFileSync(join(repo, 'cdk8s.yaml'), `${cdk8sApp[1]}\n`);
      continue;
    }
    for (const line of b.body.split('\n').map((l) => l.replace(/\s+#.*$/, '').trim()).filter(Boolean)) {
      const r = run(repo, line);
      log += `$ ${line}\n${r.output}`;
      expect(r.code, `README quick start: "${line}" exited ${r.code}\n${r.output}`).toBe(0);
    }
  }
  return log;
}

describe('the README quick start in an empty repo, against the packed library', () => {
  it('finds the quick-start blocks in the README', () => {
    expect(blocks('quick-start').map((b) => b.lang)).toEqual(['ts', 'ts', 'sh']);
    expect(blocks('quick-start:terraform').map((b) => b.lang)).toEqual(['ts']);
  });

  it('packs every document the README links to', () => {
    const links = [...README.matchAll(/\]\(([^)#\s]+)\)/g)].map((m) => m[1]!).filter((l) => !/^[a-z]+:/.test(l));
    const docs = links.filter((l) => l.startsWith('docs/') || l.endsWith('.md'));
    expect(docs.length).toBeGreaterThan(5);
    expect(docs.filter((l) => !packed.includes(l))).toEqual([]);
  });

  it('runs verbatim: set-phase, cdk8s synth, and the guard passes with no warning', () => {
    const repo = emptyRepo();
    const log = quickStart(repo);
    const manifests = readdirSync(join(repo, 'dist')).filter((f) => f.endsWith('.k8s.yaml'));
    expect(manifests.length).toBe(1);
    expect(readFileSync(join(repo, 'dist', manifests[0]!), 'utf8')).toContain('kind: ServiceAccount');
    expect(log).not.toMatch(/\[(warning|error)\] GT-/);
    const access = run(repo, 'npx trust-gate access dist --agent ops-agents/incident-responder');
    expect(access.code).toBe(0);
    expect(access.output).toContain('ops-agents/incident-responder: phase 1 (Shadow)');
  }, 300_000);

  it('runs the README\'s cdktf snippet with the quick-start definition unchanged', () => {
    const repo = emptyRepo();
    quickStart(repo);
    const snippet = blocks('quick-start:terraform')[0]!.body;
    const file = /^\/\/ ([\w./-]+\.ts):/.exec(snippet)?.[1];
    expect(file, `the cdktf snippet is a whole program starting with "// FILE.ts:"\n${snippet}`).toBeDefined();
    writeFileSync(join(repo, file!), snippet);
    const synth = run(repo, `npx tsx ${file}`);
    expect(synth.code, synth.output).toBe(0);
    expect(synth.output).not.toMatch(/\[(warning|error)\] GT-/);
    expect(existsSync(join(repo, 'cdktf.out', 'stacks', 'incident-responder', 'cdk.tf.json'))).toBe(true);
    const access = run(repo, 'npx trust-gate access cdktf.out --agent ops-agents/incident-responder');
    expect(access.code, access.output).toBe(0);
    expect(access.output).not.toContain('policies none');
  }, 300_000);
});
