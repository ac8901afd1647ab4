import type { PushGate } from '../../content/index.js';
import { PreconditionFailedError } from '../../platform/errors/index.js';
import { firstImmutableTag } from './check.js';

/**
 * Immutability as a push gate: a tag a rule protects is never moved to other content or
 * deleted, whether by a push, the API, a copy or retention. The registry answers DENIED, the
 * API 412, with this one message.
 */
export const immutabilityGate: PushGate = {
  name: 'immutability',
  async tagsChanging(trx, { repository, tags }) {
    const first = await firstImmutableTag(trx, repository.project_id, repository.name, tags);
    if (first !== undefined) {
      throw new PreconditionFailedError('tag', `the tag ${repository.name}:${first} is immutable and cannot be moved or deleted`, { tag: first });
    }
  },
};
