/**
 * Readers for synthesized output: cdk8s YAML (`dist/*.k8s.yaml`, multi-document) and cdktf
 * stacks (`cdktf.out/stacks/<stack>/cdk.tf.json`), or a folder holding both.
 *
 * Files are read one at a time in a fixed order (sorted relative paths), so output never depends
 * on directory listing order, and a caller can stop early with `documents()`. Errors name the
 * file, and the line for YAML.
 */
import { compare } from '../order';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join, relative, sep } from 'node:path';
import { LineCounter, parseAllDocuments } from 'yaml';
import { TrustError } from '../errors';
import type { Manifest } from './k8s/authorizer';

/** One Kubernetes object with where it came from. */
export interface SourcedManifest {
  readonly manifest: Manifest;
  /** Where to point a reader: `FILE:LINE`, or a construct path when taken from an app in memory. */
  readonly where: string;
}

/** A resource of a cdktf stack, with its address and construct path. */
export interface TerraformResource {
  /** `aws_iam_role`. */
  readonly type: string;
  /** The Terraform name (`incident-responder_Role_1A2B3C4D`). */
  readonly name: string;
  /** `aws_iam_role.NAME`. */
  readonly address: string;
  /** Construct path from `//.metadata.path`, or the stack file when the JSON has none. */
  readonly where: string;
  readonly config: Readonly<Record<string, unknown>>;
}

/** One synthesized cdktf stack. */
export interface TerraformStack {
  readonly stack: string;
  readonly file: string;
  readonly resources: readonly TerraformResource[];
}

/** Everything read from a synthesized output folder. */
export interface SynthOutput {
  readonly manifests: readonly SourcedManifest[];
  readonly stacks: readonly TerraformStack[];
}

/** The kinds of file the readers understand. */
type SourceFile = { readonly kind: 'yaml' | 'tfjson'; readonly file: string };

const SKIPPED_DIRS = new Set(['node_modules', '.git', '.terraform']);

/**
 * Files under `path` the readers understand, sorted by relative path: `*.yaml`/`*.yml` and
 * `cdk.tf.json`. A file path is returned as is.
 */
export function sourceFiles(path: string): SourceFile[] {
  const stat = statOrThrow(path);
  if (stat.isFile()) return [classify(path) ?? { kind: 'yaml', file: path }];
  const found: SourceFile[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (!SKIPPED_DIRS.has(entry.name)) walk(full);
      } else {
        const c = classify(full);
        if (c) found.push(c);
      }
    }
  };
  walk(path);
  const key = (f: SourceFile) => relative(path, f.file).split(sep).join('/');
  return found.sort((a, b) => compare(key(a), key(b)));
}

function classify(file: string): SourceFile | undefined {
  const name = basename(file);
  if (name === 'cdk.tf.json') return { kind: 'tfjson', file };
  if (/\.ya?ml$/.test(name)) return { kind: 'yaml', file };
  return undefined;
}

function statOrThrow(path: string) {
  try {
    return statSync(path);
  } catch {
    throw new TrustError('GT_INPUT', `cannot read "${path}"; pass the folder cdk8s or cdktf synthesized into (dist/ or cdktf.out/)`, path);
  }
}

function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    throw new TrustError('GT_INPUT', `cannot read the file (${(e as Error).message})`, file);
  }
}

/**
 * Parses one multi-document YAML text into Kubernetes objects, each located at `FILE:LINE`.
 * Empty documents are skipped; a document that is not a mapping with `kind` is an error.
 */
export function parseManifests(text: string, file: string): SourcedManifest[] {
  const lines = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter: lines });
  if (!Array.isArray(docs)) return [];
  const out: SourcedManifest[] = [];
  for (const doc of docs) {
    const error = doc.errors[0];
    if (error) {
      const line = lines.linePos(error.pos[0]).line;
      throw new TrustError('GT_INPUT', `not valid YAML: ${error.message.split('\n')[0]}; fix the file or re-run synth`, `${file}:${line}`);
    }
    const value = doc.toJS() as unknown;
    if (value === null || value === undefined) continue;
    const line = lines.linePos(doc.contents?.range[0] ?? 0).line;
    if (typeof value !== 'object' || Array.isArray(value) || typeof (value as Manifest).kind !== 'string') {
      throw new TrustError('GT_INPUT', `the document is not a Kubernetes object (a mapping with "kind"); remove it or re-run synth`, `${file}:${line}`);
    }
    out.push({ manifest: value as Manifest, where: `${file}:${line}` });
  }
  return out;
}

/** Parses a `cdk.tf.json` text into its resources, sorted by address. */
export function parseTerraformStack(text: string, file: string, stack = basename(dirname(file))): TerraformStack {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new TrustError('GT_INPUT', `not valid JSON (${(e as Error).message}); re-run cdktf synth`, file);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new TrustError('GT_INPUT', 'is not a Terraform JSON object; re-run cdktf synth', file);
  }
  return { stack, file, resources: terraformResources(json as Record<string, unknown>, file) };
}

/**
 * The resources of a Terraform JSON document (as cdktf writes it or `stack.toTerraform()`
 * returns it), sorted by address; `where` is each resource's `//.metadata.path`.
 */
export function terraformResources(json: Readonly<Record<string, unknown>>, fallbackWhere: string): TerraformResource[] {
  const out: TerraformResource[] = [];
  const byType = (json['resource'] ?? {}) as Record<string, Record<string, Record<string, unknown>>>;
  for (const [type, byName] of Object.entries(byType)) {
    for (const [name, config] of Object.entries(byName ?? {})) {
      const meta = (config['//'] as { metadata?: { path?: string } } | undefined)?.metadata;
      out.push({ type, name, address: `${type}.${name}`, where: meta?.path ?? `${fallbackWhere} (${type}.${name})`, config });
    }
  }
  return out.sort((a, b) => compare(a.address, b.address));
}

/**
 * Yields every document under `path` in order: Kubernetes objects from YAML files and whole
 * stacks from `cdk.tf.json`, one file in memory at a time.
 */
export function* documents(path: string): Generator<{ readonly manifest: SourcedManifest } | { readonly stack: TerraformStack }> {
  for (const f of sourceFiles(path)) {
    const text = readText(f.file);
    if (f.kind === 'tfjson') yield { stack: parseTerraformStack(text, f.file) };
    else for (const manifest of parseManifests(text, f.file)) yield { manifest };
  }
}

/**
 * Reads a synthesized output: a cdk8s `dist/`, a `cdktf.out/`, a folder holding both, or one file.
 * Fails when nothing synthesized is found.
 *
 * @example
 * const out = readSynthOutput('dist');
 */
export function readSynthOutput(path: string): SynthOutput {
  const manifests: SourcedManifest[] = [];
  const stacks: TerraformStack[] = [];
  for (const d of documents(path)) {
    if ('manifest' in d) manifests.push(d.manifest);
    else stacks.push(d.stack);
  }
  if (manifests.length === 0 && stacks.length === 0) {
    throw new TrustError('GT_INPUT', 'holds no synthesized output (no *.k8s.yaml and no stacks/*/cdk.tf.json); run cdk8s synth or cdktf synth first', path);
  }
  return { manifests, stacks };
}

export { compare };
