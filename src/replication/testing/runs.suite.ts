import { setTimeout as sleep } from 'node:timers/promises';
import { api, expectJson } from '../../testing/api.js';

type Json = Record<string, unknown>;

/**
 * Starts a run of the policy through the API, as a user's Replicate does, and answers the
 * execution once it has ended; a run still going after `timeoutMs` fails the test.
 */
export async function runPolicyToEnd(baseUrl: string, policyId: number, options: { authorization?: string; timeoutMs?: number } = {}): Promise<Json> {
  const auth = options.authorization ? { authorization: options.authorization } : {};
  const started = await api(baseUrl, 'POST', '/replication/executions', { body: { policy_id: policyId }, ...auth });
  await expectJson(started, 201);
  const id = Number((started.headers.get('location') ?? '').split('/').pop());
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  while (Date.now() < deadline) {
    const execution = await expectJson<Json>(await api(baseUrl, 'GET', `/replication/executions/${id}`, auth), 200);
    if (execution.status !== 'InProgress') return execution;
    await sleep(100);
  }
  throw new Error(`execution ${id} did not finish`);
}
