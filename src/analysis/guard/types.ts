import type { DnsEndpoint } from '../../definition/names';
import type { RenderOptions } from '../../k8s/render';
import type { AwsAccessProps, VaultAccessProps } from '../../terraform/props';
/**
 * Types of the guard: cdk-nag-style rules over everything an app synthesized, the agent's
 * definition and its phase.
 */
import type { AgentDefinition } from '../../definition/types';
import type { Phase } from '../../phase/table';
import type { SynthOutput } from '../read';
import type { GuardContext } from './context';

/** `error`: above the phase ceiling, never suppressible. `warning`: suppressible with a written reason. */
export type FindingLevel = 'error' | 'warning';

/** One finding: what is wrong, where, why it matters and how to fix it. */
export interface Finding {
  /** Stable rule ID, e.g. `GT-K8S-001`. */
  readonly ruleId: string;
  readonly level: FindingLevel;
  /** What was found, naming the grant and the object. */
  readonly what: string;
  /** Construct path (cdk8s object path or cdktf `//.metadata.path`), or `FILE:LINE` when read from files. */
  readonly where: string;
  readonly why: string;
  readonly fix: string;
  /** Present when a suppression with a written reason silenced this warning. */
  readonly suppressed?: { readonly reason: string };
}

/** What a rule reports; the rule adds its ID, level, why and fix. */
export interface RuleHit {
  readonly what: string;
  readonly where: string;
}

/** A guard rule: a pure function from the context to hits, with stable metadata. */
export interface GuardRule {
  /** `GT-<AREA>-<NNN>`; never reused or renumbered. */
  readonly id: string;
  readonly level: FindingLevel;
  /** One line: what the rule checks. */
  readonly checks: string;
  readonly why: string;
  readonly fix: string;
  readonly check: (ctx: GuardContext) => RuleHit[];
}

/**
 * Silences a warning. The reason is recorded in the output next to the finding.
 * Errors cannot be suppressed.
 */
export interface Suppression {
  readonly ruleId: string;
  /** Why the warning is acceptable here; at least 10 characters. */
  readonly reason: string;
  /**
   * Only findings whose `where` starts with this (a construct path prefix or file).
   * @default every finding of the rule
   */
  readonly where?: string;
}


export type { DnsEndpoint };

/** Everything the guard reads. */
export interface GuardInput {
  /** Everything the app synthesized (all charts / stacks), not only the agent's construct. */
  readonly output: SynthOutput;
  readonly definition: AgentDefinition;
  readonly phase: Phase;
  /**
   * When the agent entered the phase: the approval epoch its policies name.
   * @default DEFAULT_SINCE (`1970-01-01T00:00:00Z`), what the constructs use with `phase` and no `since`
   */
  readonly since?: string;
  /**
   * The Kubernetes TrustPhasedAgent's render options (network flavour, DNS pods, cluster domain, approvers).
   * @default {}
   */
  readonly kubernetes?: RenderOptions;
  /**
   * The cluster DNS pods the construct allows (UDP and TCP 53); the same as `kubernetes.dns`.
   * @default `k8s-app=kube-dns` in `kube-system`, as TrustPhasedAgent renders by default
   */
  readonly dns?: DnsEndpoint;
  /**
   * The Terraform TrustPhasedAgent's Vault props (approval mechanism and tokens).
   * @default token-role approvals with the default settings
   */
  readonly vault?: VaultAccessProps;
  /**
   * The Terraform TrustPhasedAgent's AWS props.
   * @default none
   */
  readonly aws?: AwsAccessProps;
  /**
   * The other agents of the same app: writes on their control objects (approvals and phase
   * ConfigMaps) are dangerous for this agent however they are reached.
   * @default none
   */
  readonly otherAgents?: ReadonlyArray<{ readonly name: string; readonly namespace: string }>;
  /** @default none */
  readonly suppressions?: readonly Suppression[];
}
