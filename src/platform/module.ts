import type { FastifyInstance } from 'fastify';
import type { EventConsumer } from './events/index.js';
import type { ScheduleHandler, TaskHandler } from './jobs/index.js';
import type { SealedColumn } from './secrets/index.js';

/** The parts an instance runs: `web` serves requests, `worker` runs tasks, schedules and the outbox, `all` both. */
export const SERVER_ROLES = ['web', 'worker', 'all'] as const;

export type ServerRole = (typeof SERVER_ROLES)[number];

/** What a role does. */
export function roleRuns(role: ServerRole): { requests: boolean; background: boolean } {
  return { requests: role !== 'worker', background: role !== 'web' };
}

/**
 * A schedule the system keeps for itself (vendor id -1): created when a worker starts if absent,
 * its cron brought up to date if it changed, and fired once across instances like any other.
 */
export interface SystemSchedule {
  vendorType: string;
  /** Six fields, seconds first, UTC. */
  cron: string;
  handler: ScheduleHandler;
}

/**
 * What a feature contributes to the one service. Every member is optional; `app.ts` holds the
 * list of modules and assembles them for the instance's role. `Deps` is what the feature needs
 * (the app passes a superset); `GateSet` the kind of push and pull gates it can contribute.
 */
export interface FeatureModule<Deps, GateSet = never> {
  readonly name: string;
  /** Routes every role serves (liveness, readiness, metrics), registered before anything else. */
  probes?(app: FastifyInstance, deps: Deps): void | Promise<void>;
  /** Management API routes, inside the authenticated /api/v2.0 scope. Roles that serve requests. */
  api?(scope: FastifyInstance, deps: Deps): void | Promise<void>;
  /** Other routes (/v2/, the token service, browser sessions…). Roles that serve requests. */
  routes?(app: FastifyInstance, deps: Deps): void | Promise<void>;
  /** Task handlers by task kind; the workers of roles that run background work claim these kinds. */
  tasks?(deps: Deps): Readonly<Record<string, TaskHandler>>;
  /** What a due schedule of a vendor type (GC, a retention policy…) queues; the schedule rows are the feature's own. */
  scheduleHandlers?(deps: Deps): Readonly<Record<string, ScheduleHandler>>;
  /** Outbox consumers by name, run by the dispatcher of roles that run background work. */
  consumers?(deps: Deps): Readonly<Record<string, EventConsumer>>;
  /** Periodic work, as system schedules. */
  schedules?(deps: Deps): readonly SystemSchedule[];
  /** Gauges read when /metrics is scraped (storage used, queue depth…): no timer runs for them in between. Every role. */
  metrics?(deps: Deps): void;
  /** Push and pull gates content changes and pulls must pass. */
  gates?(deps: Deps): GateSet;
  /** Columns holding secrets sealed by the app's SecretBox: checked at start, re-encrypted by "berth secrets rotate". */
  readonly sealedColumns?: readonly SealedColumn[];
}
