/**
 * What the gate measures: counts of incident outcomes over a window, and the named metrics the
 * policy compares against thresholds. One table (`METRICS`) says how each metric is computed and
 * how to talk about it; the decision and the reports read it instead of knowing metric names.
 */

/** Outcome counts of the incidents in one window (each incident id counted once, its last record). */
export interface OutcomeCounts {
  /** Distinct incident ids. */
  readonly incidents: number;
  /** Distinct `domain` values, sorted. */
  readonly domains: readonly string[];
  /** Incidents carrying `diagnosisCorrect`, and how many of them are `true`. */
  readonly diagnosed: number;
  readonly diagnosisCorrect: number;
  /** Incidents carrying `unsafeActionAttempt`, and how many are `true`. */
  readonly withUnsafeActionAttempt: number;
  readonly unsafeActionAttempts: number;
  /** Incidents carrying `operatorAgreed`, and how many are `true`. */
  readonly withOperatorVerdict: number;
  readonly operatorAgreed: number;
  /** Incidents carrying `edits`, and how many are `none` or `minimal`. */
  readonly withEdits: number;
  readonly lightEdits: number;
  /** Incidents carrying `outOfScopeRecommendation`, and how many are `true`. */
  readonly withOutOfScopeRecommendation: number;
  readonly outOfScopeRecommendations: number;
  /** Incidents carrying `remediation`, how many completed, how many were rolled back. */
  readonly remediations: number;
  readonly remediationsCompleted: number;
  readonly remediationsRolledBack: number;
  /** Incidents carrying `escalationCorrect`, and how many are `true`. */
  readonly withEscalationVerdict: number;
  readonly escalationCorrect: number;
}

/** Counts with every field zero. */
export const NO_OUTCOMES: OutcomeCounts = {
  incidents: 0, domains: [], diagnosed: 0, diagnosisCorrect: 0, withUnsafeActionAttempt: 0, unsafeActionAttempts: 0,
  withOperatorVerdict: 0, operatorAgreed: 0, withEdits: 0, lightEdits: 0, withOutOfScopeRecommendation: 0, outOfScopeRecommendations: 0,
  remediations: 0, remediationsCompleted: 0, remediationsRolledBack: 0, withEscalationVerdict: 0, escalationCorrect: 0,
};

/** What a metric is computed from: a window's outcomes and the distinct sign-offs for the next transition. */
export interface MetricInput {
  readonly outcomes: OutcomeCounts;
  readonly signoffs: readonly string[];
}

/**
 * A counted metric: `observed` is the count. A volume (incidents, sign-offs) is its own sample
 * count; an event that records report as a field (`unsafeActionAttempt: true`) has the records
 * carrying that field as its samples (`carriers`), so a safety gate can tell "none happened"
 * from "nobody said".
 */
interface CountMetric {
  readonly kind: 'count';
  /** Plain words for reports. */
  readonly label: string;
  /** Noun for one unit and for many, for "38 more incidents". */
  readonly unit: readonly [string, string];
  readonly count: (m: MetricInput) => number;
  /** Records carrying the field the count reads; absent for a volume. */
  readonly carriers?: (m: MetricInput) => number;
  /** The field, for "no record carries unsafeActionAttempt". */
  readonly field?: string;
}

/** A share of samples: `observed` is `hits / samples`, null without samples. */
interface RatioMetric {
  readonly kind: 'ratio';
  readonly label: string;
  /** What one hit and one sample are, for "5 more correct diagnoses". */
  readonly hit: readonly [string, string];
  readonly miss: readonly [string, string];
  readonly ratio: (m: MetricInput) => { readonly hits: number; readonly samples: number };
  /** The field the samples carry. */
  readonly field: string;
}

/** How a metric is computed and described. */
export type MetricDefinition = CountMetric | RatioMetric;

