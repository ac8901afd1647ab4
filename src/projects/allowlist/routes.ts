import { requireAuthenticated, requireSystem, type ApiFeature } from '../../api/index.js';
import { parseBody } from '../../platform/http/index.js';
import { allowlistJson, cveAllowlistReq, findAllowlist, SYSTEM_ALLOWLIST, validateAllowlist } from './allowlist.js';
import { replaceSystemAllowlist } from './service.js';

/** Harbor's system CVE allowlist: every signed-in user reads it, who may update the configuration replaces it. */
export const systemAllowlistApi: ApiFeature = (scope, deps) => {
  scope.get('/system/CVEAllowlist', async (request) => {
    requireAuthenticated(request);
    const row = await findAllowlist(deps.database.db, SYSTEM_ALLOWLIST);
    const now = deps.clock.now();
    return allowlistJson(row, SYSTEM_ALLOWLIST, { created: now, updated: now });
  });

  scope.put('/system/CVEAllowlist', async (request, reply) => {
    const caller = requireSystem(request, deps.access, 'configuration', 'update');
    const input = validateAllowlist(parseBody(cveAllowlistReq, request.body));
    await replaceSystemAllowlist(deps.database, input, { identity: caller.identity, clientIp: request.ip }, deps.clock.now());
    reply.code(200).send();
  });
};
