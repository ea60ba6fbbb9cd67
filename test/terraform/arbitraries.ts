/**
 * fast-check arbitraries for agent definitions with Vault and AWS rules, valid by construction
 * (a property checks that), with small alphabets so rules overlap often.
 */
import fc from 'fast-check';
import type { AgentDefinition, AwsAccess, TierCapabilities, VaultAccess } from '../../src/definition/types';
import type { Tier, VaultCapability } from '../../src/phase/table';
import { validateDefinition } from '../../src/definition/validate';
import { vaultPathPattern } from '../../src/vault/match';
import { overlap, patternRegion } from '../../src/vault/regions';

const ACCOUNT = '111122223333';
/** ECS service ARNs the AWS rules use. */
export const SERVICE_NAMES = ['checkout', 'cart', 'carts'] as const;
export const serviceArn = (name: string) => `arn:aws:ecs:eu-west-1:${ACCOUNT}:service/shop/${name}`;
/** Read actions the read tiers use. */
export const READ_ACTIONS = ['ecs:DescribeServices', 'ecs:ListServices', 'cloudwatch:GetMetricData', 'cloudwatch:ListMetrics', 'logs:FilterLogEvents'] as const;
/** Write actions the write tiers use. */
export const WRITE_ACTIONS = ['ecs:UpdateService', 'ecs:DeleteService'] as const;

const WRITE_CAPS: readonly VaultCapability[] = ['read', 'list', 'create', 'update', 'patch', 'delete'];
const literal = fc.constantFrom('data', 'metadata', 'shop', 'a');
const segment = fc.oneof({ weight: 3, arbitrary: literal }, { weight: 1, arbitrary: fc.constant('+') });
const glob = fc.constantFrom('', '', '/*', '*');

function withGlob(parts: string[], g: string): string {
  const path = parts.join('/');
  if (g === '*' && parts[parts.length - 1] === '+') return path; // '+*' is not a Vault path
  return path + g;
}

const readPath = fc
  .tuple(fc.constantFrom('secret', 'kv', 'sys'), fc.array(segment, { minLength: 1, maxLength: 3 }), glob)
  .map(([mount, parts, g]) => withGlob([mount, ...parts], g));
const exactPath = fc.tuple(fc.constantFrom('secret', 'kv'), fc.array(literal, { minLength: 1, maxLength: 3 })).map(([mount, parts]) => [mount, ...parts].join('/'));
const namespacedPath = fc
  .tuple(fc.constantFrom('secret', 'kv'), fc.constantFrom([], ['data'], ['metadata']), fc.constantFrom('shop', 'a'), fc.array(segment, { maxLength: 2 }), glob)
  // Writes keep two literal segments before any glob, KV v2's data/ or metadata/ not counted:
  // "secret/data/shop*" is refused, "secret/data/shop/*" is not.
  .map(([mount, kv, first, rest, g]) => withGlob([mount, ...kv, first, ...rest], g === '*' && rest.length === 0 ? '/*' : g));

const caps = (allowed: readonly VaultCapability[]) => fc.subarray([...allowed], { minLength: 1 });
const vaultRule = (path: fc.Arbitrary<string>, allowed: readonly VaultCapability[]): fc.Arbitrary<VaultAccess> => fc.record({ path, capabilities: caps(allowed) });

const readAws: fc.Arbitrary<AwsAccess> = fc.record({
  actions: fc.subarray([...READ_ACTIONS, 'ecs:Describe*'], { minLength: 1 }),
  resources: fc.subarray(['*', ...SERVICE_NAMES.map(serviceArn)], { minLength: 1 }),
});
const namedAws: fc.Arbitrary<AwsAccess> = fc.record({
  actions: fc.subarray([...WRITE_ACTIONS], { minLength: 1 }),
  resources: fc.subarray(SERVICE_NAMES.map(serviceArn), { minLength: 1 }),
});
const namespacedAws: fc.Arbitrary<AwsAccess> = fc.record({
  actions: fc.subarray([...WRITE_ACTIONS, ...READ_ACTIONS], { minLength: 1 }),
  resources: fc.subarray([...SERVICE_NAMES.map(serviceArn), serviceArn('*'), serviceArn('c*')], { minLength: 1 }),
});

function tier(vault: fc.Arbitrary<VaultAccess>, aws: fc.Arbitrary<AwsAccess>, min: number): fc.Arbitrary<TierCapabilities> {
  return fc.record({ vault: fc.array(vault, { minLength: min, maxLength: 3 }), aws: fc.array(aws, { minLength: min, maxLength: 2 }) });
}

const DANGER_FIELD = /^(observe|recommend|remediate|autonomous)\.(vault|aws)\[(\d+)\]$/;

/**
 * The definition with a `dangerous` reason on every rule validation refuses as dangerous
 * (a whole-mount Vault read, an IAM write that runs code, a secret-bearing read): the
 * properties are about rendering, and a reviewer who acknowledged the rule gets it rendered.
 */
function acknowledged(def: AgentDefinition): AgentDefinition {
  const copy = structuredClone(def) as unknown as Record<string, Record<string, Array<Record<string, unknown>>>>;
  for (const problem of validateDefinition(def)) {
    const m = problem.code === 'GT_DANGEROUS_ACCESS' ? DANGER_FIELD.exec(problem.field) : null;
    if (m) copy[m[1]!]![m[2]!]![Number(m[3])]!.dangerous = { reason: 'granted on purpose by the property test' };
  }
  return copy as unknown as AgentDefinition;
}

/** A valid definition with Vault and AWS rules in every tier (observe has at least one of each). */
export function definitionWithCloudAccess(): fc.Arbitrary<AgentDefinition> {
  return fc.record({
    observe: tier(vaultRule(readPath, ['read', 'list']), readAws, 1),
    recommend: tier(vaultRule(readPath, ['read', 'list']), readAws, 0),
    remediate: tier(vaultRule(exactPath, WRITE_CAPS), namedAws, 0),
    autonomous: tier(vaultRule(namespacedPath, WRITE_CAPS), namespacedAws, 0),
  }).map((tiers) => acknowledged({ name: 'agent', namespace: 'ops', ...tiers }));
}

/** Every Vault path a definition declares, in any tier. */
export function declaredVaultPaths(def: AgentDefinition): string[] {
  return (['observe', 'recommend', 'remediate', 'autonomous'] as Tier[]).flatMap((t) => (def[t]?.vault ?? []).map((r) => r.path));
}

/**
 * Request paths worth asking about: each pattern instantiated (`+` and `*` filled in several
 * ways, with and without a trailing `/`), and the shortest path shared by each overlapping pair.
 */
export function witnessPaths(patterns: readonly string[]): string[] {
  const out = new Set<string>();
  for (const p of patterns) {
    const stem = p.endsWith('*') ? p.slice(0, -1) : p;
    for (const fill of ['shop', 'zz']) {
      const filled = stem.split('/').map((s) => (s === '+' ? fill : s)).join('/');
      const tails = p.endsWith('*') ? ['', 'x', 'x/y', '/', 'a'] : [''];
      for (const tail of tails) {
        out.add(filled + tail);
        out.add(filled + tail + '/');
      }
    }
  }
  for (const a of patterns) {
    for (const b of patterns) {
      const at = overlap(patternRegion(vaultPathPattern(a)), patternRegion(vaultPathPattern(b)));
      if (at !== undefined) out.add(at);
    }
  }
  return [...out].sort();
}
