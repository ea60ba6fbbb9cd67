/**
 * CEL builders for the admission policies: literals, and "the object equals its previous
 * version except where an action may change it".
 *
 * The comparison walks a ChangeTree. Every node is read as a map through `dyn()`: at run time
 * the API server represents typed objects and maps alike as `unstructuredMap`, which iterates,
 * answers `in` and is indexed by key (k8s.io/apiserver/pkg/cel/common/values.go), so one
 * expression covers every field of the object, including fields added by later Kubernetes
 * versions, without listing the schema. Only standard CEL is used (no Kubernetes extension
 * library), so the expressions run unchanged in the CEL engine the tests use.
 */
import type { ChangeTree } from '../definition/actions';

/** A CEL string literal. */
export function celString(text: string): string {
  return `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** A CEL list of string literals. */
export function celList(values: readonly string[]): string {
  return `[${values.map(celString).join(', ')}]`;
}

/** `a && b && …`, `true` for none. */
export function all(parts: readonly string[]): string {
  const kept = parts.filter((p) => p !== 'true');
  return kept.length === 0 ? 'true' : kept.length === 1 ? kept[0]! : kept.map((p) => `(${p})`).join(' && ');
}

/** Comprehension variables, one per nesting level, so inner ones never shadow outer ones. */
function variable(depth: number): string {
  return `k${depth}`;
}

function at(expr: string, key: string): string {
  return `dyn(${expr})[${celString(key)}]`;
}

function has(expr: string, key: string): string {
  return `${celString(key)} in dyn(${expr})`;
}

type Children = Readonly<Record<string, ChangeTree>>;

function childrenOf(tree: ChangeTree): Children | undefined {
  return 'keys' in tree ? tree.keys : 'only' in tree ? tree.only : undefined;
}

/** Whether a value that exists on one side only is allowed: it holds nothing but what the tree lets change. */
function onlyAllowed(expr: string, tree: ChangeTree, depth: number): string {
  if ('any' in tree) return 'true';
  if ('byName' in tree) return `size(dyn(${expr})) == 0`;
  const children = childrenOf(tree)!;
  const names = Object.keys(children);
  const k = variable(depth);
  const parts = 'keys' in tree ? [`dyn(${expr}).all(${k}, ${k} in ${celList(names)})`] : [];
  for (const name of names) {
    const inner = onlyAllowed(at(expr, name), children[name]!, depth + 1);
    if (inner !== 'true') parts.push(`!(${has(expr, name)}) || (${inner})`);
  }
  return all(parts);
}

/** The comparison of one child that may be present on either side. */
function child(o: string, p: string, name: string, tree: ChangeTree, depth: number): string {
  if ('any' in tree) return 'true';
  const both = `${has(o, name)} && ${has(p, name)}`;
  const same = equalExcept(at(o, name), at(p, name), tree, depth + 1);
  const onlyO = onlyAllowed(at(o, name), tree, depth + 1);
  const onlyP = onlyAllowed(at(p, name), tree, depth + 1);
  return `(${both}) ? (${same}) : ${has(o, name)} ? (${onlyO}) : ${has(p, name)} ? (${onlyP}) : true`;
}

/**
 * A CEL expression that holds when `o` (the new object) equals `p` (the previous one) except
 * where `tree` allows changes.
 * @param depth nesting level, for unique comprehension variables
 */
export function equalExcept(o: string, p: string, tree: ChangeTree, depth = 0): string {
  if ('any' in tree) return 'true';
  if ('byName' in tree) {
    const x = variable(depth);
    const y = variable(depth + 1);
    const { names, element } = tree.byName;
    const elementSame = equalExcept(x, y, element, depth + 2);
    return all([
      `dyn(${o}).map(${x}, ${x}.name) == dyn(${p}).map(${x}, ${x}.name)`,
      `dyn(${o}).all(${x}, dyn(${p}).exists(${y}, ${y}.name == ${x}.name && (${x}.name in ${celList(names)} ? (${elementSame}) : ${x} == ${y})))`,
    ]);
  }
  const children = childrenOf(tree)!;
  const names = Object.keys(children);
  const parts: string[] = [];
  if ('keys' in tree) {
    if (names.length === 0) return `${o} == ${p}`;
    const k = variable(depth);
    const listed = celList(names);
    parts.push(
      `dyn(${o}).all(${k}, ${k} in ${listed} || (${k} in dyn(${p}) && dyn(${o})[${k}] == dyn(${p})[${k}]))`,
      `dyn(${p}).all(${k}, ${k} in ${listed} || ${k} in dyn(${o}))`,
    );
  }
  for (const name of names) parts.push(child(o, p, name, children[name]!, depth));
  return all(parts);
}

/** The object carries every label of `labels` (absent labels map included). */
export function hasLabels(expr: string, labels: Readonly<Record<string, string>>): string {
  const entries = Object.entries(labels);
  if (entries.length === 0) return 'true';
  return all([
    `has(${expr}.metadata.labels)`,
    ...entries.map(([k, v]) => `${celString(k)} in ${expr}.metadata.labels && ${expr}.metadata.labels[${celString(k)}] == ${celString(v)}`),
  ]);
}

/** An RE2 pattern matching the string literally. */
export function reLiteral(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
