import { SEVERITY_ORDER, type Severity, type VulnerabilityReport } from '../report/types.js';

/** Harbor's VulnerabilitySummary: totals and counts by severity (only the severities found). */
export interface VulnerabilitySummary {
  total: number;
  fixable: number;
  summary: Partial<Record<Severity, number>>;
}

export function summarize(report: VulnerabilityReport): VulnerabilitySummary {
  const summary: Partial<Record<Severity, number>> = {};
  let fixable = 0;
  for (const item of report.vulnerabilities) {
    summary[item.severity] = (summary[item.severity] ?? 0) + 1;
    if (item.fix_version) fixable++;
  }
  return { total: report.vulnerabilities.length, fixable, summary };
}

/** The highest severity of the items; 'None' for a clean report, as Harbor shows it. */
export function overallSeverity(report: VulnerabilityReport): string {
  let worst = -1;
  for (const item of report.vulnerabilities) worst = Math.max(worst, SEVERITY_ORDER.indexOf(item.severity));
  return worst < 0 ? 'None' : (SEVERITY_ORDER[worst] ?? 'Unknown');
}

export function addSummaries(a: VulnerabilitySummary, b: VulnerabilitySummary): VulnerabilitySummary {
  const summary: Partial<Record<Severity, number>> = { ...a.summary };
  for (const [severity, n] of Object.entries(b.summary) as Array<[Severity, number]>) summary[severity] = (summary[severity] ?? 0) + n;
  return { total: a.total + b.total, fixable: a.fixable + b.fixable, summary };
}

export function worseSeverity(a: string, b: string): string {
  const rank = (s: string) => (s === 'None' ? -1 : SEVERITY_ORDER.indexOf(s as Severity));
  return rank(b) > rank(a) ? b : a;
}

/** [id, severity] of each item: what the pull gate weighs against an allowlist, without the whole report. */
export function vulnerabilityIndex(report: VulnerabilityReport): Array<[string, Severity]> {
  return report.vulnerabilities.map((item) => [item.id, item.severity]);
}
