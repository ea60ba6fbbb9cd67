/**
 * People and the agent in evidence: who signed off, who closed an investigation.
 *
 * Identities are compared in one normal form (`identityKey`): Unicode NFKC, white space trimmed
 * at both ends, lower case. So `Alice`, `alice ` and `ＡＬＩＣＥ` are one person; the first
 * spelling read is the one shown. Identity providers (GitHub, e-mail, SSO) treat names as
 * case-insensitive, and a trailing space is never meant.
 *
 * The agent never vouches for itself: a sign-off or an investigation closure by one of its own
 * identities (its name, its Kubernetes ServiceAccount username in any namespace, and the
 * identities the audit flags name) is an evidence error.
 */
import { objectNames } from '../definition/names';

/** The form two identities are compared in. */
export function identityKey(name: string): string {
  return name.normalize('NFKC').trim().toLowerCase();
}

const SERVICE_ACCOUNT = 'system:serviceaccount:';

/** Whether `key` (an `identityKey`) is `agent` itself or its ServiceAccount username in any namespace. */
export function isAgentItself(key: string, agent: string): boolean {
  const name = identityKey(agent);
  if (key === name) return true;
  if (!key.startsWith(SERVICE_ACCOUNT)) return false;
  const rest = key.slice(SERVICE_ACCOUNT.length);
  const colon = rest.indexOf(':');
  return colon > 0 && rest.indexOf(':', colon + 1) === -1 && rest.slice(colon + 1) === identityKey(objectNames(agent).serviceAccount);
}

/** Who may do something (sign off, close an investigation): a list of people, a pattern, or both (either admits). */
export interface PeopleRule {
  /** Identities, compared as `identityKey`s. */
  readonly allow?: readonly string[];
  /**
   * A regular expression (JavaScript syntax, Unicode mode) the whole `identityKey` must match,
   * e.g. `[a-z.]+@example\.com`; it is anchored for you.
   */
  readonly pattern?: string;
}

const compiled = new WeakMap<PeopleRule, (key: string) => boolean>();

/** Compiles a rule; throws SyntaxError for a pattern that is not a regular expression. */
export function compileRule(rule: PeopleRule): (key: string) => boolean {
  let test = compiled.get(rule);
  if (!test) {
    const allow = new Set((rule.allow ?? []).map(identityKey));
    const pattern = rule.pattern === undefined ? undefined : new RegExp(`^(?:${rule.pattern})$`, 'u');
    test = (key) => allow.has(key) || (pattern !== undefined && pattern.test(key));
    compiled.set(rule, test);
  }
  return test;
}

/** Whether `key` may act under `rule`; anyone may without a rule. */
export function admits(rule: PeopleRule | undefined, key: string): boolean {
  return rule === undefined || compileRule(rule)(key);
}
