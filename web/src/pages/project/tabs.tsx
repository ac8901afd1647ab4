import { Alert, type TabsProps } from 'antd';
import type { ComponentType } from 'react';
import type { TFunction } from 'i18next';
import type { Project } from '../../api/models';
import { lazyPage } from '../../lazyPage';
import type { ProjectTabProps } from './shared';

const Summary = lazyPage(() => import('./Summary'));
const Members = lazyPage(() => import('./Members'));
const Robots = lazyPage(() => import('./Robots'));
const Labels = lazyPage(() => import('./Labels'));
const Logs = lazyPage(() => import('./Logs'));
const Configuration = lazyPage(() => import('./Configuration'));
const Signing = lazyPage(() => import('./Signing'));
const Scanner = lazyPage(() => import('./Scanner'));
const Webhooks = lazyPage(() => import('../webhooks/Webhooks'));
const Policies = lazyPage(() => import('../policies/Policies'));

interface TabDefinition {
  key: string;
  component: ComponentType<ProjectTabProps>;
  /** The permission that shows the tab: resource '.' is the project itself. */
  needs: [string, string];
  /** The label's key, when it is not `project.tabs.<key>`. */
  label?: string;
}

const TABS: TabDefinition[] = [
  { key: 'summary', component: Summary, needs: ['.', 'read'] },
  { key: 'members', component: Members, needs: ['member', 'list'] },
  { key: 'robots', component: Robots, needs: ['robot', 'list'] },
  { key: 'labels', component: Labels, needs: ['label', 'list'] },
  { key: 'logs', component: Logs, needs: ['log', 'list'] },
  { key: 'policies', component: Policies, needs: ['tag-retention', 'read'], label: 'policies.tab' },
  { key: 'scanner', component: Scanner, needs: ['scanner', 'read'], label: 'scanPolicy.scanner.tab' },
  { key: 'configuration', component: Configuration, needs: ['configuration', 'read'] },
  { key: 'signing', component: Signing, needs: ['configuration', 'read'], label: 'trust.project.tab' },
  { key: 'webhooks', component: Webhooks, needs: ['notification-policy', 'read'], label: 'webhooks.tab' },
];

export const PROJECT_TAB_KEYS = TABS.map((tab) => tab.key);

/** The project's tabs beside its repositories, those the user's role may see. */
export function projectTabs(
  t: TFunction,
  project: Project | undefined,
  permissions: { loaded: boolean; error: Error | null; can: ProjectTabProps['can'] },
): NonNullable<TabsProps['items']> {
  if (!project) return [];
  if (permissions.error) return [{ key: 'error', label: t('project.tabs.error'), children: <Alert type="error" message={permissions.error.message} /> }];
  if (!permissions.loaded) return [];
  return TABS.filter((tab) => permissions.can(...tab.needs)).map(({ key, component: Tab, label }) => ({
    key,
    label: t(label ?? `project.tabs.${key}`),
    children: <Tab project={project} can={permissions.can} />,
  }));
}
