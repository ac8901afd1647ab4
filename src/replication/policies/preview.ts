import { z } from 'zod';
import type { Database } from '../../platform/db/index.js';
import { InvalidInputError, UnprocessableError } from '../../platform/errors/index.js';
import { RegistryError } from '../../platform/registry-client/index.js';
import { destinationRepository } from '../engine/namespace.js';
import { localSelection, type Selected } from '../runs/candidates.js';
import type { RegistryClients } from '../runs/endpoints.js';
import { sourceSelection } from '../runs/source-selection.js';
import type { RegistryService } from '../service.js';
import type { ReplicationPreviewShape } from '../shapes.js';
import { policyBodySchema } from './schema.js';

/** A preview lists at most this many artifacts (a caller may ask for fewer); `total` still counts all a run would copy. */
export const PREVIEW_LIMIT = 500;

/** The body of a preview: a policy as it would be saved, its name not needed yet. */
export const previewBodySchema = policyBodySchema.extend({ name: z.string().max(255).optional() });
export type PreviewBody = z.infer<typeof previewBodySchema>;

type Preview = z.infer<typeof ReplicationPreviewShape>;

const sideOf = (ref: PreviewBody['src_registry']): number | null => (ref && ref.id > 0 ? ref.id : null);

/**
 * What a policy, saved or not, would replicate if it ran now: the same selection a run's planning
 * makes (this registry's artifacts for a push policy, the remote's for a pull one), and
 * where each would land.
 */
export async function previewPolicy(
  deps: { database: Database; registries: RegistryService; clients: RegistryClients },
  body: PreviewBody,
  limit: number,
  signal: AbortSignal,
): Promise<Preview> {
  const src = sideOf(body.src_registry);
  const dest = sideOf(body.dest_registry);
  if ((src === null) === (dest === null))
    throw new InvalidInputError('policy', 'set either src_registry (pull from a remote registry) or dest_registry (push to one): the other side is this registry');
  const remote = (src ?? dest)!;
  const exists = await deps.database.db.selectFrom('registries').select('id').where('id', '=', remote).executeTakeFirst();
  if (!exists) throw new InvalidInputError('policy', `registry ${remote} not found`);
  const filters = body.filters ?? [];
  let selected: Selected[];
  if (src !== null) {
    try {
      selected = await sourceSelection(deps, src, filters, signal);
    } catch (error) {
      // The remote's answer is the caller's to fix (address, credentials), not a fault here.
      if (error instanceof RegistryError) throw new UnprocessableError('input', `the source registry could not be listed: ${error.message}`);
      throw error;
    }
  } else selected = await localSelection(deps.database.db, filters);
  const namespace = body.dest_namespace ?? '';
  const count = body.dest_namespace_replace_count ?? -1;
  return {
    total: selected.length,
    truncated: selected.length > limit,
    limit,
    items: selected.slice(0, limit).map((s) => ({
      repository: s.repository,
      digest: s.digest,
      tags: [...s.tags],
      dest_repository: destinationRepository(s.repository, namespace, count),
    })),
  };
}
