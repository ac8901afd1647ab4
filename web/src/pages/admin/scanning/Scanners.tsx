import { useQuery, useQueryClient } from '@tanstack/react-query';
import { Alert, Button, Space, Table, Tag, Tooltip, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { apiUrl, call, getJson, getPage } from '../../../api/client';
import type { ScannerMetadata, ScannerRegistration, ScannerRegistrationReq, ScannerAuth } from '../../../api/scan-admin-models';
import { ConfirmDelete } from '../../common/ConfirmDelete';
import { useRunAction } from '../../common/useRunAction';
import { authLabel } from './authLabel';
import { ScannerForm } from './ScannerForm';

/** The registrations fit one page: a system has a handful of scanners. */
const ALL_SCANNERS = 100;

export const SCANNERS_KEY = ['admin', 'scanners'];

/** The saved settings of a registration as a PUT body; no credential keeps the stored one. */
export function requestOf(scanner: ScannerRegistration): ScannerRegistrationReq {
  return {
    name: scanner.name,
    description: scanner.description,
    url: scanner.url,
    auth: scanner.auth as ScannerAuth,
    skip_certVerify: scanner.skip_certVerify,
    use_internal_addr: scanner.use_internal_addr,
    disabled: scanner.disabled,
  };
}

export function useScanners() {
  return useQuery({
    queryKey: SCANNERS_KEY,
    queryFn: () => getPage<ScannerRegistration>(apiUrl('/scanners', {}, { page_size: ALL_SCANNERS })),
  });
}

/** The registration's adapter as it answers now: healthy with its name and version, or unhealthy with the reason. */
function Health({ scanner }: { scanner: ScannerRegistration }) {
  const { t } = useTranslation();
  const metadata = useQuery({
    queryKey: [...SCANNERS_KEY, 'metadata', scanner.uuid, scanner.url],
    queryFn: () => getJson<ScannerMetadata>(apiUrl('/scanners/{registration_id}/metadata', { registration_id: scanner.uuid })),
    retry: false,
  });
  if (metadata.isLoading) return <Tag>{t('scanAdmin.scanners.checking')}</Tag>;
  if (metadata.error)
    return (
      <Tooltip title={metadata.error.message}>
        <Tag color="error" data-testid="scanner-health">
          {t('scanAdmin.scanners.unhealthy')}
        </Tag>
      </Tooltip>
    );
  const adapter = metadata.data?.scanner;
  return (
    <Tooltip title={adapter ? `${adapter.name} ${adapter.version}` : undefined}>
      <Tag color="success" data-testid="scanner-health">
        {t('scanAdmin.scanners.healthy')}
      </Tag>
    </Tooltip>
  );
}

/** Scanner registrations: add, test, edit, delete, make default, enable or disable. Refusals show in the API's words. */
export function Scanners() {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const scanners = useScanners();
  const [editing, setEditing] = useState<ScannerRegistration | 'new'>();
  const refresh = () => queryClient.invalidateQueries({ queryKey: SCANNERS_KEY });
  const run = useRunAction(refresh);
  const url = (scanner: ScannerRegistration) => apiUrl('/scanners/{registration_id}', { registration_id: scanner.uuid });

  const makeDefault = (scanner: ScannerRegistration) =>
    run(() => call('PATCH', url(scanner), { is_default: true }), t('scanAdmin.scanners.defaultSet', { name: scanner.name }));
  const toggle = (scanner: ScannerRegistration) =>
    run(
      () => call('PUT', url(scanner), { ...requestOf(scanner), disabled: !scanner.disabled }),
      t(scanner.disabled ? 'scanAdmin.scanners.enabledDone' : 'scanAdmin.scanners.disabledDone', { name: scanner.name }),
    );
  const remove = (scanner: ScannerRegistration) => run(() => call('DELETE', url(scanner)), t('scanAdmin.scanners.deleted', { name: scanner.name }));

  return (
    <Space direction="vertical" size="middle" style={{ width: '100%' }}>
      <Button type="primary" onClick={() => setEditing('new')} data-testid="new-scanner">
        {t('scanAdmin.scanners.new')}
      </Button>
      {scanners.error && <Alert type="error" message={scanners.error.message} />}
      <Table<ScannerRegistration>
        rowKey="uuid"
        loading={scanners.isLoading}
        dataSource={scanners.data?.items ?? []}
        pagination={false}
        scroll={{ x: 'max-content' }}
        columns={[
          {
            title: t('scanAdmin.scanners.name'),
            dataIndex: 'name',
            render: (name: string, scanner) => (
              <Space size={4}>
                {name}
                {scanner.is_default && (
                  <Tag color="blue" data-testid="scanner-default">
                    {t('scanAdmin.scanners.default')}
                  </Tag>
                )}
              </Space>
            ),
          },
          { title: t('scanAdmin.scanners.endpoint'), dataIndex: 'url' },
          { title: t('scanAdmin.scanners.health'), key: 'health', render: (_, scanner) => <Health scanner={scanner} /> },
          {
            title: t('scanAdmin.scanners.enabled'),
            dataIndex: 'disabled',
            render: (disabled: boolean) => (
              <Tag color={disabled ? 'default' : 'green'} data-testid="scanner-enabled">
                {t(disabled ? 'scanAdmin.scanners.disabled' : 'scanAdmin.scanners.enabledTag')}
              </Tag>
            ),
          },
          { title: t('scanAdmin.scanners.auth'), dataIndex: 'auth', render: (auth: string) => authLabel(auth, t) },
          {
            title: t('scanAdmin.scanners.description'),
            dataIndex: 'description',
            render: (description: string) => (
              <Typography.Text ellipsis={{ tooltip: description }} style={{ maxWidth: 240 }}>
                {description}
              </Typography.Text>
            ),
          },
          {
            title: t('scanAdmin.actions'),
            key: 'actions',
            fixed: 'right',
            render: (_, scanner) => (
              <Space wrap>
                {!scanner.is_default && (
                  <Button size="small" onClick={() => void makeDefault(scanner)} data-testid="scanner-make-default">
                    {t('scanAdmin.scanners.setDefault')}
                  </Button>
                )}
                <Button size="small" onClick={() => void toggle(scanner)} data-testid="scanner-toggle">
                  {t(scanner.disabled ? 'scanAdmin.scanners.enable' : 'scanAdmin.scanners.disable')}
                </Button>
                <Button size="small" onClick={() => setEditing(scanner)} data-testid="scanner-edit">
                  {t('scanAdmin.edit')}
                </Button>
                <ConfirmDelete title={t('scanAdmin.scanners.deleteConfirm', { name: scanner.name })} onConfirm={() => remove(scanner)} testId="scanner-delete" />
              </Space>
            ),
          },
        ]}
      />
      {editing !== undefined && (
        <ScannerForm
          scanner={editing === 'new' ? undefined : editing}
          onClose={(saved) => {
            setEditing(undefined);
            if (saved) void refresh();
          }}
        />
      )}
    </Space>
  );
}
