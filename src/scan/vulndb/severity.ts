import type cvss from 'ae-cvss-calculator';
import type { PreferredCvss, Severity } from '../report/types.js';
import type { OsvRecord, OsvSeverity } from './osv.js';

/** The CVSS calculator, loaded by {@link loadCvssCalculator} when an import starts: the server does not load it until then. */
let calculator: typeof cvss | undefined;

/** Loads the calculator {@link scoreRecord} needs; an import awaits this before it scores records. */
export async function loadCvssCalculator(): Promise<void> {
  // The package is CommonJS built by webpack: Node's ESM loader sees only its default export,
  // while tsx (which runs the tests) hands over its named exports and no default.
  const loaded = await import('ae-cvss-calculator');
  calculator ??= loaded.default ?? loaded;
}

/** Harbor's bands over a CVSS base score. */
export function severityForScore(score: number): Severity {
  if (score >= 9) return 'Critical';
  if (score >= 7) return 'High';
  if (score >= 4) return 'Medium';
  if (score > 0) return 'Low';
  return 'Unknown';
}

/** GitHub's labels (GHSA `database_specific.severity`) and other databases' spellings. */
const LABELS: Readonly<Record<string, Severity>> = {
  CRITICAL: 'Critical',
  HIGH: 'High',
  MODERATE: 'Medium',
  MEDIUM: 'Medium',
  LOW: 'Low',
  NEGLIGIBLE: 'Negligible',
  UNIMPORTANT: 'Negligible',
};

/** Scores by vector: an import meets the same few thousand vectors again and again, and scoring one costs a fraction of a millisecond. */
const scores = new Map<string, number | undefined>();
const MAX_CACHED_SCORES = 10_000;

/** The base score of a vector, or undefined when it is not a complete vector of its version. */
function score(type: string, vector: string): number | undefined {
  const key = `${type} ${vector}`;
  if (scores.has(key)) return scores.get(key);
  const value = computeScore(type, vector);
  if (scores.size >= MAX_CACHED_SCORES) scores.clear();
  scores.set(key, value);
  return value;
}

function computeScore(type: string, vector: string): number | undefined {
  if (calculator === undefined) throw new Error('the CVSS calculator is not loaded: await loadCvssCalculator() first');
  const { Cvss2, Cvss3P0, Cvss3P1, Cvss4P0 } = calculator;
  try {
    const parsed =
      type === 'CVSS_V2'
        ? new Cvss2(vector)
        : type === 'CVSS_V4'
          ? new Cvss4P0(vector)
          : vector.startsWith('CVSS:3.0/')
            ? new Cvss3P0(vector)
            : vector.startsWith('CVSS:3.1/')
              ? new Cvss3P1(vector)
              : undefined;
    if (parsed === undefined || !parsed.isBaseFullyDefined()) return undefined;
    const overall = parsed.calculateScores().overall;
    return Number.isFinite(overall) ? overall : undefined;
  } catch {
    // The calculator throws plain errors on vectors it cannot read: such a vector has no score.
    return undefined;
  }
}

export interface ScoredSeverity {
  preferred: PreferredCvss;
  label: Severity;
}

/**
 * Harbor's preferred_cvss and severity for a record: the CVSS v3 score if there is one, else
 * v4, else v2 (v4 has no place in Harbor's preferred_cvss but still decides the band); without
 * a scorable vector, the database's own label (`database_specific.severity`). Needs
 * {@link loadCvssCalculator} to have run.
 */
export function scoreRecord(record: OsvRecord): ScoredSeverity {
  const vectors: readonly OsvSeverity[] = record.severity ?? record.affected?.find((a) => a.severity?.length)?.severity ?? [];
  const preferred: PreferredCvss = {};
  let v4: number | undefined;
  for (const { type, score: vector } of vectors) {
    const value = score(type, vector);
    if (value === undefined) continue;
    if (type === 'CVSS_V3' && preferred.score_v3 === undefined) Object.assign(preferred, { score_v3: value, vector_v3: vector });
    else if (type === 'CVSS_V2' && preferred.score_v2 === undefined) Object.assign(preferred, { score_v2: value, vector_v2: vector });
    else if (type === 'CVSS_V4' && v4 === undefined) v4 = value;
  }
  const best = preferred.score_v3 ?? v4 ?? preferred.score_v2;
  if (best !== undefined) return { preferred, label: severityForScore(best) };
  const own = record.database_specific?.severity;
  const label = typeof own === 'string' ? LABELS[own.toUpperCase()] : undefined;
  return { preferred, label: label ?? 'Unknown' };
}

/**
 * Debian's per-package urgency (`ecosystem_specific.urgency`) where the record has no severity
 * of its own: the security tracker's "unimportant" is Harbor's Negligible.
 */
export function severityFromUrgency(ecosystemSpecific: Record<string, unknown> | undefined): Severity | undefined {
  const urgency = ecosystemSpecific?.urgency;
  if (typeof urgency !== 'string') return undefined;
  const word = urgency.replace(/\*+$/, '').trim().toUpperCase();
  if (word === 'UNIMPORTANT') return 'Negligible';
  if (word === 'LOW' || word === 'MEDIUM' || word === 'HIGH') return LABELS[word];
  return undefined;
}
