export { EventDispatcher, type EventConsumer, type OutboxEvent } from './dispatcher.js';
export { recordEvent, recordEvents, type ChangeEvent } from './record.js';
