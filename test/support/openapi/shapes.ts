/**
 * The property structure of the Kubernetes OpenAPI definitions, read from the TypeScript declarations
 * that kubernetes-models and @kubernetes-models/cilium generate from them (e.g.
 * `kubernetes-models/v1/Container.d.ts` declares `IContainer` and aliases it as
 * `IIoK8sApiCoreV1Container`, the definition `io.k8s.api.core.v1.Container`). The packages ship the
 * schemas only as ajv-compiled validators, so these declarations are the one readable form of the
 * property lists.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The shape of a value as the declarations describe it. */
export type Shape =
  | { readonly t: 'object'; readonly props: ReadonlyMap<string, Shape>; readonly values?: Shape }
  | { readonly t: 'array'; readonly elem: Shape }
  | { readonly t: 'ref'; readonly schema: string }
  | { readonly t: 'any' };

const ROOTS = ['kubernetes-models', '@kubernetes-models/apimachinery', '@kubernetes-models/cilium'];
const NODE_MODULES = join(__dirname, '../../../node_modules');

interface Declaration {
  readonly file: string;
  readonly local: string;
  readonly imports: ReadonlyMap<string, string>;
}

let index: Map<string, Declaration> | undefined;
const byKind = new Map<string, string>();

function* declarationFiles(dir: string): Generator<string> {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) {
      if (entry.name !== '_schemas' && entry.name !== 'node_modules') yield* declarationFiles(join(dir, entry.name));
    } else if (entry.name.endsWith('.d.ts')) {
      yield join(dir, entry.name);
    }
  }
}

/** Every `export type { ILocal as I<Schema> }` alias, by schema name (`IoK8sApiCoreV1Container`). */
function declarations(): Map<string, Declaration> {
  if (index) return index;
  index = new Map();
  for (const root of ROOTS) {
    for (const file of declarationFiles(join(NODE_MODULES, root))) {
      const text = readFileSync(file, 'utf8');
      const alias = /export type \{ (\w+) as I(\w+)/.exec(text);
      if (!alias) continue;
      const imports = new Map<string, string>();
      for (const m of text.matchAll(/import \{ I(\w+) \} from "[^"]+";/g)) imports.set(`I${m[1]}`, m[1]!);
      index.set(alias[2]!, { file, local: alias[1]!, imports });
      const apiVersion = /^\s+"apiVersion": "([^"]+)";$/m.exec(text);
      const kind = /^\s+"kind": "([^"]+)";$/m.exec(text);
      if (apiVersion && kind) byKind.set(`${apiVersion[1]}/${kind[1]}`, alias[2]!);
    }
  }
  return index;
}

/** The schema name of a kind, from the literal apiVersion and kind its declaration pins. */
export function schemaOfKind(apiVersion: string, kind: string): string | undefined {
  declarations();
  return byKind.get(`${apiVersion}/${kind}`);
}

/** `io.k8s.api.core.v1.Container` -> `IoK8sApiCoreV1Container`. */
export function schemaName(definition: string): string {
  return definition
    .split('.')
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');
}

/** The declaration text of `local`: an interface body or a type alias. */
function declarationText(text: string, local: string): string | undefined {
  const iface = new RegExp(`export interface ${local}\\b[^{]*\\{`).exec(text);
  const alias = new RegExp(`export type ${local} = `).exec(text);
  const start = iface ? iface.index + iface[0].length - 1 : alias ? alias.index + alias[0].length : -1;
  if (start < 0) return undefined;
  let depth = 0;
  for (let i = start; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      i = text.indexOf('"', i + 1);
      continue;
    }
    if (c === '{' || c === '(' || c === '<') depth++;
    if (c === '}' || c === ')' || c === '>') depth--;
    if (iface && depth === 0) return text.slice(start, i + 1);
    if (!iface && depth === 0 && c === ';') return text.slice(start, i);
  }
  return undefined;
}

