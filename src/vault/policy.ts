import { TrustError } from '../errors';
import { isHclBody, jsonToHclBody, parseHcl, type HclBody, type HclItem, type HclValue } from './hcl';
import { trimLeadingSlashes } from './match';

/**
 * Vault ACL policies as data: the rules this library renders and the reader that turns policy
 * text (HCL or JSON, as `vault policy write` accepts) back into rules for analysis.
 */

/** Capabilities Vault knows; `deny` overrides everything else on the same path. */
export const VAULT_ALL_CAPABILITIES = ['deny', 'create', 'read', 'update', 'patch', 'delete', 'list', 'sudo', 'subscribe', 'recover'] as const;

/** One capability Vault knows. */
export type VaultAnyCapability = (typeof VAULT_ALL_CAPABILITIES)[number];

/** One approval factor of a Vault Enterprise control group. */
export interface VaultControlGroupFactor {
  /** The factor's name, e.g. `operators`. */
  readonly name: string;
  /** Identity groups whose members may approve. */
  readonly groupNames: readonly string[];
  /** How many approvals the factor needs. */
  readonly approvals: number;
  /**
   * Capabilities that trigger the factor.
   * @default every capability on the path
   */
  readonly controlledCapabilities?: readonly string[];
}

/** A Vault Enterprise control group on a path. */
export interface VaultControlGroup {
  /**
   * How long a request waits for approval, as Vault reads durations (`"4h"`, `"3600s"`).
   * @default Vault's control group max_ttl
   */
  readonly ttl?: string;
  readonly factors: readonly VaultControlGroupFactor[];
}

/** One `path` stanza of a policy. */
export interface VaultPathRule {
  /** The path as written, without a leading `/`. */
  readonly path: string;
  /** Capabilities after mapping the old `policy = "read"` style; `['deny']` when denied. */
  readonly capabilities: readonly string[];
  readonly controlGroup?: VaultControlGroup;
}

const OLD_STYLE: Readonly<Record<string, readonly string[]>> = {
  deny: ['deny'],
  read: ['read', 'list'],
  write: ['create', 'read', 'update', 'delete', 'list'],
  sudo: ['create', 'read', 'update', 'delete', 'list', 'sudo'],
};

const PATH_KEYS = new Set([
  'comment',
  'policy',
  'capabilities',
  'allowed_parameters',
  'denied_parameters',
  'required_parameters',
  'mfa_methods',
  'control_group',
  'min_wrapping_ttl',
  'max_wrapping_ttl',
  'subscribe_event_types',
]);

function fail(message: string, line: number): never {
  throw new TrustError('GT_POLICY_INVALID', `${message}; Vault would reject this policy`, `line ${line}`);
}

function stringList(value: HclValue, what: string, line: number): string[] {
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) fail(`${what} must be a list of strings`, line);
  return value as string[];
}

/** Items of a body whose first key is `key`, flattened so `key "label" {…}` and `key = {"label" = {…}}` read alike. */
function labelled(body: HclBody, key: string): Array<{ label: string; body: HclBody; line: number }> {
  const out: Array<{ label: string; body: HclBody; line: number }> = [];
  const add = (item: HclItem, value: HclValue) => {
    if (item.keys.length === 2 && isHclBody(value)) out.push({ label: item.keys[1]!, body: value, line: item.line });
    else if (item.keys.length === 1 && isHclBody(value)) {
      for (const inner of value.items) {
        if (inner.keys.length !== 1 || !isHclBody(inner.value)) fail(`"${key}" needs a label and a block`, inner.line);
        out.push({ label: inner.keys[0]!, body: inner.value, line: inner.line });
      }
    } else fail(`"${key}" needs a label and a block`, item.line);
  };
  for (const item of body.items) {
    if (item.keys[0] !== key) continue;
    if (Array.isArray(item.value)) for (const v of item.value) add(item, v);
    else add(item, item.value);
  }
  return out;
}

function single(body: HclBody, key: string): HclItem | undefined {
  const found = body.items.filter((item) => item.keys[0] === key);
  if (found.length > 1) fail(`"${key}" is set twice`, found[1]!.line);
  return found[0];
}

