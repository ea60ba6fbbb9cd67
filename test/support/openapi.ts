/**
 * Validates plain manifests against the Kubernetes OpenAPI schemas, for tests of synthesized output.
 *
 * The schemas come from kubernetes-models 5.x (built-in kinds, generated from the Kubernetes 1.34
 * OpenAPI: it has Container.restartPolicyRules and PodSpec.hostnameOverride) and
 * @kubernetes-models/cilium 4.x (CiliumNetworkPolicy, CiliumClusterwideNetworkPolicy and the other
 * Cilium CRDs). Each model class carries an ajv-compiled validator of its definition, run through
 * `new Model(data).validate()`; the packages expose no JSON schema, so the property lists used for
 * unknown fields and propertiesOf come from the declarations generated with them (./openapi/shapes.ts).
 *
 * An unknown apiVersion/kind is an error, never a pass.
 */
import * as cilium from '@kubernetes-models/cilium';
import * as k8s from 'kubernetes-models';
import { resolve, schemaName, schemaOfKind, shapeOf, type Shape } from './openapi/shapes';

/** A plain manifest. */
export type Manifest = { readonly apiVersion?: unknown; readonly kind?: unknown; readonly [key: string]: unknown };

interface ModelClass {
  readonly apiVersion: string;
  readonly kind: string;
  new (data?: unknown): { validate(): void };
}

interface AjvError {
  readonly instancePath: string;
  readonly keyword: string;
  readonly params: Record<string, unknown>;
  readonly message?: string;
}

let models: Map<string, ModelClass> | undefined;

/** Every model class with a static apiVersion and kind, by `apiVersion/kind`. */
function registry(): Map<string, ModelClass> {
  if (models) return models;
  models = new Map();
  const seen = new Set<unknown>();
  const walk = (ns: unknown, depth: number): void => {
    if (depth > 6 || ns === null || typeof ns !== 'object' || seen.has(ns)) return;
    seen.add(ns);
    for (const value of Object.values(ns as Record<string, unknown>)) {
      const cls = value as Partial<ModelClass>;
      if (typeof value === 'function' && typeof cls.apiVersion === 'string' && typeof cls.kind === 'string') {
        models!.set(`${cls.apiVersion}/${cls.kind}`, value as ModelClass);
      } else {
        walk(value, depth + 1);
      }
    }
  };
  walk(k8s, 0);
  walk(cilium, 0);
  return models;
}

