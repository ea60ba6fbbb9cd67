import type { AgentDefinition } from '../definition/types';
import { TrustError } from '../errors';
import { PHASES, PHASE_VALUES, TIER_VALUES, phaseLabel, type Phase, type Tier, type VaultCapability } from '../phase/table';
import { compareNonExact, vaultPathPattern, type VaultPathPattern } from './match';
import type { VaultControlGroup, VaultPathRule } from './policy';
import { contains, listRegion, overlap, patternRegion, type PathRegion } from './regions';
import { RENDERABLE_CAPABILITIES } from './render';

/**
 * From an agent definition and a phase to the Vault rules to render: the active tiers' rules
 * merged per path, then settled so that Vault's "most specific path wins" cannot hide a
 * capability the definition declares on a broader path.
 */

/** A Vault Enterprise control group for writes that need an operator's approval. */
export interface VaultControlGroupOptions {
  /** Identity groups whose members approve the agent's writes. */
  readonly approverGroupNames: readonly string[];
  /**
   * Approvals needed per write.
   * @default 1
   */
  readonly approvals?: number;
  /**
   * The factor's name in the policy.
   * @default 'operators'
   */
  readonly factorName?: string;
  /**
   * How long a write waits for approval, in seconds.
   * @default Vault's control group max_ttl
   */
  readonly ttlSeconds?: number;
}

interface Entry {
  readonly pattern: VaultPathPattern;
  readonly main: PathRegion;
  /** Exact paths also answer `list` on `path/`. */
  readonly list: PathRegion | undefined;
  readonly caps: Set<VaultCapability>;
}

const READS: readonly VaultCapability[] = ['read', 'list'];

function mergeTiers(def: AgentDefinition, tiers: readonly Tier[]): Map<string, Set<VaultCapability>> {
  const merged = new Map<string, Set<VaultCapability>>();
  for (const tier of tiers) {
    for (const rule of def[tier]?.vault ?? []) {
      const caps = merged.get(rule.path) ?? new Set<VaultCapability>();
      for (const cap of rule.capabilities) caps.add(cap);
      merged.set(rule.path, caps);
    }
  }
  return merged;
}

/** Exact paths rank above `list` on `exact/`, which ranks above every glob; globs by Vault's order. */
function outranks(w: VaultPathPattern, wFace: 'main' | 'list', b: VaultPathPattern): boolean {
  const rank = (p: VaultPathPattern, face: 'main' | 'list') => (face === 'list' ? 1 : p.kind === 'exact' ? 2 : 0);
  const rw = rank(w, wFace);
  const rb = rank(b, 'main');
  if (rw !== rb) return rw > rb;
  return rw === 0 && compareNonExact(w, b) > 0;
}

function canInherit(w: Entry, b: Entry, cap: VaultCapability): boolean {
  if (!contains(b.main, w.main)) return false;
  return cap !== 'list' || w.list === undefined || contains(b.main, w.list);
}

function shadowError(w: Entry, b: Entry, cap: VaultCapability, at: string, phase: Phase): TrustError {
  return new TrustError(
    'GT_VAULT_PATH',
    `in ${phaseLabel(phase)}, "${w.pattern.path}" and "${b.pattern.path}" both match "${at}", where Vault uses only the more specific "${w.pattern.path}"; it lacks "${cap}", so the "${cap}" declared on "${b.pattern.path}" would not apply there; make the paths not overlap, or add "${cap}" to "${w.pattern.path}" if the agent may have it on all of that path`,
  );
}

/**
 * Gives each rule the capabilities of every broader rule it hides, when that is safe (the rule
 * matches nothing the broader one does not); throws GT_VAULT_PATH when a rule would hide a
 * capability on paths the broader rule does not fully cover.
 */
function settle(entries: readonly Entry[], phase: Phase): void {
  for (let changed = true; changed; ) {
    changed = false;
    for (const b of entries) {
      if (b.pattern.kind === 'exact') continue; // an exact match is always the one Vault uses
      for (const cap of RENDERABLE_CAPABILITIES) {
        if (!b.caps.has(cap)) continue;
        for (const w of entries) {
          if (w === b || w.caps.has(cap)) continue;
          const faces: Array<[PathRegion, 'main' | 'list']> = [[w.main, 'main']];
          if (cap === 'list' && w.list) faces.push([w.list, 'list']);
          for (const [region, face] of faces) {
            if (!outranks(w.pattern, face, b.pattern)) continue;
            const at = overlap(region, b.main);
            if (at === undefined) continue;
            if (!canInherit(w, b, cap)) throw shadowError(w, b, cap, at, phase);
            w.caps.add(cap);
            changed = true;
            break;
          }
        }
      }
    }
  }
}