/** A tokenizer and recursive-descent parser for the type expressions the generator emits. */
function parseType(src: string, imports: ReadonlyMap<string, string>): Shape {
  const tokens = src.match(/"(?:[^"\\]|\\.)*"|\[key: string\]|[A-Za-z_$][\w$]*|[{}()<>[\]|&;:?,]/g) ?? [];
  let pos = 0;
  const peek = (): string | undefined => tokens[pos];
  const take = (): string => tokens[pos++] ?? '';

  const merge = (shapes: Shape[]): Shape => {
    const objects = shapes.filter((s): s is Extract<Shape, { t: 'object' }> => s.t === 'object');
    if (objects.length === shapes.length && objects.length > 0) {
      const props = new Map<string, Shape>();
      for (const o of objects) for (const [k, v] of o.props) if (!props.has(k)) props.set(k, v);
      const values = objects.find((o) => o.values)?.values;
      return values ? { t: 'object', props, values } : { t: 'object', props };
    }
    return shapes.length === 1 ? shapes[0]! : { t: 'any' };
  };
  const union = (): Shape => {
    const parts = [intersection()];
    while (peek() === '|') {
      take();
      parts.push(intersection());
    }
    return merge(parts);
  };
  const intersection = (): Shape => {
    const parts = [primary()];
    while (peek() === '&') {
      take();
      parts.push(primary());
    }
    return merge(parts);
  };
  const primary = (): Shape => {
    const tok = take();
    if (tok === '(') {
      const inner = union();
      take();
      return inner;
    }
    if (tok === '{') return members();
    if (tok === 'Array' && peek() === '<') {
      take();
      const elem = union();
      take();
      return { t: 'array', elem };
    }
    if (peek() === '[') {
      // An indexed access like IDeployment["kind"]: a literal, not an object.
      take();
      take();
      take();
      return { t: 'any' };
    }
    const schema = imports.get(tok);
    return schema ? { t: 'ref', schema } : { t: 'any' };
  };
  const members = (): Shape => {
    const props = new Map<string, Shape>();
    let values: Shape | undefined;
    while (peek() !== undefined && peek() !== '}') {
      const key = take();
      if (key === '[key: string]') {
        take();
        values = union();
      } else {
        if (peek() === '?') take();
        take();
        props.set(JSON.parse(key) as string, union());
      }
      if (peek() === ';') take();
    }
    take();
    return values ? { t: 'object', props, values } : { t: 'object', props };
  };
  return union();
}

const cache = new Map<string, Shape | undefined>();

/** The shape of a schema (`IoK8sApiCoreV1Container`), or undefined when no declaration names it. */
export function shapeOf(schema: string): Shape | undefined {
  if (cache.has(schema)) return cache.get(schema);
  const decl = declarations().get(schema);
  let shape: Shape | undefined;
  if (decl) {
    const text = readFileSync(decl.file, 'utf8').replace(/\/\*[\s\S]*?\*\//g, '');
    const body = declarationText(text, decl.local);
    const imports = new Map(decl.imports);
    imports.set(decl.local, schema);
    shape = body === undefined ? undefined : parseType(body, imports);
    // `interface IX extends A, B` is allOf: the members of A and B belong to X too.
    const parents = new RegExp(`export interface ${decl.local} extends ([^{]+)\\{`).exec(text)?.[1];
    if (shape && shape.t === 'object' && parents) {
      const props = new Map(shape.props);
      let values = shape.values;
      for (const parent of parents.split(',').map((p) => p.trim())) {
        if (parent === 'TypeMeta') {
          for (const k of ['apiVersion', 'kind']) if (!props.has(k)) props.set(k, { t: 'any' });
          continue;
        }
        const parentSchema = imports.get(parent);
        const inherited = parentSchema === undefined ? undefined : resolve({ t: 'ref', schema: parentSchema });
        if (inherited?.t !== 'object') continue;
        for (const [k, v] of inherited.props) if (!props.has(k)) props.set(k, v);
        values ??= inherited.values;
      }
      shape = values ? { t: 'object', props, values } : { t: 'object', props };
    }
  }
  cache.set(schema, shape);
  return shape;
}

/** Follows references until a structural shape. */
export function resolve(shape: Shape): Shape {
  let s = shape;
  for (let i = 0; i < 32 && s.t === 'ref'; i++) s = shapeOf(s.schema) ?? { t: 'any' };
  return s;
}
