import { useQuery, useQueryClient } from '@tanstack/react-query';
import { Alert, App, Button, Card, Descriptions, Empty, Modal, Table, Tag } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiFailure, apiUrl, call, errorText, getJson } from '../../api/client';
import type { ProjectTabProps } from './shared';

/** Harbor's ScannerRegistration, the fields this tab shows. */
interface ScannerRegistration {
  uuid: string;
  name: string;
  description: string;
  url: string;
  disabled: boolean;
  is_default: boolean;
  vendor: string;
  version: string;
  health?: string;
}

/** The registration of the scanner built into Berth. */
const BUILTIN_URL = 'builtin://berth';
/** Candidates shown in the picker: more registrations than this are not expected. */
const CANDIDATES_PAGE = 100;

type Translate = (key: string, options?: Record<string, string>) => string;

const isBuiltin = (scanner: ScannerRegistration) => scanner.url === BUILTIN_URL;

/** What a registration says of itself, the built-in scanner's in the reader's language. */
function description(t: Translate, scanner: ScannerRegistration): string {
  return isBuiltin(scanner) ? t('scanPolicy.scanner.builtinDescription') : scanner.description;
}

/** The registration's name, the built-in scanner's marked as such. */
function displayName(t: Translate, scanner: ScannerRegistration): string {
  return isBuiltin(scanner) ? t('scanPolicy.scanner.builtinName', { name: scanner.name }) : scanner.name;
}

/** The project's scanner (Harbor's "Scanner" tab), which a project admin may change to another registered one. */
export default function Scanner({ project, can }: ProjectTabProps) {
  const { t } = useTranslation();
  const [picking, setPicking] = useState(false);
  const queryKey = ['project-scanner', project.project_id];
  const scanner = useQuery({
    queryKey,
    // A project without a scanner (none registered as default) answers 404: shown as "no scanner".
    queryFn: async () => {
      try {
        return await getJson<ScannerRegistration>(apiUrl('/projects/{project_name_or_id}/scanner', { project_name_or_id: project.project_id }));
      } catch (failure) {
        if (failure instanceof ApiFailure && failure.status === 404) return null;
        throw failure;
      }
    },
  });
  const mayChange = can('scanner', 'create');
  const current = scanner.data;

  if (scanner.error) return <Alert type="error" message={scanner.error.message} />;
  return (
    <Card
      title={t('scanPolicy.scanner.title')}
      loading={scanner.isLoading}
      style={{ maxWidth: 800 }}
      data-testid="project-scanner"
      extra={
        mayChange && (
          <Button onClick={() => setPicking(true)} data-testid="select-scanner">
            {t('scanPolicy.scanner.select')}
          </Button>
        )
      }
    >
      {current ? (
        <Descriptions column={1} bordered size="small">
          <Descriptions.Item label={t('scanPolicy.scanner.name')}>
            <span data-testid="scanner-name">{displayName(t, current)}</span>
            {current.is_default && (
              <Tag color="blue" style={{ marginLeft: 8 }}>
                {t('scanPolicy.scanner.default')}
              </Tag>
            )}
            {current.disabled && (
              <Tag color="default" style={{ marginLeft: 8 }}>
                {t('scanPolicy.scanner.disabled')}
              </Tag>
            )}
          </Descriptions.Item>
          <Descriptions.Item label={t('scanPolicy.scanner.endpoint')}>{current.url}</Descriptions.Item>
          <Descriptions.Item label={t('scanPolicy.scanner.health')}>
            <Tag color={current.health === 'healthy' ? 'success' : 'error'} data-testid="scanner-health">
              {t(current.health === 'healthy' ? 'scanPolicy.scanner.healthy' : 'scanPolicy.scanner.unhealthy')}
            </Tag>
          </Descriptions.Item>
          {/* The built-in scanner's vendor is Berth, which its name already says. */}
          {!isBuiltin(current) && <Descriptions.Item label={t('scanPolicy.scanner.vendor')}>{current.vendor || '—'}</Descriptions.Item>}
          <Descriptions.Item label={t('scanPolicy.scanner.version')}>{current.version || '—'}</Descriptions.Item>
          <Descriptions.Item label={t('scanPolicy.scanner.description')}>{description(t, current) || '—'}</Descriptions.Item>
        </Descriptions>
      ) : (
        <Empty description={t('scanPolicy.scanner.none')} />
      )}
      {picking && <ScannerPicker projectId={project.project_id} current={current?.uuid} onClose={() => setPicking(false)} queryKey={queryKey} />}
    </Card>
  );
}

/** The registered scanners to choose from; the choice is the project's scanner from then on. */
function ScannerPicker({ projectId, current, onClose, queryKey }: { projectId: number; current?: string; onClose: () => void; queryKey: unknown[] }) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const [chosen, setChosen] = useState(current);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const candidates = useQuery({
    queryKey: ['project-scanner-candidates', projectId],
    queryFn: () =>
      getJson<ScannerRegistration[]>(apiUrl('/projects/{project_name_or_id}/scanner/candidates', { project_name_or_id: projectId }, { page_size: CANDIDATES_PAGE })),
  });

  const save = async () => {
    if (!chosen) return;
    setBusy(true);
    setError(undefined);
    try {
      await call('PUT', apiUrl('/projects/{project_name_or_id}/scanner', { project_name_or_id: projectId }), { uuid: chosen });
      void message.success(t('scanPolicy.scanner.saved'));
      await queryClient.invalidateQueries({ queryKey });
      onClose();
    } catch (failure) {
      setError(errorText(failure));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Modal
      open
      width={760}
      title={t('scanPolicy.scanner.selectTitle')}
      okText={t('common.save')}
      cancelText={t('common.cancel')}
      okButtonProps={{ disabled: !chosen || chosen === current }}
      confirmLoading={busy}
      onOk={() => void save()}
      onCancel={onClose}
      destroyOnHidden
    >
      {(error || candidates.error) && <Alert type="error" message={error ?? candidates.error?.message} style={{ marginBottom: 16 }} data-testid="scanner-error" />}
      <Table
        size="small"
        rowKey="uuid"
        loading={candidates.isLoading}
        dataSource={candidates.data ?? []}
        pagination={false}
        rowSelection={{
          type: 'radio',
          selectedRowKeys: chosen ? [chosen] : [],
          onChange: (keys) => setChosen(String(keys[0])),
          getCheckboxProps: (row) => ({ disabled: row.disabled, 'aria-label': displayName(t, row) }),
        }}
        columns={[
          { key: 'name', title: t('scanPolicy.scanner.name'), render: (_: unknown, row: ScannerRegistration) => displayName(t, row) },
          { key: 'url', dataIndex: 'url', title: t('scanPolicy.scanner.endpoint') },
          {
            key: 'state',
            title: t('scanPolicy.scanner.state'),
            render: (_: unknown, row: ScannerRegistration) => (
              <>
                {row.is_default && <Tag color="blue">{t('scanPolicy.scanner.default')}</Tag>}
                {row.disabled && <Tag>{t('scanPolicy.scanner.disabled')}</Tag>}
              </>
            ),
          },
          { key: 'description', title: t('scanPolicy.scanner.description'), render: (_: unknown, row: ScannerRegistration) => description(t, row) },
        ]}
      />
    </Modal>
  );
}