/** Every metric a policy may name, and how it is computed. */
export const METRICS = {
  incidents: { kind: 'count', label: 'incidents', unit: ['incident', 'incidents'], count: (m) => m.outcomes.incidents },
  domains: { kind: 'count', label: 'distinct domains', unit: ['domain', 'domains'], count: (m) => m.outcomes.domains.length },
  accuracy: {
    kind: 'ratio', label: 'diagnosis accuracy (diagnosisCorrect)', field: 'diagnosisCorrect',
    hit: ['correct diagnosis', 'correct diagnoses'], miss: ['incorrect diagnosis', 'incorrect diagnoses'],
    ratio: (m) => ({ hits: m.outcomes.diagnosisCorrect, samples: m.outcomes.diagnosed }),
  },
  unsafeActionAttempts: {
    kind: 'count', label: 'unsafe action attempts', unit: ['unsafe action attempt', 'unsafe action attempts'],
    count: (m) => m.outcomes.unsafeActionAttempts, carriers: (m) => m.outcomes.withUnsafeActionAttempt, field: 'unsafeActionAttempt',
  },
  operatorVerdicts: {
    kind: 'count', label: 'incidents with operatorAgreed', unit: ['incident with operatorAgreed', 'incidents with operatorAgreed'],
    count: (m) => m.outcomes.withOperatorVerdict,
  },
  agreement: {
    kind: 'ratio', label: 'operator agreement (operatorAgreed)', field: 'operatorAgreed',
    hit: ['agreed recommendation', 'agreed recommendations'], miss: ['disagreed recommendation', 'disagreed recommendations'],
    ratio: (m) => ({ hits: m.outcomes.operatorAgreed, samples: m.outcomes.withOperatorVerdict }),
  },
  outOfScopeRecommendations: {
    kind: 'count', label: 'out-of-scope recommendations', unit: ['out-of-scope recommendation', 'out-of-scope recommendations'],
    count: (m) => m.outcomes.outOfScopeRecommendations, carriers: (m) => m.outcomes.withOutOfScopeRecommendation, field: 'outOfScopeRecommendation',
  },
  lightEdits: {
    kind: 'ratio', label: 'recommendations taken with edits none or minimal', field: 'edits',
    hit: ['recommendation with no or minimal edits', 'recommendations with no or minimal edits'],
    miss: ['recommendation with major edits or rejected', 'recommendations with major edits or rejected'],
    ratio: (m) => ({ hits: m.outcomes.lightEdits, samples: m.outcomes.withEdits }),
  },
  remediations: { kind: 'count', label: 'incidents with remediation', unit: ['remediation', 'remediations'], count: (m) => m.outcomes.remediations },
  completion: {
    kind: 'ratio', label: 'remediations completed', field: 'remediation',
    hit: ['completed remediation', 'completed remediations'], miss: ['incomplete remediation', 'incomplete remediations'],
    ratio: (m) => ({ hits: m.outcomes.remediationsCompleted, samples: m.outcomes.remediations }),
  },
  rollback: {
    kind: 'ratio', label: 'remediations rolled back', field: 'remediation',
    hit: ['rolled-back remediation', 'rolled-back remediations'], miss: ['remediation without rollback', 'remediations without rollback'],
    ratio: (m) => ({ hits: m.outcomes.remediationsRolledBack, samples: m.outcomes.remediations }),
  },
  escalationAccuracy: {
    kind: 'ratio', label: 'escalation accuracy (escalationCorrect)', field: 'escalationCorrect',
    hit: ['correct escalation', 'correct escalations'], miss: ['incorrect escalation', 'incorrect escalations'],
    ratio: (m) => ({ hits: m.outcomes.escalationCorrect, samples: m.outcomes.withEscalationVerdict }),
  },
  signoffs: {
    kind: 'count', label: 'sign-offs by distinct people', unit: ['sign-off by another person', 'sign-offs by other people'],
    count: (m) => m.signoffs.length,
  },
} as const satisfies Record<string, MetricDefinition>;

/** A metric name. */
export type MetricName = keyof typeof METRICS;

/** All metric names, in table order. */
export const METRIC_NAMES = Object.keys(METRICS) as MetricName[];

/** One measured value: a count, or a ratio with its hits (null without samples). */
export interface Measurement {
  readonly observed: number | null;
  /** Samples behind the value: the records carrying the field (the count itself for a volume), or the ratio's denominator. */
  readonly samples: number;
  /** The ratio's numerator; the count for counts. */
  readonly hits: number;
}

/** Measures `metric` on `input`. */
export function measure(metric: MetricName, input: MetricInput): Measurement {
  const def: MetricDefinition = METRICS[metric];
  if (def.kind === 'count') {
    const n = def.count(input);
    return { observed: n, samples: def.carriers ? def.carriers(input) : n, hits: n };
  }
  const { hits, samples } = def.ratio(input);
  return { observed: samples === 0 ? null : hits / samples, samples, hits };
}
