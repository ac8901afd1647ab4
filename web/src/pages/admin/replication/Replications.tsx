import { keepPreviousData, useQuery, useQueryClient } from '@tanstack/react-query';
import { Alert, Button, Popconfirm, Space, Tag, Tooltip, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { apiUrl, call, getPage } from '../../../api/client';
import type { ReplicationPolicy } from '../../../api/replication-models';
import { ConfirmDelete } from '../../common/ConfirmDelete';
import { ListToolbar } from '../../common/ListToolbar';
import { PagedTable } from '../../common/PagedTable';
import { useRunAction } from '../../common/useRunAction';
import { nameQuery, useListState } from '../../paging';
import { Executions, EXECUTIONS_KEY } from './Executions';
import { RuleForm } from './RuleForm';
import { modeOf } from './rules';

export const RULES_KEY = ['admin', 'replication', 'rules'];

const side = (registry: ReplicationPolicy['src_registry'], local: string) => (registry.id > 0 ? (registry.name ?? `#${registry.id}`) : local);

/** Administration → Replications: the rules, paged and searched by name, and the executions of one or all. */
export function Replications() {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const [list, setList] = useListState();
  const [editing, setEditing] = useState<ReplicationPolicy | 'new'>();
  const [selected, setSelected] = useState<ReplicationPolicy>();
  const rules = useQuery({
    queryKey: [...RULES_KEY, list],
    queryFn: () =>
      getPage<ReplicationPolicy>(apiUrl('/replication/policies', {}, { page: list.page, page_size: list.pageSize, q: nameQuery(list.search), sort: 'name' })),
    placeholderData: keepPreviousData,
  });
  const refresh = () => queryClient.invalidateQueries({ queryKey: ['admin', 'replication'] });
  const run = useRunAction(refresh);
  const remove = (rule: ReplicationPolicy) =>
    run(
      async () => {
        await call('DELETE', apiUrl('/replication/policies/{id}', { id: rule.id }));
        if (selected?.id === rule.id) setSelected(undefined);
      },
      t('replication.deleted', { name: rule.name }),
    );
  const replicate = (rule: ReplicationPolicy) =>
    run(
      async () => {
        await call('POST', apiUrl('/replication/executions'), { policy_id: rule.id });
        setSelected(rule);
        await queryClient.invalidateQueries({ queryKey: EXECUTIONS_KEY });
      },
      t('replication.started', { name: rule.name }),
    );

  return (
    <Space direction="vertical" size="middle" style={{ width: '100%' }}>
      <Typography.Title level={3} style={{ margin: 0 }}>
        {t('replication.title')}
      </Typography.Title>
      <ListToolbar list={list} setList={setList} placeholder={t('replication.search')}>
        <Button type="primary" onClick={() => setEditing('new')} data-testid="new-rule">
          {t('replication.new')}
        </Button>
      </ListToolbar>
      {rules.error && <Alert type="error" message={rules.error.message} />}
      <PagedTable<ReplicationPolicy>
        rowKey="id"
        page={rules}
        list={list}
        setList={setList}
        rowSelection={{
          type: 'radio',
          selectedRowKeys: selected ? [selected.id] : [],
          onChange: (_, rows) => setSelected(rows[0]),
          columnTitle: t('replication.showExecutions'),
        }}
        columns={[
          { title: t('replication.name'), dataIndex: 'name' },
          {
            title: t('replication.status'),
            dataIndex: 'enabled',
            render: (enabled: boolean) => (
              <Tag color={enabled ? 'green' : 'default'} data-testid="rule-status">
                {t(enabled ? 'replication.enabled' : 'replication.disabled')}
              </Tag>
            ),
          },
          {
            title: t('replication.sourceToDestination'),
            key: 'sides',
            render: (_, rule) => (
              <span data-testid="rule-sides">
                {side(rule.src_registry, t('replication.local'))} → {side(rule.dest_registry, t('replication.local'))}
                {rule.dest_namespace ? ` / ${rule.dest_namespace}` : ''}
              </span>
            ),
          },
          {
            title: t('replication.mode'),
            key: 'mode',
            render: (_, rule) => <span data-testid="rule-mode">{t(modeOf(rule) === 'pull' ? 'replication.pullBased' : 'replication.pushBased')}</span>,
          },
          {
            title: t('replication.trigger'),
            key: 'trigger',
            render: (_, rule) => (
              <span data-testid="rule-trigger-cell">
                {t(`replication.trigger.${rule.trigger.type}`)}
                {rule.trigger.type === 'scheduled' && <Typography.Text code>{rule.trigger.trigger_settings.cron}</Typography.Text>}
              </span>
            ),
          },
          {
            title: t('replication.description'),
            dataIndex: 'description',
            render: (description: string) => (
              <Tooltip title={description}>
                <Typography.Text ellipsis style={{ maxWidth: 200 }}>
                  {description}
                </Typography.Text>
              </Tooltip>
            ),
          },
          {
            title: t('replication.actions'),
            key: 'actions',
            fixed: 'right',
            render: (_, rule) => (
              <Space wrap>
                <Popconfirm
                  title={t('replication.replicateConfirm', { name: rule.name })}
                  okText={t('replication.replicate')}
                  cancelText={t('common.cancel')}
                  disabled={!rule.enabled}
                  onConfirm={() => replicate(rule)}
                >
                  <Tooltip title={rule.enabled ? undefined : t('replication.disabledHint')}>
                    <Button size="small" type="primary" ghost disabled={!rule.enabled} data-testid="rule-replicate">
                      {t('replication.replicate')}
                    </Button>
                  </Tooltip>
                </Popconfirm>
                <Button size="small" onClick={() => setEditing(rule)} data-testid="rule-edit">
                  {t('replication.edit')}
                </Button>
                <ConfirmDelete title={t('replication.deleteConfirm', { name: rule.name })} onConfirm={() => remove(rule)} testId="rule-delete" />
              </Space>
            ),
          },
        ]}
      />
      <Executions rule={selected} onShowAll={() => setSelected(undefined)} />
      {editing !== undefined && (
        <RuleForm
          policy={editing === 'new' ? undefined : editing}
          onClose={(saved) => {
            setEditing(undefined);
            if (saved) void refresh();
          }}
        />
      )}
    </Space>
  );
}
