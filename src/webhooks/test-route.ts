import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { parseBody, PrivateTargetError } from '../platform/http/index.js';
import { projectByNameOrId, requireProject, type ApiFeature } from '../api/index.js';
import { identityName } from '../auth/index.js';
import { ApiError } from '../platform/errors/index.js';
import { post } from './deliver.js';
import { webhookTarget, type WebhookTarget } from './schema.js';
import { refusePrivateTargets } from './targets.js';

const testBody = z.object({ targets: z.array(webhookTarget).min(1).max(10) }).passthrough();

/** A harmless message in the target's format, so a receiver can tell a test from an event. */
function testPayload(target: WebhookTarget, projectName: string, projectId: number, operator: string, now: number): { body: string; contentType: string } {
  if (target.type === 'slack') return { body: JSON.stringify({ text: `Berth webhook test from project ${projectName}` }), contentType: 'application/json' };
  if (target.payload_format === 'CloudEvents') {
    return {
      body: JSON.stringify({
        specversion: '1.0',
        id: randomUUID(),
        source: `/projects/${projectId}/webhook/policies`,
        type: 'berth.webhook.test',
        datacontenttype: 'application/json',
        time: new Date(now).toISOString(),
        operator,
        data: { project_name: projectName },
      }),
      contentType: 'application/cloudevents+json',
    };
  }
  return {
    body: JSON.stringify({ type: 'TEST', occur_at: Math.floor(now / 1000), operator, event_data: { project_name: projectName } }),
    contentType: 'application/json',
  };
}

/**
 * `POST /projects/{p}/webhook/policies/test` (the portal's "test endpoint", which Harbor 1.x
 * served and 2.x dropped from its API): sends a test message to each target now and answers
 * 200 when every one took it, 400 naming the first that did not.
 */
export const webhookTestApi: ApiFeature = (scope, deps) => {
  scope.post<{ Params: { project: string } }>('/projects/:project/webhook/policies/test', async (request, reply) => {
    const { project, caller } = await requireProject(request, deps, projectByNameOrId(request, request.params.project), 'notification-policy', 'create');
    const { targets } = parseBody(testBody, request.body);
    refusePrivateTargets(targets, deps.config);
    const operator = identityName(caller.identity);
    for (const target of targets) {
      const { body, contentType } = testPayload(target, project.name, project.id, operator, deps.clock.now());
      let status: number;
      try {
        status = await post(target, body, contentType, AbortSignal.timeout(10_000), deps.config.outbound.allowPrivateNetworks);
      } catch (err) {
        // A refused private target was never connected to: the message tells nothing of its ports.
        if (err instanceof PrivateTargetError) throw new ApiError('BAD_REQUEST', `the target ${target.address} was not tested: ${err.message}`);
        throw new ApiError('BAD_REQUEST', `the target ${target.address} could not be reached: ${(err as Error).message}`);
      }
      if (status < 200 || status > 299) throw new ApiError('BAD_REQUEST', `the target ${target.address} answered ${status}`);
    }
    return reply.code(200).send();
  });
};
