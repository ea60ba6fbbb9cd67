/**
 * The Kubernetes writes a phase declares: the actions of its active tiers and the raw write rules
 * (verbs other than get/list/watch). Admission in phases 3 and 4 admits exactly these, so this is
 * what the admission policy is rendered from and what the analysis reads back from it.
 */
import { actionKind } from '../definition/actions';
import type { KindInfo } from '../definition/kinds';
import { tierCapabilities, type AgentDefinition, type KubernetesAction } from '../definition/types';
import { kubernetesVerbs } from '../definition/validate';
import { activeTiers, READ_VERBS, type Phase, type Tier } from '../phase/table';

/** An action of an active tier, its kind resolved, without its dangerous reason (admission does not read it). */
export interface DeclaredAction {
  readonly write: 'action';
  readonly tier: Tier;
  /** Index in `<tier>.kubernetesActions`. */
  readonly index: number;
  readonly action: KubernetesAction;
  readonly kind: KindInfo;
}

/** A raw rule of an active tier with write verbs: admitted as a whole (anything in the object may change). */
export interface DeclaredRawWrite {
  readonly write: 'raw';
  readonly tier: Tier;
  /** Index in `<tier>.kubernetes`. */
  readonly index: number;
  readonly rule: {
    readonly apiGroups: readonly string[];
    readonly resources: readonly string[];
    /** The rule's write verbs only. */
    readonly verbs: readonly string[];
    readonly resourceNames?: readonly string[];
    readonly namespaces: readonly string[];
  };
}

/** A write a phase declares. */
export type DeclaredWrite = DeclaredAction | DeclaredRawWrite;

const READS = new Set<string>(READ_VERBS);

function withoutReason(action: KubernetesAction): KubernetesAction {
  const { dangerous: _reason, ...rest } = action;
  return rest as KubernetesAction;
}

/** The writes of the tiers `phase` activates, actions first within each tier. */
export function declaredWrites(def: AgentDefinition, phase: Phase): DeclaredWrite[] {
  const out: DeclaredWrite[] = [];
  for (const tier of activeTiers(phase)) {
    const caps = tierCapabilities(def, tier);
    (caps.kubernetesActions ?? []).forEach((action, index) => {
      const kind = actionKind(action, def);
      if (kind) out.push({ write: 'action', tier, index, action: withoutReason(action), kind });
    });
    (caps.kubernetes ?? []).forEach((rule, index) => {
      const verbs = kubernetesVerbs(rule, tier).filter((v) => !READS.has(v));
      if (verbs.length === 0 || rule.clusterScoped) return;
      out.push({
        write: 'raw',
        tier,
        index,
        rule: {
          apiGroups: [...rule.apiGroups],
          resources: [...rule.resources],
          verbs,
          ...(rule.resourceNames ? { resourceNames: [...rule.resourceNames] } : {}),
          namespaces: [...(rule.namespaces ?? [])],
        },
      });
    });
  }
  return out;
}

/** Where a declared write was declared: `remediate.kubernetesActions[0]`. */
export function writePlace(w: DeclaredWrite): string {
  return `${w.tier}.${w.write === 'action' ? 'kubernetesActions' : 'kubernetes'}[${w.index}]`;
}
