import type { ApiDeps } from '../api/index.js';
import type { FeatureModule } from '../platform/index.js';
import { webhookConsumer, webhookTasks } from './jobs.js';
import { webhooksApi } from './routes.js';
import { webhookTestApi } from './test-route.js';

export { ExecutionShape, MetricsShape, SupportedWebhookEventTypesShape, TaskShape, WebhookPolicyShape, WebhookTargetObjectShape } from './shapes.js';
export { WEBHOOK_EVENT_TYPES, type WebhookEventType } from './schema.js';

/** Webhook policies, their API, and delivery: the outbox consumer and the delivery task. */
export const webhooksModule: FeatureModule<ApiDeps> = {
  name: 'webhooks',
  async api(scope, deps) {
    await webhookTestApi(scope, deps);
    await webhooksApi(scope, deps);
  },
  tasks: (deps) => webhookTasks(deps.config),
  consumers: (deps) => ({ webhooks: webhookConsumer(deps.config, deps.jobs, deps.settings) }),
};
