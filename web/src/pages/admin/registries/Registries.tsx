import { useQuery, useQueryClient } from '@tanstack/react-query';
import { Alert, Button, Space, Table, Tag, Tooltip, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { apiUrl, call, getPage } from '../../../api/client';
import type { Registry } from '../../../api/registries-models';
import { ConfirmDelete } from '../../common/ConfirmDelete';
import { useRunAction } from '../../common/useRunAction';
import { formatTime } from '../../format';
import { providerName } from './providers';
import { RegistryForm } from './RegistryForm';

export const REGISTRIES_KEY = ['admin', 'registries'];

/** A system has a handful of endpoints: one page holds them. */
const ALL_REGISTRIES = 100;

function Status({ status }: { status: string }) {
  const { t } = useTranslation();
  const color = status === 'healthy' ? 'green' : status === 'unhealthy' ? 'red' : 'default';
  const label = status === 'healthy' ? t('registries.healthy') : status === 'unhealthy' ? t('registries.unhealthy') : t('registries.unknown');
  return (
    <Tag color={color} data-testid="registry-status">
      {label}
    </Tag>
  );
}

/** Administration → Registries: the remote registries replication and proxy cache reach (Harbor's "Registries"). */
export function Registries() {
  const { t, i18n } = useTranslation();
  const queryClient = useQueryClient();
  const [editing, setEditing] = useState<Registry | 'new'>();
  const registries = useQuery({
    queryKey: REGISTRIES_KEY,
    queryFn: () => getPage<Registry>(apiUrl('/registries', {}, { page_size: ALL_REGISTRIES, sort: 'name' })),
  });
  const refresh = () => queryClient.invalidateQueries({ queryKey: REGISTRIES_KEY });
  const run = useRunAction(refresh);
  const remove = (registry: Registry) =>
    run(() => call('DELETE', apiUrl('/registries/{id}', { id: registry.id })), t('registries.deleted', { name: registry.name }));

  return (
    <Space direction="vertical" size="middle" style={{ width: '100%' }}>
      <Typography.Title level={3} style={{ margin: 0 }}>
        {t('registries.title')}
      </Typography.Title>
      <Button type="primary" onClick={() => setEditing('new')} data-testid="new-registry">
        {t('registries.new')}
      </Button>
      {registries.error && <Alert type="error" message={registries.error.message} />}
      <Table<Registry>
        rowKey="id"
        loading={registries.isLoading}
        dataSource={registries.data?.items ?? []}
        pagination={false}
        scroll={{ x: 'max-content' }}
        columns={[
          { title: t('registries.name'), dataIndex: 'name' },
          { title: t('registries.status'), dataIndex: 'status', render: (status: string) => <Status status={status} /> },
          { title: t('registries.url'), dataIndex: 'url' },
          { title: t('registries.provider'), dataIndex: 'type', render: (type: string) => providerName(type) },
          {
            title: t('registries.verifyCert'),
            dataIndex: 'insecure',
            render: (insecure: boolean) => <span data-testid="registry-verify">{t(insecure ? 'registries.no' : 'registries.yes')}</span>,
          },
          { title: t('registries.creationTime'), dataIndex: 'creation_time', render: (time: string) => formatTime(time, i18n.language) },
          {
            title: t('registries.description'),
            dataIndex: 'description',
            render: (description: string) => (
              <Tooltip title={description}>
                <Typography.Text ellipsis style={{ maxWidth: 240 }} data-testid="registry-description">
                  {description}
                </Typography.Text>
              </Tooltip>
            ),
          },
          {
            title: t('registries.actions'),
            key: 'actions',
            fixed: 'right',
            render: (_, registry) => (
              <Space wrap>
                <Button size="small" onClick={() => setEditing(registry)} data-testid="registry-edit">
                  {t('registries.edit')}
                </Button>
                <ConfirmDelete title={t('registries.deleteConfirm', { name: registry.name })} onConfirm={() => remove(registry)} testId="registry-delete" />
              </Space>
            ),
          },
        ]}
      />
      {editing !== undefined && (
        <RegistryForm
          registry={editing === 'new' ? undefined : editing}
          onClose={(saved) => {
            setEditing(undefined);
            if (saved) void refresh();
          }}
        />
      )}
    </Space>
  );
}
