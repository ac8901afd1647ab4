import type { Executor } from '../platform/db/index.js';
import { indexChildren, subjectLinks, untaggedCandidates } from './repo.js';

/** An artifact untagged deletion removes: on its own (`root`) or with its subject (`accessory`). */
export interface Doomed {
  id: number;
  kind: 'root' | 'accessory';
}

/**
 * The artifacts `delete_untagged` removes, in an order in which each can go when its turn
 * comes: an index before its children, a subject before its accessories.
 *
 * - root: no tag, pushed before the grace cutoff, no index in its repository listing it
 *   (other than doomed ones), and not an accessory of an artifact that stays;
 * - accessory: its subject is doomed (signatures and SBOMs go with what they describe,
 *   as when the subject is deleted through the registry), and no index that stays lists it.
 *
 * Computed in memory from three queries: one row per untagged artifact or accessory.
 */
export async function planUntagged(db: Executor, cutoff: number): Promise<Doomed[]> {
  const candidates = await untaggedCandidates(db);
  const parents = new Map<number, number[]>();
  for (const { parentId, childId } of await indexChildren(db)) parents.set(childId, [...(parents.get(childId) ?? []), parentId]);
  const subjectOf = new Map<number, number>();
  for (const { accessoryId, subjectId } of await subjectLinks(db)) subjectOf.set(accessoryId, subjectId);

  const doomed = new Set<number>();
  const order: Doomed[] = [];
  let pending = candidates;
  for (;;) {
    const round: Doomed[] = [];
    for (const a of pending) {
      if (!(parents.get(a.id) ?? []).every((p) => doomed.has(p))) continue;
      const subject = subjectOf.get(a.id);
      if (subject !== undefined && doomed.has(subject)) round.push({ id: a.id, kind: 'accessory' });
      else if (subject === undefined && !a.tagged && a.pushTime < cutoff) round.push({ id: a.id, kind: 'root' });
    }
    if (round.length === 0) return order;
    for (const d of round) doomed.add(d.id);
    order.push(...round);
    pending = pending.filter((a) => !doomed.has(a.id));
  }
}
