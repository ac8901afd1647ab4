/** Responses the webhooks tab and the header's search read, under the server's definition names. */
import type { Definition } from './models';

export type WebhookTarget = Definition<'WebhookTargetObject'>;
export type WebhookPolicy = Definition<'WebhookPolicy'>;
export type WebhookEvents = Definition<'SupportedWebhookEventTypes'>;
export type WebhookExecution = Definition<'Execution'>;
export type WebhookTask = Definition<'Task'>;
export type SearchResult = Definition<'Search'>;
