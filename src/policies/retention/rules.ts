import { doublestarMatch } from '../../platform/lib/index.js';
import type { RetentionRule, TagSelector } from './schema.js';

const DAY_MS = 24 * 60 * 60 * 1000;

/** An artifact of a repository as retention weighs it. */
export interface Candidate {
  id: number;
  digest: string;
  tags: string[];
  pushTime: number;
  pullTime: number | null;
}

export interface Decision {
  candidate: Candidate;
  /** Tags a rule retains, and immutable tags, which are never removed. */
  retainedTags: string[];
  /** Tags removed while the artifact stays (it keeps other retained tags). */
  deletedTags: string[];
  /** The artifact goes, with all its tags. */
  deleteArtifact: boolean;
  /** Tags kept only because an immutability rule protects them. */
  immutableTags: string[];
}

/** The repository's name inside its project, as rules' repository patterns are written. */
export function ruleAppliesTo(rule: RetentionRule, repository: string): boolean {
  if (rule.disabled) return false;
  return rule.scope_selectors.repository.every((s) =>
    s.decoration === 'repoMatches' ? doublestarMatch(s.pattern, repository) : !doublestarMatch(s.pattern, repository),
  );
}

function takesUntagged(selector: TagSelector): boolean {
  if (!selector.extras) return false;
  const extras = JSON.parse(selector.extras) as { untagged?: unknown };
  return extras.untagged === true;
}

function tagSelected(rule: RetentionRule, tag: string): boolean {
  return rule.tag_selectors.every((s) => (s.decoration === 'matches' ? doublestarMatch(s.pattern, tag) : !doublestarMatch(s.pattern, tag)));
}

/** Newest first; never pulled sorts last; ties by the later artifact. */
function byTimeDesc(time: (c: Candidate) => number | null) {
  return (a: Candidate, b: Candidate) => (time(b) ?? -1) - (time(a) ?? -1) || b.id - a.id;
}

/** Of the candidates the rule's tag selectors picked, those its template retains. */
function retainedBy(rule: RetentionRule, picked: Candidate[], now: number): Candidate[] {
  const param = Number(rule.params?.[rule.template] ?? 0);
  switch (rule.template) {
    case 'always':
      return picked;
    case 'latestPushedK':
      return [...picked].sort(byTimeDesc((c) => c.pushTime)).slice(0, param);
    case 'latestPulledN':
      // As Harbor: never-pulled artifacts sort last, so they fill the places pulled ones leave.
      return [...picked].sort(byTimeDesc((c) => c.pullTime)).slice(0, param);
    case 'nDaysSinceLastPush':
      return picked.filter((c) => c.pushTime >= now - param * DAY_MS);
    case 'nDaysSinceLastPull':
      return picked.filter((c) => c.pullTime !== null && c.pullTime >= now - param * DAY_MS);
  }
}

/**
 * Harbor's "or" algorithm over one repository: an artifact's tag is retained when any rule
 * that applies to the repository selects and retains it; an untagged artifact is retained
 * when a rule taking untagged artifacts retains it. An artifact left with no retained tag is
 * deleted; one that keeps some loses only its other tags. Immutable tags always stay.
 */
export function decide(
  rules: readonly RetentionRule[],
  repository: string,
  candidates: readonly Candidate[],
  isImmutable: (tag: string) => boolean,
  now: number,
): Decision[] {
  const applicable = rules.filter((rule) => ruleAppliesTo(rule, repository));
  const kept = new Map<number, Set<string>>();
  const untaggedKept = new Set<number>();
  for (const rule of applicable) {
    const untagged = rule.tag_selectors.some(takesUntagged);
    const picked = candidates.filter((c) => (c.tags.length === 0 ? untagged : c.tags.some((t) => tagSelected(rule, t))));
    for (const candidate of retainedBy(rule, picked, now)) {
      if (candidate.tags.length === 0) {
        untaggedKept.add(candidate.id);
        continue;
      }
      const set = kept.get(candidate.id) ?? new Set<string>();
      for (const tag of candidate.tags) if (tagSelected(rule, tag)) set.add(tag);
      kept.set(candidate.id, set);
    }
  }
  return candidates.map((candidate) => {
    const byRule = kept.get(candidate.id) ?? new Set<string>();
    const immutableTags = candidate.tags.filter((t) => !byRule.has(t) && isImmutable(t));
    const retainedTags = candidate.tags.filter((t) => byRule.has(t) || immutableTags.includes(t));
    const stays = candidate.tags.length === 0 ? untaggedKept.has(candidate.id) : retainedTags.length > 0;
    return {
      candidate,
      retainedTags,
      deletedTags: stays ? candidate.tags.filter((t) => !retainedTags.includes(t)) : [],
      deleteArtifact: !stays,
      immutableTags,
    };
  });
}

/** The decisions as the table a retention task writes to its log. */
export function decisionTable(decisions: readonly Decision[]): string[] {
  const header = ['Digest', 'Retained tags', 'Deleted tags', 'Pushed', 'Pulled', 'Decision'];
  const rows = decisions.map((d) => [
    d.candidate.digest,
    d.retainedTags.map((t) => (d.immutableTags.includes(t) ? `${t} (immutable)` : t)).join(',') || '-',
    (d.deleteArtifact ? d.candidate.tags : d.deletedTags).join(',') || '-',
    new Date(d.candidate.pushTime).toISOString(),
    d.candidate.pullTime === null ? '-' : new Date(d.candidate.pullTime).toISOString(),
    d.deleteArtifact ? 'DELETED' : 'RETAINED',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: readonly string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  const rule = `+${widths.map((w) => '-'.repeat(w + 2)).join('+')}+`;
  return [rule, line(header), rule, ...rows.map(line), rule];
}
