import { exemptFromPolicies, type PullGate, type PullRequestFacts } from '../../content/index.js';
import type { Clock } from '../../platform/clock.js';
import type { Executor } from '../../platform/db/index.js';
import { PreconditionFailedError } from '../../platform/errors/index.js';
import { isIndexMediaType } from '../../platform/lib/index.js';
import { vulnerabilityPolicy, type PullMetadata } from '../../projects/index.js';
import { REPORT_MIME, SCANNABLE_MANIFESTS } from '../mime.js';
import { projectRegistration } from '../registrations/repo.js';
import { policySeverity } from './severity.js';
import { judge, type ImageReport } from './verdict.js';

/** Items weighed per report at most: a bound on the work of one pull. */
const MAX_ITEMS = 200_000;

function scannable(artifact: { media_type: string; type: string | null }): boolean {
  return SCANNABLE_MANIFESTS.includes(artifact.media_type) && (artifact.type === null || artifact.type === 'IMAGE');
}

/** [id, severity] pairs of the stored column, or of the whole report for rows stored before the column; malformed entries are skipped. */
function pairsOf(json: string, fromReport: boolean): Array<readonly [string, string]> {
  const out: Array<readonly [string, string]> = [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    // Nothing can be weighed against the allowlist: its overall severity stands.
    return [['', 'Unknown']];
  }
  const entries = fromReport ? (parsed as { vulnerabilities?: unknown } | null)?.vulnerabilities : parsed;
  if (!Array.isArray(entries)) return out;
  for (const entry of entries.slice(0, MAX_ITEMS) as unknown[]) {
    if (fromReport) {
      const item = entry as { id?: unknown; severity?: unknown } | null;
      if (typeof item?.id === 'string' && typeof item.severity === 'string') out.push([item.id, item.severity]);
    } else if (Array.isArray(entry) && typeof entry[0] === 'string' && typeof entry[1] === 'string') {
      out.push([entry[0], entry[1]]);
    }
  }
  return out;
}

/** The image's report by the project's scanner: status and severity first, the items only when asked. */
async function imageReport(db: Executor, digest: string, registrationId: number): Promise<ImageReport | undefined> {
  const reports = () =>
    db.selectFrom('scan_reports').where('digest', '=', digest).where('registration_id', '=', registrationId).where('mime_type', '=', REPORT_MIME);
  const row = await reports().select(['status', 'severity', 'vulnerabilities']).executeTakeFirst();
  if (!row) return undefined;
  return {
    status: row.status,
    severity: row.severity,
    items: async () => {
      if (row.vulnerabilities !== '') return pairsOf(row.vulnerabilities, false);
      // A report stored before the column existed: read once, only now that it matters.
      const full = await reports().select('report').executeTakeFirst();
      return pairsOf(full?.report || '{}', true);
    },
  };
}

async function hasChildReport(db: Executor, artifactId: number, registrationId: number): Promise<boolean | undefined> {
  const children = await db
    .selectFrom('artifact_references as r')
    .innerJoin('artifacts as a', (join) => join.onRef('a.digest', '=', 'r.child_digest'))
    .select(['a.digest', 'a.media_type', 'a.type'])
    .where('r.artifact_id', '=', artifactId)
    .where('r.child_kind', '=', 'manifest')
    .limit(1000)
    .execute();
  const images = children.filter(scannable).map((c) => c.digest);
  if (images.length === 0) return undefined;
  const found = await db
    .selectFrom('scan_reports')
    .select('id')
    .where('digest', 'in', [...new Set(images)])
    .where('registration_id', '=', registrationId)
    .where('mime_type', '=', REPORT_MIME)
    .limit(1)
    .executeTakeFirst();
  return found !== undefined;
}

/**
 * Harbor's "prevent vulnerable images from running" as a pull gate: with the project's
 * `prevent_vul` on, an image whose report holds a vulnerability at or above `severity`
 * outside the effective allowlist, or that has no finished report, is refused with Harbor's
 * PROJECTPOLICYVIOLATION (412) and its message. What no scanner can scan passes; an index
 * needs a report of one of its images and is otherwise left to the pulls of its images, each
 * gated itself (Harbor skips image indexes the same way). A scanner's pull passes.
 */
export function vulnerabilityGate(clock: Clock, metadata: PullMetadata): PullGate {
  return {
    name: 'vulnerability',
    async beforePull(db: Executor, pull: PullRequestFacts): Promise<void> {
      const policy = await vulnerabilityPolicy(db, pull.projectId, await metadata.of(db, pull.projectId), clock.now());
      if (!policy) return;
      const { artifact } = pull;
      const index = isIndexMediaType(artifact.media_type);
      if (!index && !scannable(artifact)) return;
      const registration = await projectRegistration(db, pull.projectId);
      if (!registration || registration.disabled === 1) return;
      const threshold = policySeverity(policy.severity);
      let verdict;
      if (index) {
        const reported = await hasChildReport(db, artifact.id, registration.id);
        if (reported === undefined || reported) return;
        verdict = await judge(undefined, threshold, policy.allowlist);
      } else {
        verdict = await judge(await imageReport(db, artifact.digest, registration.id), threshold, policy.allowlist);
      }
      if (verdict.pass) return;
      if (await exemptFromPolicies(pull)) return;
      throw new PreconditionFailedError('policy', verdict.message, { severity: threshold });
    },
  };
}
