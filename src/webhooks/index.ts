import type { ApiFeature } from '../api/index.js';
import { registerWebhookDelivery, webhookConsumer } from './jobs.js';
import { webhooksApi } from './routes.js';
import { webhookTestApi } from './test-route.js';

export { WEBHOOK_EVENT_TYPES, type WebhookEventType } from './schema.js';

/** Webhook policies, their API, and delivery: the outbox consumer and the delivery task. */
export const webhooksFeature: ApiFeature = async (scope, deps) => {
  registerWebhookDelivery(deps.jobs);
  deps.events.subscribe('webhooks', webhookConsumer(deps.config, deps.jobs));
  await webhookTestApi(scope, deps);
  await webhooksApi(scope, deps);
};
