import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { Alert, Input, Select, Space, Tag } from 'antd';
import { useTranslation } from 'react-i18next';
import { apiUrl, getPage } from '../../api/client';
import type { AuditLog } from '../../api/admin-models';
import { formatTime } from '../format';
import { containsQuery } from '../paging';
import { useFilteredList } from './adminPaging';
import { PagedTable } from '../common/PagedTable';

const FIELDS = ['username', 'operation', 'resource', 'resource_type'] as const;

/** The audit log, newest first, paged and filtered by the server. */
export function AuditLogs() {
  const { t, i18n } = useTranslation();
  const [list, setList] = useFilteredList(FIELDS);
  const logs = useQuery({
    queryKey: ['admin', 'audit', list],
    queryFn: () =>
      getPage<AuditLog>(apiUrl('/audit-logs', {}, { page: list.page, page_size: list.pageSize, q: containsQuery(list.field, list.search), sort: '-op_time' })),
    placeholderData: keepPreviousData,
  });

  return (
    <Space direction="vertical" size="middle" style={{ width: '100%' }}>
      <Space.Compact style={{ maxWidth: 480, width: '100%' }}>
        <Select
          aria-label={t('admin.audit.filterBy')}
          value={list.field}
          onChange={(field: string) => setList({ field, page: 1 })}
          style={{ minWidth: 140 }}
          options={FIELDS.map((value) => ({ value, label: t(`admin.audit.${value}`) }))}
        />
        <Input.Search
          allowClear
          placeholder={t('admin.audit.search')}
          defaultValue={list.search}
          onSearch={(search) => setList({ search, page: 1 })}
          data-testid="audit-search"
        />
      </Space.Compact>
      {logs.error && <Alert type="error" message={logs.error.message} />}
      <PagedTable<AuditLog>
        rowKey="id"
        page={logs}
        list={list}
        setList={setList}
        columns={[
          { title: t('admin.audit.username'), dataIndex: 'username' },
          { title: t('admin.audit.resource'), dataIndex: 'resource' },
          { title: t('admin.audit.resource_type'), dataIndex: 'resource_type' },
          { title: t('admin.audit.operation'), dataIndex: 'operation' },
          {
            title: t('admin.audit.result'),
            dataIndex: 'success',
            render: (success: boolean) => (success ? <Tag color="green">{t('admin.audit.success')}</Tag> : <Tag color="red">{t('admin.audit.failure')}</Tag>),
          },
          { title: t('admin.audit.clientIp'), dataIndex: 'client_ip' },
          { title: t('admin.audit.time'), dataIndex: 'op_time', render: (time: string) => formatTime(time, i18n.language) },
        ]}
      />
    </Space>
  );
}
