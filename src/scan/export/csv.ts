/** Harbor's CVE export columns (scandataexport's Data), in order. */
export const CSV_HEADER = [
  'RowId',
  'Project',
  'Owner',
  'Scanner',
  'Repository',
  'Artifact Digest',
  'CVE',
  'Package',
  'Severity',
  'CVSS V3 Score',
  'CVSS V2 Score',
  'CVSS V3 Vector',
  'CVSS V2 Vector',
  'CWE Ids',
] as const;

/** RFC 4180 quoting; a leading =, +, - or @ is prefixed with ' so spreadsheets do not run it as a formula. */
export function csvField(value: string | number | null): string {
  let text = value === null ? '' : String(value);
  if (/^[=+\-@\t\r]/.test(text) && typeof value === 'string') text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function csvLine(fields: ReadonlyArray<string | number | null>): string {
  return `${fields.map(csvField).join(',')}\r\n`;
}
