/**
 * Vault usage: each allowed request of the agent's role is matched to the one path rule Vault
 * uses for it (the ACL of the access model, `analysis/vault/acl.ts`: exact path, else the most
 * specific glob or segment rule), when that rule carries the operation's capability.
 */
import type { VaultAllowedRequest } from '../gate/audit/vault';
import { VaultAcl } from '../analysis/vault/acl';
import type { VaultRoleGrant } from '../analysis/terraform/vault';
import { vaultPathPattern } from '../vault/match';
import { sortedUnique } from '../analysis/model';
import { BackendTally, countedGrant } from './backend';
import { MAX_NAMES } from './kubernetes';

/** Paths used under one rule, with the operations, for the proposal. */
export interface VaultAtoms {
  /** `operation\u0000path` → count; at most {@link MAX_NAMES} paths per rule, `overflow` beyond. */
  readonly paths: Map<string, number>;
  overflow: boolean;
}

/** Vault usage of one agent while its audit logs are read. */
export class VaultUsage {
  readonly tally: BackendTally;
  private readonly acl: VaultAcl;
  private readonly position = new Map<string, number>();
  /** Rule pattern → paths used under it. */
  readonly atoms = new Map<string, VaultAtoms>();

  constructor(grants: readonly VaultRoleGrant[]) {
    const policies = grants.flatMap((g) => g.policies);
    this.acl = new VaultAcl(policies.map((p) => p.rules));
    const patterns = sortedUnique(policies.flatMap((p) => p.rules.map((r) => vaultPathPattern(r.path).path)));
    this.tally = new BackendTally(patterns.map((pattern, i) => {
      this.position.set(pattern, i);
      const from = sortedUnique(policies.filter((p) => p.rules.some((r) => vaultPathPattern(r.path).path === pattern)).map((p) => p.name));
      return countedGrant(`${pattern}: ${this.acl.capabilities(pattern).join(', ')}`, `vault_policy ${from.join(', ')}`);
    }));
  }

  /** Counts one allowed request. */
  add(r: VaultAllowedRequest): void {
    const isList = r.operation === 'list';
    const pattern = this.acl.matchingRule(r.path, isList);
    const i = pattern !== undefined && this.acl.allows(r.path, r.operation) ? this.position.get(pattern) : undefined;
    this.tally.count(i === undefined ? [] : [i], `${r.operation} ${r.path}`, r.atMs);
    if (i === undefined) return;
    let atoms = this.atoms.get(pattern!);
    if (!atoms) {
      atoms = { paths: new Map(), overflow: false };
      this.atoms.set(pattern!, atoms);
    }
    const key = `${r.operation}\u0000${r.path.replace(/^\/+/, '')}`;
    const n = atoms.paths.get(key);
    if (n !== undefined) atoms.paths.set(key, n + 1);
    else if (atoms.paths.size < MAX_NAMES) atoms.paths.set(key, 1);
    else atoms.overflow = true;
  }
}
