/** Responses the project's policies tab reads (tag immutability and tag retention), under the server's definition names. */
import type { Definition } from './models';

export type Selector = Definition<'RetentionSelector'>;
export type ImmutableRule = Definition<'ImmutableRule'>;
export type RetentionRule = Definition<'RetentionRule'>;
export type RetentionTemplate = RetentionRule['template'];
export type RetentionPolicy = Definition<'RetentionPolicy'>;
export type RetentionExecution = Definition<'RetentionExecution'>;
export type RetentionTask = Definition<'RetentionExecutionTask'>;
/** A rule as the portal sends it: the server numbers the rules and orders them, so a new one has neither yet. */
export type RetentionRuleBody = Omit<RetentionRule, 'id' | 'priority'> & Partial<Pick<RetentionRule, 'id' | 'priority'>>;
