/**
 * The trust report: the agent's record as one self-contained HTML page.
 *
 * `collectReport` reads the evidence once through the gate (its checks, its aggregation, its
 * decision) and into a daily timeline; `renderReport` draws the phase over time, the rolling
 * metrics against the policy's lines, the gate table, what is missing for the next phase and
 * the per-domain breakdown. Charts are inline SVG drawn with d3-scale and d3-shape.
 *
 * @example
 * const data = await collectReport({ state: readState(file), now: new Date(), evidence: [fileSource('evidence.jsonl')] });
 * const digests = { evidence: await digestFiles(['evidence.jsonl']), policy: policyDigest(DEFAULT_POLICY) };
 * writeFileAtomic('report.html', await renderReport(data, digests));
 */
export { collectReport, type ReportInput, type ReportData } from './collect';
export { renderReport, reportHtml } from './html';
export { chartKit, phaseChart, volumeChart, metricChart, CHART_WIDTH, type ChartKit } from './charts';
export {
  reportModel, phaseTimeline, thresholdLines, CHARTED_METRICS,
  type ReportModel, type MetricPanel, type ThresholdLine, type PhaseChange, type PhaseTimeline, type DomainRow, type ChartedMetric,
} from './model';
export {
  IncidentTimeline, DAY_MS, MAX_BUCKETS, OUTCOME_FIELDS,
  type TimelineData, type BucketSeries, type DomainTally, type ViolationMark, type OutcomeField,
} from './timeline';
