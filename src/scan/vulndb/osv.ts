import { z } from 'zod';

/**
 * The parts of an OSV record (ossf/osv-schema) the vulnerability database keeps, validated with
 * bounds. Unknown fields pass through unread; what a record must have to be matched (an id, a
 * `modified` time, `affected` entries with well-formed ranges) is checked, and a record that
 * fails is skipped and counted by the importer with the first problem as its reason.
 */

/** Text fields are cut to these lengths when stored; the rest of a long `details` is of no use in a report. */
export const MAX_DETAILS_CHARS = 16 * 1024;
export const MAX_SUMMARY_CHARS = 1024;

const MAX_ALIASES = 1000;
const MAX_AFFECTED = 5000;
const MAX_RANGES = 100;
const MAX_EVENTS = 1000;
const MAX_VERSIONS = 100_000;
const MAX_REFERENCES = 1000;

const time = z
  .string()
  .max(64)
  .refine((text) => !Number.isNaN(Date.parse(text)), 'is not an RFC 3339 time');

const event = z.union([
  z.object({ introduced: z.string().min(1).max(256) }),
  z.object({ fixed: z.string().min(1).max(256) }),
  z.object({ last_affected: z.string().min(1).max(256) }),
  z.object({ limit: z.string().min(1).max(256) }),
]);

const range = z.object({
  type: z.string().min(1).max(32),
  repo: z.string().max(2048).optional(),
  events: z.array(event).min(1).max(MAX_EVENTS),
});

const severity = z.object({ type: z.string().max(32), score: z.string().max(512) });

const jsonObject = z.record(z.string(), z.unknown());

const affected = z.object({
  package: z
    .object({
      ecosystem: z.string().min(1).max(255),
      name: z.string().min(1).max(255),
      purl: z.string().max(2048).optional(),
    })
    .optional(),
  severity: z.array(severity).max(10).optional(),
  ranges: z.array(range).max(MAX_RANGES).optional(),
  versions: z.array(z.string().max(256)).max(MAX_VERSIONS).optional(),
  ecosystem_specific: jsonObject.optional(),
  database_specific: jsonObject.optional(),
});

export const osvRecordSchema = z.object({
  id: z
    .string()
    .min(1)
    .max(255)
    .regex(/^[A-Za-z0-9][A-Za-z0-9._:-]*$/, 'is not an OSV id'),
  modified: time,
  published: time.optional(),
  withdrawn: time.optional(),
  aliases: z.array(z.string().max(255)).max(MAX_ALIASES).optional(),
  upstream: z.array(z.string().max(255)).max(MAX_ALIASES).optional(),
  summary: z.string().optional(),
  details: z.string().optional(),
  severity: z.array(severity).max(10).optional(),
  affected: z.array(affected).max(MAX_AFFECTED).optional(),
  references: z
    .array(z.object({ type: z.string().max(32), url: z.string().max(4096) }))
    .max(MAX_REFERENCES)
    .optional(),
  database_specific: jsonObject.optional(),
});

export type OsvRecord = z.infer<typeof osvRecordSchema>;
export type OsvAffectedEntry = z.infer<typeof affected>;
export type OsvSeverity = z.infer<typeof severity>;

export type ParsedRecord = { ok: true; record: OsvRecord } | { ok: false; reason: string };

/** Parses one JSON document as an OSV record; never throws. */
export function parseOsvRecord(text: string): ParsedRecord {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    return { ok: false, reason: `not JSON: ${(error as Error).message}` };
  }
  const result = osvRecordSchema.safeParse(json);
  if (result.success) return { ok: true, record: result.data };
  const issue = result.error.issues[0];
  const where = issue && issue.path.length > 0 ? issue.path.join('.') : 'record';
  return { ok: false, reason: `${where}: ${issue?.message ?? 'invalid'}` };
}

/** PEP 503: PyPI names compare lowercased, with runs of `-`, `_` and `.` as one `-`. */
export function normalisePackageName(ecosystem: string, name: string): string {
  return ecosystem === 'PyPI' || ecosystem.startsWith('PyPI:') ? name.toLowerCase().replace(/[-_.]+/g, '-') : name;
}
