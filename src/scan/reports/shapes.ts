import { z } from 'zod';

/** Harbor's VulnerabilitySummary. */
export const VulnerabilitySummaryShape = z.strictObject({
  total: z.int(),
  fixable: z.int(),
  summary: z.record(z.string(), z.int()),
});

/** Harbor's NativeReportSummary: one report type's entry in `scan_overview`. */
export const NativeReportSummaryShape = z.strictObject({
  report_id: z.string(),
  scan_status: z.string(),
  severity: z.string().optional(),
  duration: z.int().optional(),
  summary: VulnerabilitySummaryShape.optional(),
  start_time: z.string(),
  end_time: z.string().optional(),
  complete_percent: z.int(),
  scanner: z.strictObject({ name: z.string(), vendor: z.string(), version: z.string() }).optional(),
});

/** Harbor's ScanOverview. */
export const ScanOverviewShape = z.record(z.string(), NativeReportSummaryShape);

/** Harbor's SBOMOverview. */
export const SbomOverviewShape = z.strictObject({
  start_time: z.string(),
  end_time: z.string().optional(),
  scan_status: z.string(),
  sbom_digest: z.string().optional(),
  report_id: z.string(),
  duration: z.int().optional(),
  scanner: z.strictObject({ name: z.string(), vendor: z.string(), version: z.string() }).optional(),
});
