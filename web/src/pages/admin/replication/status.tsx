import { Tag, Tooltip } from 'antd';
import type { TFunction } from 'i18next';
import { useTranslation } from 'react-i18next';
import type { ReplicationExecution } from '../../../api/replication-models';

/** An execution or task in progress is asked for again this often. */
export const REFRESH_MS = 2000;

/** antd's preset colours: its status colours (success…) are too pale on their background to read. */
const COLORS: Record<ReplicationExecution['status'], string> = { InProgress: 'blue', Succeed: 'green', Failed: 'red', Stopped: 'default' };

/** Harbor's execution and task statuses, in words. */
export function StatusTag({ status, title, testId }: { status: ReplicationExecution['status']; title?: string | undefined; testId: string }) {
  const { t } = useTranslation();
  const tag = (
    <Tag color={COLORS[status]} data-testid={testId}>
      {t(`replication.state.${status}`)}
    </Tag>
  );
  return title ? <Tooltip title={title}>{tag}</Tooltip> : tag;
}

/** How long a run (or a task) took, or has taken so far. */
export function durationText(start: string | null, end: string | null, t: TFunction): string {
  if (!start) return '';
  const seconds = Math.max(0, Math.round(((end ? Date.parse(end) : Date.now()) - Date.parse(start)) / 1000));
  if (seconds < 60) return t('replication.duration.seconds', { count: seconds });
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return t('replication.duration.minutes', { minutes, seconds: seconds % 60 });
  return t('replication.duration.hours', { hours: Math.floor(minutes / 60), minutes: minutes % 60 });
}
