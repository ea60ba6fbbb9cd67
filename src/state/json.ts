/**
 * What JSON.parse does not say about a text: keys given twice in one object (JSON.parse keeps
 * the last, so `"phase": 1, "phase": 4` reads as phase 4 while a reviewer sees phase 1), and
 * nesting deeper than any file this library writes. A linear scan with an explicit stack, run
 * on text that JSON.parse accepted.
 */

/** A problem found in the structure of a JSON text. */
export type StructureProblem =
  | { readonly kind: 'duplicate'; readonly path: readonly (string | number)[]; readonly offset: number; readonly firstOffset: number }
  | { readonly kind: 'depth'; readonly offset: number };

interface Frame {
  /** Keys seen in an object and where, or undefined for an array. */
  readonly keys: Map<string, number> | undefined;
  readonly path: readonly (string | number)[];
  expectKey: boolean;
  key: string | undefined;
  index: number;
}

/** The end of the string token starting at `start` (the index of its closing quote). */
function stringEnd(text: string, start: number): number {
  for (let i = start + 1; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 92) i++;
    else if (c === 34) return i;
  }
  return text.length;
}

/**
 * The first duplicate key, or nesting deeper than `maxDepth`, in a JSON text that JSON.parse
 * accepted; undefined when there is none.
 */
export function structureProblem(text: string, maxDepth: number): StructureProblem | undefined {
  const stack: Frame[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const top = stack[stack.length - 1];
    if (c === 34) {
      const end = stringEnd(text, i);
      if (top?.keys && top.expectKey) {
        const key = JSON.parse(text.slice(i, end + 1)) as string;
        const first = top.keys.get(key);
        if (first !== undefined) return { kind: 'duplicate', path: [...top.path, key], offset: i, firstOffset: first };
        top.keys.set(key, i);
        top.key = key;
        top.expectKey = false;
      }
      i = end;
    } else if (c === 123 || c === 91) {
      if (stack.length >= maxDepth) return { kind: 'depth', offset: i };
      const path = top ? [...top.path, top.keys ? top.key! : top.index] : [];
      stack.push({ keys: c === 123 ? new Map() : undefined, path, expectKey: c === 123, key: undefined, index: 0 });
    } else if (c === 125 || c === 93) {
      stack.pop();
    } else if (c === 44 && top) {
      if (top.keys) top.expectKey = true;
      else top.index++;
    }
  }
  return undefined;
}