/** `/spec/template/spec/containers/0/image` -> `spec.template.spec.containers[0].image`. */
function fieldPath(pointer: string): string {
  return pointer
    .split('/')
    .slice(1)
    .map((seg) => seg.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce((path, seg) => (/^\d+$/.test(seg) ? `${path}[${seg}]` : path === '' ? seg : `${path}.${seg}`), '');
}

function describe(err: AjvError): string {
  const at = fieldPath(err.instancePath) || '(root)';
  switch (err.keyword) {
    case 'required':
      return `${at}: missing required field "${String(err.params['missingProperty'])}"`;
    case 'enum':
      return `${at}: must be one of ${JSON.stringify(err.params['allowedValues'])}`;
    case 'type':
      return `${at}: must be ${String(err.params['type'])}`;
    default:
      return `${at}: ${err.message ?? err.keyword}`;
  }
}

/** The root shape of a kind, from its model's declaration. */
function rootShape(apiVersion: string, kind: string): Shape | undefined {
  const schema = schemaOfKind(apiVersion, kind);
  return schema === undefined ? undefined : shapeOf(schema);
}

/** Fields of `value` the schema does not declare, as field paths. */
function unknownFields(value: unknown, shape: Shape, path: string, out: string[]): void {
  const s = resolve(shape);
  if (value === null || typeof value !== 'object') return;
  if (Array.isArray(value)) {
    if (s.t === 'array') value.forEach((item, i) => unknownFields(item, s.elem, `${path}[${i}]`, out));
    return;
  }
  if (s.t !== 'object') return;
  for (const [key, member] of Object.entries(value as Record<string, unknown>)) {
    const child = path === '' ? key : `${path}.${key}`;
    const prop = s.props.get(key) ?? s.values;
    if (prop === undefined) out.push(`${child}: unknown field (not declared in the schema)`);
    else unknownFields(member, prop, child, out);
  }
}

/** Options of validateManifest. */
export interface ValidateOptions {
  /**
   * `Strict` reports fields the schema does not declare, as the API server does with
   * fieldValidation=Strict (kubectl's default); `Ignore` lets them through, as the schema does.
   * @default 'Strict'
   */
  readonly unknownFields?: 'Strict' | 'Ignore';
}

/**
 * Validates a manifest against the OpenAPI schema of its apiVersion and kind.
 * Returns readable errors, each prefixed with `Kind name:` and naming the field path; an empty list
 * when the manifest is valid. An apiVersion/kind the packages do not know is an error.
 *
 * @example
 * expect(validateManifest(deployment)).toEqual([]);
 * expect(validateManifest({ ...deployment, spec: { replicas: 'two' } })).toContain('Deployment web: spec.replicas: must be integer');
 */
export function validateManifest(manifest: Manifest, options: ValidateOptions = {}): string[] {
  const kind = typeof manifest.kind === 'string' ? manifest.kind : '';
  const apiVersion = typeof manifest.apiVersion === 'string' ? manifest.apiVersion : '';
  const metadata = (manifest['metadata'] ?? {}) as { name?: unknown; namespace?: unknown };
  const label = `${kind || '(no kind)'} ${typeof metadata.name === 'string' ? metadata.name : '(no name)'}`;
  if (kind === '' || apiVersion === '') return [`${label}: apiVersion and kind are required`];
  const cls = registry().get(`${apiVersion}/${kind}`);
  if (!cls) return [`${label}: unknown apiVersion/kind ${apiVersion}/${kind}: no schema in kubernetes-models or @kubernetes-models/cilium`];
  const errors: string[] = [];
  try {
    new cls(manifest).validate();
  } catch (err) {
    const ajv = (err as { errors?: AjvError[] }).errors;
    if (!Array.isArray(ajv)) throw err;
    errors.push(...ajv.map(describe));
  }
  if ((options.unknownFields ?? 'Strict') === 'Strict') {
    const shape = rootShape(apiVersion, kind);
    if (shape) unknownFields(manifest, shape, '', errors);
  }
  return [...new Set(errors)].map((e) => `${label}: ${e}`);
}

/**
 * Throws one error listing every problem of every manifest.
 *
 * @example
 * assertValidManifests(chart.toJson());
 */
export function assertValidManifests(manifests: readonly Manifest[], options: ValidateOptions = {}): void {
  const errors = manifests.flatMap((m) => validateManifest(m, options));
  if (errors.length > 0) throw new Error(`${errors.length} schema error(s):\n${errors.join('\n')}`);
}

/** Whether the packages have a schema for `apiVersion/kind`. */
export function isKnownKind(apiVersion: string, kind: string): boolean {
  return registry().has(`${apiVersion}/${kind}`);
}

function propertyNames(shape: Shape | undefined, what: string): string[] {
  const s = shape && resolve(shape);
  if (!s || s.t !== 'object') throw new Error(`${what} is not an object in the OpenAPI schema`);
  return [...s.props.keys()].sort();
}

/**
 * The property names of an OpenAPI definition, sorted.
 *
 * @example
 * expect(propertiesOf('io.k8s.api.core.v1.Container')).toContain('securityContext');
 */
export function propertiesOf(definition: string): string[] {
  return propertyNames(shapeOf(schemaName(definition)), `definition ${definition}`);
}

/**
 * The property names at a path inside a kind: dot-separated fields, `[]` to step into list items,
 * `*` for map values; '' for the top level.
 *
 * @example
 * expect(propertiesAt('apps/v1', 'Deployment', 'spec.template.spec.containers[]')).toContain('image');
 */
export function propertiesAt(apiVersion: string, kind: string, path = ''): string[] {
  let shape = rootShape(apiVersion, kind);
  if (!shape) throw new Error(`unknown apiVersion/kind ${apiVersion}/${kind}`);
  for (const seg of path === '' ? [] : path.split('.')) {
    const field = seg.endsWith('[]') ? seg.slice(0, -2) : seg;
    const s = resolve(shape!);
    const next: Shape | undefined = s.t !== 'object' ? undefined : field === '*' ? s.values : s.props.get(field);
    if (!next) throw new Error(`${apiVersion}/${kind} has no field '${field}' at '${path}'`);
    shape = next;
    if (seg.endsWith('[]')) {
      const list = resolve(shape);
      if (list.t !== 'array') throw new Error(`'${field}' in ${apiVersion}/${kind} is not a list`);
      shape = list.elem;
    }
  }
  return propertyNames(shape, `${apiVersion}/${kind} '${path}'`);
}
