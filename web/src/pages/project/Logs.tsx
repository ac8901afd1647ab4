import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { Alert, Input, Select, Space, Tag } from 'antd';
import { useTranslation } from 'react-i18next';
import { apiUrl, getPage } from '../../api/client';
import type { AuditLog } from '../../api/project-models';
import { formatTime } from '../format';
import { useListState } from '../paging';
import { type ProjectTabProps } from './shared';
import { PagedTable } from '../common/PagedTable';

const OPERATIONS = ['create', 'update', 'delete', 'push', 'pull'];
const RESOURCE_TYPES = ['artifact', 'tag', 'repository', 'member', 'robot', 'label', 'project', 'quota', 'immutable-rule', 'retention', 'webhook-policy'];

interface Filters {
  operation?: string;
  resource_type?: string;
  resource?: string;
}

/** The filters travel in the URL as Harbor's `q` itself: `operation=push,resource=~hello`. */
function parseFilters(q: string): Filters {
  const filters: Filters = {};
  for (const part of q.split(',')) {
    const match = /^(operation|resource_type|resource)=~?(.*)$/.exec(part);
    if (match?.[1] && match[2]) filters[match[1] as keyof Filters] = match[2];
  }
  return filters;
}

function formatFilters(filters: Filters): string {
  const clean = (text: string) => text.replace(/[,{}()]/g, '').trim();
  const parts: string[] = [];
  if (filters.operation) parts.push(`operation=${filters.operation}`);
  if (filters.resource_type) parts.push(`resource_type=${filters.resource_type}`);
  if (filters.resource && clean(filters.resource)) parts.push(`resource=~${clean(filters.resource)}`);
  return parts.join(',');
}

/** The project's audit log, newest first, paged and filtered by the server. */
export default function Logs({ project }: ProjectTabProps) {
  const { t, i18n } = useTranslation();
  const [list, setList] = useListState();
  const filters = parseFilters(list.search);
  const filter = (next: Filters) => setList({ search: formatFilters({ ...filters, ...next }), page: 1 });
  const logs = useQuery({
    queryKey: ['project-logs', project.name, list],
    queryFn: () =>
      getPage<AuditLog>(
        apiUrl(
          '/projects/{project_name}/logs',
          { project_name: project.name },
          { page: list.page, page_size: list.pageSize, q: list.search || undefined, sort: '-op_time' },
        ),
      ),
    placeholderData: keepPreviousData,
  });

  return (
    <Space direction="vertical" size="middle" style={{ width: '100%' }}>
      <Space wrap>
        <Select
          allowClear
          aria-label={t('project.logs.operation')}
          placeholder={t('project.logs.anyOperation')}
          value={filters.operation}
          onChange={(operation?: string) => filter({ operation })}
          options={OPERATIONS.map((op) => ({ value: op, label: t(`project.logs.op.${op}`) }))}
          style={{ minWidth: 160 }}
          data-testid="log-operation"
        />
        <Select
          allowClear
          aria-label={t('project.logs.resourceType')}
          placeholder={t('project.logs.anyResourceType')}
          value={filters.resource_type}
          onChange={(resource_type?: string) => filter({ resource_type })}
          options={RESOURCE_TYPES.map((type) => ({ value: type, label: type }))}
          style={{ minWidth: 180 }}
          data-testid="log-resource-type"
        />
        <Input.Search
          allowClear
          placeholder={t('project.logs.searchResource')}
          defaultValue={filters.resource}
          onSearch={(resource) => filter({ resource })}
          style={{ maxWidth: 280 }}
        />
      </Space>
      {logs.error && <Alert type="error" message={logs.error.message} />}
      <PagedTable<AuditLog>
        rowKey="id"
        page={logs}
        list={list}
        setList={setList}
        columns={[
          { title: t('project.logs.time'), dataIndex: 'op_time', render: (time: string) => formatTime(time, i18n.language) },
          { title: t('project.logs.user'), dataIndex: 'username' },
          {
            title: t('project.logs.operation'),
            dataIndex: 'operation',
            render: (op: string, log) => <Tag color={log.success === false ? 'red' : undefined}>{OPERATIONS.includes(op) ? t(`project.logs.op.${op}`) : op}</Tag>,
          },
          { title: t('project.logs.resourceType'), dataIndex: 'resource_type' },
          { title: t('project.logs.resource'), dataIndex: 'resource' },
        ]}
      />
    </Space>
  );
}
