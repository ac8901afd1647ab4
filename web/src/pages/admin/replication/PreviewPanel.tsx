import { useQuery } from '@tanstack/react-query';
import { Alert, Table, Tag, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { apiUrl, callJson } from '../../../api/client';
import type { ReplicationPolicyBody, ReplicationPreview } from '../../../api/replication-models';

type Item = ReplicationPreview['items'][number];

/** What a rule (as entered, saved or not) would replicate now: POST /replication/policies/preview. */
export function PreviewPanel({ body }: { body: ReplicationPolicyBody }) {
  const { t } = useTranslation();
  const preview = useQuery({
    queryKey: ['admin', 'replication', 'preview', body],
    queryFn: () => callJson<ReplicationPreview>('POST', apiUrl('/replication/policies/preview'), body),
    retry: false,
    staleTime: 0,
    gcTime: 0,
  });
  return (
    <div data-testid="rule-preview-result" style={{ marginTop: 16 }}>
      <Typography.Title level={5}>{t('replication.preview.title')}</Typography.Title>
      {preview.error && <Alert type="error" message={preview.error.message} data-testid="rule-preview-error" />}
      {preview.data && (
        <Alert
          type={preview.data.total === 0 ? 'warning' : 'info'}
          style={{ marginBottom: 8 }}
          data-testid="rule-preview-summary"
          message={
            preview.data.total === 0
              ? t('replication.preview.none')
              : preview.data.truncated
                ? t('replication.preview.truncated', { shown: preview.data.items.length, total: preview.data.total })
                : t('replication.preview.total', { count: preview.data.total })
          }
        />
      )}
      <Table<Item>
        size="small"
        rowKey={(item) => `${item.repository}@${item.digest}`}
        loading={preview.isFetching}
        dataSource={preview.data?.items ?? []}
        pagination={{ pageSize: 10, hideOnSinglePage: true, showSizeChanger: false }}
        scroll={{ x: 'max-content' }}
        columns={[
          { title: t('replication.preview.repository'), dataIndex: 'repository' },
          {
            title: t('replication.preview.tags'),
            dataIndex: 'tags',
            render: (tags: string[]) =>
              tags.length === 0 ? (
                <Typography.Text type="secondary">{t('replication.preview.untagged')}</Typography.Text>
              ) : (
                tags.map((tag) => <Tag key={tag}>{tag}</Tag>)
              ),
          },
          {
            title: t('replication.preview.digest'),
            dataIndex: 'digest',
            render: (digest: string) => (
              <Typography.Text code title={digest}>
                {digest.slice(0, 19)}
              </Typography.Text>
            ),
          },
          { title: t('replication.preview.destination'), dataIndex: 'dest_repository' },
        ]}
      />
    </div>
  );
}