function controlGroupFor(caps: readonly VaultCapability[], options: VaultControlGroupOptions): VaultControlGroup | undefined {
  const writes = caps.filter((c) => !READS.includes(c));
  if (writes.length === 0) return undefined;
  return {
    ...(options.ttlSeconds !== undefined ? { ttl: `${options.ttlSeconds}s` } : {}),
    factors: [{ name: options.factorName ?? 'operators', groupNames: options.approverGroupNames, approvals: options.approvals ?? 1, controlledCapabilities: writes }],
  };
}

/**
 * How phase-3 writes are approved in Vault:
 * - `token-role` (default, Vault OSS, Enterprise and OpenBao): the writes leave the agent's own
 *   policy for an approval policy that only tokens of the operator-only token role
 *   `<agent>-approval` carry; an operator mints one single-use, response-wrapped token per write;
 * - `control-group`: the writes stay in the agent's policy under a Vault Enterprise control group
 *   (Vault CE parses and ignores `control_group`, released OpenBao rejects it: use only on Enterprise).
 */
export type VaultApprovals = { readonly mode: 'token-role' } | { readonly mode: 'control-group'; readonly controlGroup: VaultControlGroupOptions };

/** The Vault rules of a phase, per policy. */
export interface VaultPhaseRules {
  /** The agent's own policy (the role it logs in with). */
  readonly agent: VaultPathRule[];
  /** The approval policy: writes that need an operator approval; empty in phases that need none. */
  readonly approval: VaultPathRule[];
}

/**
 * The Vault rules of `phase`, split by the policy that carries them. Where the phase table asks
 * writes to be approved, `token-role` moves every write capability into the approval policy
 * (reads stay the agent's), and `control-group` keeps them in the agent's policy under a
 * control group. Throws GT_VAULT_PATH when Vault's most-specific-path rule would hide a declared
 * capability.
 */
export function vaultPhaseRules(def: AgentDefinition, phase: Phase, approvals: VaultApprovals = { mode: 'token-role' }): VaultPhaseRules {
  if (approvals.mode === 'control-group') return { agent: vaultRulesForPhase(def, phase, approvals.controlGroup), approval: [] };
  const all = vaultRulesForPhase(def, phase);
  if (PHASES[phase].writeAdmission !== 'approval') return { agent: all, approval: [] };
  const split = (keep: (cap: string) => boolean) => all.flatMap((r) => {
    const capabilities = r.capabilities.filter(keep);
    return capabilities.length > 0 ? [{ path: r.path, capabilities }] : [];
  });
  return { agent: split((c) => READS.includes(c as VaultCapability)), approval: split((c) => !READS.includes(c as VaultCapability)) };
}

/**
 * The Vault rules of `phase` in one list: the active tiers' rules merged per path, sorted by
 * path, with capabilities in a fixed order. Where the phase table admits writes only with
 * approval and `controlGroup` is given, write paths carry a control group on their write
 * capabilities. Throws GT_VAULT_PATH when Vault's most-specific-path rule would hide a declared
 * capability.
 */
export function vaultRulesForPhase(def: AgentDefinition, phase: Phase, controlGroup?: VaultControlGroupOptions): VaultPathRule[] {
  const merged = mergeTiers(def, PHASES[phase].tiers);
  const entries: Entry[] = [...merged.keys()].sort().map((path) => {
    const pattern = vaultPathPattern(path);
    return { pattern, main: patternRegion(pattern), list: pattern.kind === 'exact' ? listRegion(pattern) : undefined, caps: merged.get(path)! };
  });
  settle(entries, phase);
  const approval = PHASES[phase].writeAdmission === 'approval' && controlGroup !== undefined;
  return entries.map((e) => {
    const capabilities = RENDERABLE_CAPABILITIES.filter((c) => e.caps.has(c));
    const cg = approval ? controlGroupFor(capabilities, controlGroup) : undefined;
    return { path: e.pattern.path, capabilities, ...(cg ? { controlGroup: cg } : {}) };
  });
}

/** {@link vaultPhaseRules} for every phase, so a definition fails the same way whatever its current phase. */
export function vaultRulesByPhase(def: AgentDefinition, approvals?: VaultApprovals): Record<Phase, VaultPhaseRules> {
  const out = {} as Record<Phase, VaultPhaseRules>;
  for (const phase of PHASE_VALUES) out[phase] = vaultPhaseRules(def, phase, approvals);
  return out;
}

/** True when a definition declares Vault writes in the remediate tier (they need an approval mechanism in phase 3). */
export function declaresRemediateVaultWrites(def: AgentDefinition): boolean {
  return (def.remediate?.vault ?? []).some((r) => r.capabilities.some((c) => !READS.includes(c)));
}

/** True when a definition declares Vault access in any tier. */
export function declaresVault(def: AgentDefinition): boolean {
  return TIER_VALUES.some((tier) => (def[tier]?.vault?.length ?? 0) > 0);
}
