import { useQuery } from '@tanstack/react-query';
import { Progress, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { apiUrl, getJson } from '../api/client';
import type { Quota } from '../api/models';
import { formatBytes } from './format';

/** The project's storage use against its limit (-1: no limit), from GET /quotas. */
export function QuotaBar({ projectId }: { projectId: number }) {
  const { t } = useTranslation();
  const quota = useQuery({
    queryKey: ['quotas', projectId],
    queryFn: async () => (await getJson<Quota[]>(apiUrl('/quotas', {}, { reference: 'project', reference_id: projectId })))[0] ?? null,
  });
  if (!quota.data) return <Typography.Text type="secondary">{quota.error ? quota.error.message : '…'}</Typography.Text>;
  const { used, hard } = quota.data;
  if (hard.storage < 0) return <Typography.Text>{t('projects.unlimited', { used: formatBytes(used.storage) })}</Typography.Text>;
  const percent = hard.storage === 0 ? 100 : Math.min(100, Math.round((used.storage / hard.storage) * 100));
  return (
    <Progress
      aria-label={t('projects.quota')}
      percent={percent}
      size="small"
      status={percent >= 100 ? 'exception' : 'normal'}
      format={() => `${formatBytes(used.storage)} / ${formatBytes(hard.storage)}`}
      style={{ minWidth: 160 }}
    />
  );
}
