import type { FastifyInstance } from 'fastify';
import type { PushGate } from '../content/index.js';
import type { Executor } from '../platform/db/index.js';
import { ReadOnlyError } from '../platform/errors/index.js';
import type { Settings } from '../platform/settings/index.js';

/** Whether the registry is read-only now (every instance agrees within a second: Settings reads at most once a second). */
async function isReadOnly(settings: Settings, db?: Executor): Promise<boolean> {
  return (await settings.pick(['read_only'], db)).read_only;
}

/**
 * Read-only mode at the root of content: every push, mount, tag, copy and deletion (by /v2/, the
 * API, retention or garbage collection) asks the push gates before it starts, and this one
 * refuses with Harbor's words while `read_only` is on. Pulls never ask.
 */
export function readOnlyGate(settings: Settings): PushGate {
  return {
    name: 'read-only',
    async beforeChange(db) {
      if (await isReadOnly(settings, db)) throw new ReadOnlyError();
    },
  };
}

/** What stays open in read-only mode: reads, and the switch itself (Harbor's readonly middleware skips the same). */
function exempt(method: string, url: string): boolean {
  if (method === 'GET' || method === 'HEAD' || method === 'OPTIONS') return true;
  const path = url.split('?', 1)[0] ?? '';
  return method === 'PUT' && path === '/api/v2.0/configurations';
}

/**
 * Every other change through the management API (projects, members, robots, users, policies,
 * labels, jobs…) is refused in read-only mode too, as Harbor's middleware refuses every
 * non-read request. Content changes are refused by the gate as well, whichever way they come.
 */
export function readOnlyApiGuard(scope: FastifyInstance, settings: Settings): void {
  scope.addHook('onRequest', async (request) => {
    if (exempt(request.method, request.url)) return;
    if (await isReadOnly(settings)) throw new ReadOnlyError();
  });
}
