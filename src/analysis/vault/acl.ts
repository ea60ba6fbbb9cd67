/**
 * A Vault ACL evaluator, written from the semantics of hashicorp/vault `vault/acl.go` (NewACL,
 * AllowOperation, CheckAllowedFromNonExactPaths) and `vault/policy.go`; no code copied.
 *
 * Policies merge per path (capabilities add up, `deny` on a path wins over everything merged
 * into it). A request uses exactly one path rule: an exact match, else (for `list`) the exact
 * rule of the path without its trailing `/`, else the highest-priority glob or segment rule
 * (see `compareNonExact`). Capabilities of less specific rules do not add up with it.
 * Parameters, wrapping TTLs, MFA and control groups do not affect the result here.
 */
import {
  compareNonExact,
  patternMatches,
  trimLeadingSlashes,
  vaultPathPattern,
  type VaultPathPattern,
} from '../../vault/match';
import type { VaultPathRule } from '../../vault/policy';

interface Merged {
  readonly pattern: VaultPathPattern;
  caps: Set<string>;
}

/** The order Vault lists capabilities in (`Capabilities` in vault/acl.go). */
const LISTING_ORDER = ['sudo', 'read', 'list', 'update', 'delete', 'create', 'patch', 'subscribe', 'recover'];

function mergeInto(target: Merged, caps: readonly string[]): void {
  if (target.caps.has('deny')) return;
  if (caps.includes('deny')) target.caps = new Set(['deny']);
  else for (const c of caps) target.caps.add(c);
}

/** The merged ACL of a token's policies. */
export class VaultAcl {
  private readonly exact = new Map<string, Merged>();
  private readonly nonExact = new Map<string, Merged>();

  /** @param policies each policy's rules, e.g. from `parseVaultPolicy` */
  constructor(policies: ReadonlyArray<readonly VaultPathRule[]>) {
    for (const rules of policies) {
      for (const rule of rules) {
        const pattern = vaultPathPattern(rule.path);
        const table = pattern.kind === 'exact' ? this.exact : this.nonExact;
        // Prefix rules are keyed by their stem (as Vault's prefix tree is), segment rules by the full path.
        const key = pattern.kind === 'prefix' ? pattern.stem : pattern.path;
        const existing = table.get(key);
        if (existing) mergeInto(existing, rule.capabilities);
        else table.set(key, { pattern, caps: new Set(rule.capabilities.includes('deny') ? ['deny'] : rule.capabilities) });
      }
    }
  }

  /**
   * The path rule a request uses (its pattern as written), or undefined when none matches.
   * @param isList whether the request is a list operation (enables the trailing-`/` fallback)
   */
  matchingRule(path: string, isList = false): string | undefined {
    return this.lookup(trimLeadingSlashes(path), isList)?.pattern.path;
  }

  /**
   * Capabilities on `path` as Vault's `sys/capabilities` reports them (looked up as a list
   * request): `['deny']` when denied or nothing matches.
   */
  capabilities(path: string): string[] {
    const caps = this.lookup(trimLeadingSlashes(path), true)?.caps;
    if (!caps || caps.has('deny') || caps.size === 0) return ['deny'];
    const listed = LISTING_ORDER.filter((c) => caps.has(c));
    return listed.length > 0 ? listed : ['deny'];
  }

  /**
   * Whether an operation needing `capability` is allowed on `path`. `list` uses the
   * trailing-`/` fallback as Vault does for list requests; `sudo` asks for root privileges.
   */
  allows(path: string, capability: string): boolean {
    const caps = this.lookup(trimLeadingSlashes(path), capability === 'list')?.caps;
    return caps !== undefined && !caps.has('deny') && caps.has(capability);
  }

  private lookup(path: string, isList: boolean): Merged | undefined {
    const direct = this.exact.get(path);
    if (direct) return direct;
    // List requests retry the exact lookup without the trailing '/'.
    const trimmed = isList && path.endsWith('/') ? this.exact.get(path.slice(0, -1)) : undefined;
    if (trimmed) return trimmed;
    let best: Merged | undefined;
    for (const candidate of this.nonExact.values()) {
      if (!patternMatches(candidate.pattern, path)) continue;
      if (!best || compareNonExact(candidate.pattern, best.pattern) > 0) best = candidate;
    }
    return best;
  }
}
