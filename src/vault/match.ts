/**
 * How Vault matches ACL paths, written from the semantics of hashicorp/vault `vault/policy.go`
 * (how a path is classified) and `vault/acl.go` (`AllowOperation`, `CheckAllowedFromNonExactPaths`);
 * no code copied. Shared by the policy renderer (to prove the rendered rules mean what the
 * definition declares) and by the ACL evaluator in `analysis/vault`.
 */

/**
 * How Vault stores a policy path:
 * `exact` (no wildcard), `prefix` (trailing `*`, no `+` segment) or `segment`
 * (a `+` segment wildcard, optionally with a trailing `*`).
 */
export type VaultPathKind = 'exact' | 'prefix' | 'segment';

/** A policy path as Vault's ACL sees it. */
export interface VaultPathPattern {
  /** The path as written, without a leading `/`. */
  readonly path: string;
  readonly kind: VaultPathKind;
  /** Ends with `*`: matches every path that starts with `stem`. */
  readonly isPrefix: boolean;
  /** The path without its trailing `*`. */
  readonly stem: string;
  /** Position of the first `+` (segment paths) or the prefix length (prefix paths); -1 for exact paths. */
  readonly firstWildcard: number;
  /** Number of `+` segments. */
  readonly wildcards: number;
}

/** Strips leading `/` as Vault does for policy and request paths. */
export function trimLeadingSlashes(path: string): string {
  return path.replace(/^\/+/, '');
}

/** True when Vault treats the path as having segment wildcards (the test in `vault/policy.go`). */
export function hasSegmentWildcards(path: string): boolean {
  return path === '+' || path.includes('/+') || path.startsWith('+/');
}

/** Classifies a policy path the way Vault's parser does. */
export function vaultPathPattern(raw: string): VaultPathPattern {
  const path = trimLeadingSlashes(raw);
  const segment = hasSegmentWildcards(path);
  const isPrefix = path.endsWith('*');
  const stem = isPrefix ? path.slice(0, -1) : path;
  if (segment) {
    return {
      path,
      kind: 'segment',
      isPrefix,
      stem,
      firstWildcard: path.indexOf('+'),
      wildcards: stem.split('/').filter((part) => part === '+').length,
    };
  }
  if (isPrefix) return { path, kind: 'prefix', isPrefix, stem, firstWildcard: stem.length, wildcards: 0 };
  return { path, kind: 'exact', isPrefix: false, stem: path, firstWildcard: -1, wildcards: 0 };
}

/**
 * True when a pattern matches a request path: exact patterns by equality, prefix patterns by
 * string prefix; segment patterns need the same number of segments (or at least as many, with
 * a trailing `*`), `+` matching any one segment.
 */
export function patternMatches(pattern: VaultPathPattern, requestPath: string): boolean {
  if (pattern.kind === 'exact') return pattern.path === requestPath;
  if (pattern.kind === 'prefix') return requestPath.startsWith(pattern.stem);
  const parts = requestPath.split('/');
  const aclParts = pattern.stem.split('/');
  if (parts.length < aclParts.length) return false;
  if (!pattern.isPrefix && parts.length !== aclParts.length) return false;
  return aclParts.every((aclPart, i) => {
    const part = parts[i]!;
    if (aclPart === '+' || aclPart === part) return true;
    return pattern.isPrefix && i === aclParts.length - 1 && part.startsWith(aclPart);
  });
}

/**
 * Vault's priority between two non-exact patterns that both match a request: negative when `a`
 * loses to `b`. In order: the later first wildcard wins, a non-prefix beats a prefix, fewer `+`
 * segments win, the longer path wins, and the lexicographically greater path wins.
 */
export function compareNonExact(a: VaultPathPattern, b: VaultPathPattern): number {
  if (a.firstWildcard !== b.firstWildcard) return a.firstWildcard < b.firstWildcard ? -1 : 1;
  if (a.isPrefix !== b.isPrefix) return a.isPrefix ? -1 : 1;
  if (a.wildcards !== b.wildcards) return a.wildcards > b.wildcards ? -1 : 1;
  if (a.stem.length !== b.stem.length) return a.stem.length < b.stem.length ? -1 : 1;
  return a.stem < b.stem ? -1 : a.stem > b.stem ? 1 : 0;
}
