/**
 * Harbor's ordering for the "prevent vulnerable images" policy: None and Unknown weigh 0,
 * Negligible 1 … Critical 5, anything unrecognised 99 (refused rather than let through).
 */
export function severityCode(severity: string): number {
  switch (severity) {
    case 'None':
    case 'Unknown':
      return 0;
    case 'Negligible':
      return 1;
    case 'Low':
      return 2;
    case 'Medium':
      return 3;
    case 'High':
      return 4;
    case 'Critical':
      return 5;
    default:
      return 99;
  }
}

/**
 * A project's `severity` as a CVSS v3 rating, as Harbor reads it: "high" is High, negligible
 * counts as None, and anything else (unset included) as Unknown, which weighs like None.
 */
export function policySeverity(value: string): string {
  const titled = value.length === 0 ? '' : value[0]!.toUpperCase() + value.slice(1).toLowerCase();
  if (['None', 'Low', 'Medium', 'High', 'Critical'].includes(titled)) return titled;
  return titled === 'Negligible' ? 'None' : 'Unknown';
}
