import { TrustError } from '../errors';
import type { VaultCapability } from '../phase/table';
import type { VaultControlGroup, VaultPathRule } from './policy';

/**
 * Renders Vault policy HCL from rules. Every value is checked against a whitelist before it is
 * placed between quotes, so nothing from an agent definition can close a string and add a rule
 * (defence in depth: the definition validator checks the same paths first).
 */

/** A policy to render: comment lines, then path rules in the given order. */
export interface VaultPolicyDocument {
  /** Comment lines at the top (no newlines). */
  readonly header: readonly string[];
  readonly rules: readonly VaultPathRule[];
  /**
   * Longest response-wrapping TTL on every rule (`max_wrapping_ttl`): requests must be wrapped.
   * @default none
   */
  readonly maxWrappingTtl?: string;
  /**
   * An operator's policy, allowed to write under `auth/` (the approver policy). Agent policies
   * never are.
   * @default false
   */
  readonly allowAuth?: boolean;
}

/** Capabilities the renderer ever writes; never `sudo`, `deny` or `root`. */
export const RENDERABLE_CAPABILITIES: readonly VaultCapability[] = ['read', 'list', 'create', 'update', 'patch', 'delete'];

const READS: readonly string[] = ['read', 'list'];
const SAFE_PATH = /^[A-Za-z0-9_\-.+/*]+$/;
const SAFE_NAME = /^[A-Za-z0-9_.-]+$/;
const SAFE_TTL = /^[0-9]+[smh]?$/;
const PROTECTED_MOUNTS = ['sys', 'auth', 'identity'];

function refuse(message: string): never {
  throw new TrustError('GT_VAULT_PATH', message);
}

/**
 * Throws unless the path is safe to render: whitelisted characters only (no quote, brace,
 * space, newline, `$` or `%`), no leading `/`, a `*` only at the end, and not a bare `*` or `+`.
 */
export function assertRenderablePath(path: string): void {
  if (!SAFE_PATH.test(path)) refuse(`refusing to render Vault path ${JSON.stringify(path)}: only [A-Za-z0-9_-./+*] may appear in a policy path, anything else could change the policy`);
  if (path.startsWith('/')) refuse(`refusing to render Vault path "${path}": it starts with '/'`);
  if (/^[+*]/.test(path)) refuse(`refusing to render Vault path "${path}": it matches every mount`);
  if (path.slice(0, -1).includes('*')) refuse(`refusing to render Vault path "${path}": '*' is allowed only at the end`);
}

/** True when the path can reach `sys/`, `auth/` or `identity/`: that first segment, or a one-segment glob such as `sy*`. */
function isProtected(path: string): boolean {
  const first = path.split('/')[0]!;
  if (first.endsWith('*')) return PROTECTED_MOUNTS.some((m) => m.startsWith(first.slice(0, -1)));
  return PROTECTED_MOUNTS.includes(first);
}

function assertRenderableRule(rule: VaultPathRule, allowAuth: boolean): void {
  assertRenderablePath(rule.path);
  if (rule.capabilities.length === 0) refuse(`refusing to render Vault path "${rule.path}" without capabilities`);
  for (const cap of rule.capabilities) {
    if (!(RENDERABLE_CAPABILITIES as readonly string[]).includes(cap)) refuse(`refusing to render capability "${cap}" on "${rule.path}": only ${RENDERABLE_CAPABILITIES.join(', ')} are ever granted`);
  }
  const writes = rule.capabilities.some((c) => !READS.includes(c));
  const operator = allowAuth && rule.path.startsWith('auth/token/create/') && !rule.path.includes('*');
  if (writes && isProtected(rule.path) && !operator) refuse(`refusing to render writes on "${rule.path}": writes under sys/, auth/ and identity/ change Vault itself`);
}

function quote(value: string, what: string): string {
  if (!SAFE_NAME.test(value)) throw new TrustError('GT_VAULT_PATH', `refusing to render ${what} ${JSON.stringify(value)}: use only [A-Za-z0-9_.-]`);
  return `"${value}"`;
}

function list(values: readonly string[]): string {
  return `[${values.map((v) => `"${v}"`).join(', ')}]`;
}

function renderControlGroup(cg: VaultControlGroup, indent: string): string[] {
  const lines = [`${indent}control_group = {`];
  if (cg.ttl !== undefined) {
    if (!SAFE_TTL.test(cg.ttl)) refuse(`refusing to render control group ttl ${JSON.stringify(cg.ttl)}: use seconds such as "3600s"`);
    lines.push(`${indent}  ttl = "${cg.ttl}"`);
  }
  for (const f of cg.factors) {
    if (!Number.isInteger(f.approvals) || f.approvals < 1) refuse(`refusing to render ${f.approvals} approvals: use a whole number of at least 1`);
    lines.push(`${indent}  factor ${quote(f.name, 'control group factor')} {`);
    if (f.controlledCapabilities) {
      for (const c of f.controlledCapabilities) if (!(RENDERABLE_CAPABILITIES as readonly string[]).includes(c)) refuse(`refusing to render controlled capability "${c}"`);
      lines.push(`${indent}    controlled_capabilities = ${list(f.controlledCapabilities)}`);
    }
    lines.push(`${indent}    identity {`);
    lines.push(`${indent}      group_names = [${f.groupNames.map((g) => quote(g, 'identity group name')).join(', ')}]`);
    lines.push(`${indent}      approvals = ${f.approvals}`);
    lines.push(`${indent}    }`, `${indent}  }`);
  }
  lines.push(`${indent}}`);
  return lines;
}

/**
 * Renders a policy as HCL: the header as `#` comments, then one `path` block per rule.
 * Throws GT_VAULT_PATH for anything outside the whitelist instead of escaping it.
 */
export function renderVaultPolicy(doc: VaultPolicyDocument): string {
  const lines: string[] = [];
  for (const h of doc.header) {
    if (/[\r\n]/.test(h)) refuse(`refusing to render a header line with a line break: ${JSON.stringify(h)}`);
    lines.push(`# ${h}`);
  }
  if (doc.maxWrappingTtl !== undefined && !SAFE_TTL.test(doc.maxWrappingTtl)) refuse(`refusing to render max_wrapping_ttl ${JSON.stringify(doc.maxWrappingTtl)}: use seconds such as "300s"`);
  for (const rule of doc.rules) {
    assertRenderableRule(rule, doc.allowAuth ?? false);
    lines.push('', `path "${rule.path}" {`, `  capabilities = ${list(rule.capabilities)}`);
    if (doc.maxWrappingTtl !== undefined) lines.push(`  max_wrapping_ttl = "${doc.maxWrappingTtl}"`);
    if (rule.controlGroup) lines.push(...renderControlGroup(rule.controlGroup, '  '));
    lines.push('}');
  }
  return lines.join('\n') + '\n';
}
