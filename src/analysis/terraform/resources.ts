/**
 * Lookup of cdktf resources across the synthesized stacks, with resolution of the
 * `${type.name.attribute}` references cdktf writes for construct attributes.
 */
import type { TerraformResource, TerraformStack } from '../read';

const REFERENCE = /^\$\{([a-z][a-z0-9_]*)\.([A-Za-z0-9_-]+)\.([a-z_]+)\}$/;

/** A parsed reference `${type.name.attribute}`. */
export interface TerraformReference {
  readonly type: string;
  readonly name: string;
  readonly attribute: string;
}

/** Parses `${aws_iam_policy.boundary.arn}`; undefined for anything else (a literal). */
export function parseReference(value: unknown): TerraformReference | undefined {
  if (typeof value !== 'string') return undefined;
  const m = REFERENCE.exec(value);
  return m ? { type: m[1]!, name: m[2]!, attribute: m[3]! } : undefined;
}

/** The resources of every stack, indexed by stack and address; references resolve within a stack. */
export class TerraformIndex {
  private readonly byStack = new Map<string, Map<string, TerraformResource>>();
  private readonly byType = new Map<string, ReadonlyArray<{ readonly stack: string; readonly resource: TerraformResource }>>();

  constructor(readonly stacks: readonly TerraformStack[]) {
    for (const s of stacks) this.byStack.set(s.stack, new Map(s.resources.map((r) => [r.address, r])));
  }

  /** Every resource of `type`, in stack then address order, with its stack. */
  ofType(type: string): ReadonlyArray<{ readonly stack: string; readonly resource: TerraformResource }> {
    let found = this.byType.get(type);
    if (!found) {
      found = this.stacks.flatMap((s) => s.resources.filter((r) => r.type === type).map((resource) => ({ stack: s.stack, resource })));
      this.byType.set(type, found);
    }
    return found;
  }

  /** The resource a reference points at, in `stack`. */
  target(stack: string, ref: TerraformReference): TerraformResource | undefined {
    return this.byStack.get(stack)?.get(`${ref.type}.${ref.name}`);
  }

  /**
   * A value with one level of reference resolved: `${vault_policy.p.name}` becomes the `name`
   * attribute of that resource when it is a literal; `arn`/`id` of IAM objects stay unresolved
   * (they are known only after apply) and are returned as the reference.
   */
  literal(stack: string, value: unknown): unknown {
    const ref = parseReference(value);
    if (!ref) return value;
    const target = this.target(stack, ref);
    const v = target?.config[ref.attribute];
    return v === undefined || parseReference(v) ? value : v;
  }

  /** Whether `value` (a literal name or a reference) designates `resource`. */
  designates(stack: string, value: unknown, resource: TerraformResource, nameAttribute: string): boolean {
    const ref = parseReference(value);
    if (ref) return ref.type === resource.type && ref.name === resource.name;
    return value !== undefined && value === resource.config[nameAttribute];
  }
}

/** A string list attribute (missing → empty). */
export function stringList(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

/** A number attribute, accepting numeric strings; null when absent. */
export function numberOrNull(value: unknown): number | null {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && /^\d+$/.test(value)) return Number(value);
  return null;
}
