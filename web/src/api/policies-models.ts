/** Response fields the project's policies tab reads (tag immutability and tag retention). */

export interface Selector {
  kind: 'doublestar';
  decoration: string;
  pattern: string;
  extras?: string;
}

export interface ImmutableRule {
  id: number;
  priority: number;
  disabled: boolean;
  action: string;
  template: string;
  params: Record<string, unknown>;
  tag_selectors: Selector[];
  scope_selectors: { repository: Selector[] };
}

export type RetentionTemplate = 'latestPushedK' | 'latestPulledN' | 'nDaysSinceLastPush' | 'nDaysSinceLastPull' | 'always';

export interface RetentionRule {
  id?: number;
  priority?: number;
  disabled?: boolean;
  action?: string;
  template: RetentionTemplate;
  params?: Record<string, unknown>;
  tag_selectors: Selector[];
  scope_selectors: { repository: Selector[] };
}

export interface RetentionPolicy {
  id: number;
  algorithm: string;
  rules: RetentionRule[];
  trigger: { kind: 'Schedule'; settings?: { cron?: string }; references?: Record<string, unknown> };
  scope: { level: 'project'; ref: number };
}

export interface RetentionExecution {
  id: number;
  policy_id: number;
  start_time: string;
  end_time: string;
  status: string;
  trigger: string;
  dry_run: boolean;
}

export interface RetentionTask {
  id: number;
  execution_id: number;
  repository: string;
  status: string;
  start_time: string;
  end_time: string;
  total: number;
  retained: number;
}
