export { EventDispatcher, type EventConsumer, type OutboxEvent } from './dispatcher.js';