function parseFactor(label: string, body: HclBody, line: number): VaultControlGroupFactor {
  const identityItem = single(body, 'identity');
  const identity = identityItem && isHclBody(identityItem.value) ? identityItem.value : undefined;
  if (!identity) fail(`control group factor "${label}" needs an identity block`, line);
  const groups = single(identity, 'group_names');
  const approvals = single(identity, 'approvals');
  const controlled = single(body, 'controlled_capabilities');
  if (!groups) fail(`control group factor "${label}" needs identity.group_names`, line);
  if (approvals && typeof approvals.value !== 'number') fail(`control group factor "${label}": approvals must be a number`, approvals.line);
  return {
    name: label,
    groupNames: stringList(groups.value, 'group_names', groups.line),
    approvals: (approvals?.value as number | undefined) ?? 1,
    ...(controlled ? { controlledCapabilities: stringList(controlled.value, 'controlled_capabilities', controlled.line) } : {}),
  };
}

function parseControlGroup(item: HclItem): VaultControlGroup {
  if (!isHclBody(item.value)) fail('control_group must be a block', item.line);
  const ttl = single(item.value, 'ttl');
  if (ttl && typeof ttl.value !== 'string' && typeof ttl.value !== 'number') fail('control_group ttl must be a duration', ttl.line);
  const factors = labelled(item.value, 'factor').map((f) => parseFactor(f.label, f.body, f.line));
  if (factors.length === 0) fail('control_group needs at least one factor', item.line);
  return { ...(ttl ? { ttl: String(ttl.value) } : {}), factors };
}

function capabilitiesOf(body: HclBody, path: string, line: number): string[] {
  const caps: string[] = [];
  const capsItem = single(body, 'capabilities');
  if (capsItem) caps.push(...stringList(capsItem.value, 'capabilities', capsItem.line));
  const policyItem = single(body, 'policy');
  if (policyItem) {
    const mapped = typeof policyItem.value === 'string' ? OLD_STYLE[policyItem.value] : undefined;
    if (!mapped) fail(`path "${path}": invalid policy ${JSON.stringify(policyItem.value)}`, policyItem.line);
    if (mapped.includes('deny')) return ['deny'];
    caps.push(...mapped);
  }
  for (const cap of caps) {
    if (!(VAULT_ALL_CAPABILITIES as readonly string[]).includes(cap)) fail(`path "${path}": invalid capability "${cap}"`, line);
  }
  if (caps.includes('deny')) return ['deny'];
  return VAULT_ALL_CAPABILITIES.filter((c) => caps.includes(c));
}

function parsePath(label: string, body: HclBody, line: number): VaultPathRule {
  for (const item of body.items) {
    if (!PATH_KEYS.has(item.keys[0]!)) fail(`path "${label}": invalid key "${item.keys[0]}"`, item.line);
  }
  const path = trimLeadingSlashes(label);
  if (path.includes('+*')) fail(`path "${label}": invalid use of wildcards ('+*' is forbidden)`, line);
  const cg = single(body, 'control_group');
  return { path, capabilities: capabilitiesOf(body, label, line), ...(cg ? { controlGroup: parseControlGroup(cg) } : {}) };
}

/**
 * Reads a Vault ACL policy (HCL, or JSON when the text starts with `{`) into its path rules, in
 * document order. Repeated paths stay separate rules; the ACL merges them. Throws
 * GT_POLICY_INVALID, naming the line, for anything Vault would reject.
 */
export function parseVaultPolicy(text: string): VaultPathRule[] {
  let body: HclBody;
  if (text.trimStart().startsWith('{')) {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (e) {
      throw new TrustError('GT_POLICY_INVALID', `not valid JSON (${(e as Error).message})`);
    }
    body = jsonToHclBody(json);
  } else {
    body = parseHcl(text);
  }
  for (const item of body.items) {
    if (item.keys[0] !== 'path' && item.keys[0] !== 'name') fail(`invalid top-level key "${item.keys[0]}"; a policy holds only name and path`, item.line);
    if (item.keys[0] === 'name' && typeof item.value !== 'string') fail('name must be a string', item.line);
  }
  return labelled(body, 'path').map((p) => parsePath(p.label, p.body, p.line));
}
