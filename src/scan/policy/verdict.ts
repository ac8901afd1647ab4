import { severityCode } from './severity.js';

/** What the gate knows of the reports of the image about to be pulled. */
export interface ImageReport {
  status: string;
  /** The report's overall severity ('None' for a clean one). */
  severity: string;
  /** The report's items as [id, severity]; read only when the overall severity reaches the threshold. */
  items: () => Promise<Array<readonly [string, string]>>;
}

export type Verdict = { pass: true } | { pass: false; message: string };

const HELP = 'To continue with pull, please contact your project administrator for help.';

function policyText(threshold: string): string {
  return `due to configured policy in 'Prevent images with vulnerability severity of "${threshold}" or higher from running.'`;
}

/**
 * Harbor's judgement of an image: no report refuses, an unfinished or failed scan refuses, and
 * a report whose worst vulnerability outside the allowlist reaches the threshold refuses,
 * counting every vulnerability outside the allowlist. The wording is Harbor's, so clients and
 * scripts that match on it keep working.
 */
export async function judge(report: ImageReport | undefined, threshold: string, allowlist: ReadonlySet<string>): Promise<Verdict> {
  if (!report) return { pass: false, message: `current image without vulnerability scanning cannot be pulled ${policyText(threshold)} ${HELP}` };
  if (report.status !== 'Success') {
    return { pass: false, message: `current image with "${report.status}" status of vulnerability scanning cannot be pulled ${policyText(threshold)} ${HELP}` };
  }
  const limit = severityCode(threshold);
  // The allowlist only takes vulnerabilities away: below the threshold overall, nothing to read.
  if (report.severity === 'None' || report.severity === '' || severityCode(report.severity) < limit) return { pass: true };
  let count = 0;
  let worst = -1;
  for (const [id, severity] of await report.items()) {
    if (allowlist.has(id)) continue;
    count++;
    worst = Math.max(worst, severityCode(severity));
  }
  if (count === 0 || worst < limit) return { pass: true };
  return {
    pass: false,
    message:
      `current image with ${count} ${count > 1 ? 'vulnerabilities' : 'vulnerability'} cannot be pulled ${policyText(threshold)} ` +
      'To continue with pull, please contact your project administrator to exempt matched vulnerabilities through configuring the CVE allowlist.',
  };
}
