import { z } from 'zod';

/** Harbor's ScanDataExportRequest; one project, as Harbor supports. */
export const exportCriteriaSchema = z
  .object({
    job_name: z.string().max(255).default(''),
    projects: z.array(z.number().int().positive()).length(1, 'exactly one project is exported at a time'),
    labels: z.array(z.number().int().positive()).max(100).default([]),
    repositories: z.string().max(2048).optional(),
    cveIds: z.string().max(8192).optional(),
    tags: z.string().max(2048).optional(),
  })
  .loose();

export type ExportCriteria = z.output<typeof exportCriteriaSchema>;
