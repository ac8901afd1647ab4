import { useQueryClient } from '@tanstack/react-query';
import { Alert, App, Button, Space, Table, Tag, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { call, errorText } from '../../api/client';
import type { TrustMaterial } from '../../api/trust-models';
import { ConfirmDelete } from '../common/ConfirmDelete';
import { TimeText } from '../repository/shared';
import { AddMaterialDialog } from './AddMaterialDialog';
import { materialItemUrl, materialKey, shortFingerprint, useTrustMaterial, type TrustScope } from './trustApi';

export function Fingerprint({ fingerprint }: { fingerprint: string }) {
  const { t } = useTranslation();
  return (
    <Typography.Text code copyable={{ text: fingerprint, tooltips: [t('trust.material.copyFingerprint'), t('trust.material.copied')] }} title={fingerprint}>
      {shortFingerprint(fingerprint)}
    </Typography.Text>
  );
}

/** The keys and certificates a scope trusts; with `editable`, added and deleted here. */
export function MaterialTable({ scope, editable, testId }: { scope: TrustScope; editable: boolean; testId: string }) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const material = useTrustMaterial(scope);
  const [adding, setAdding] = useState(false);
  const [error, setError] = useState<string>();
  // Verdicts are checked again against the new material: the signatures shown elsewhere change too.
  const refresh = () => Promise.all([queryClient.invalidateQueries({ queryKey: materialKey(scope) }), queryClient.invalidateQueries({ queryKey: ['signatures'] })]);

  const remove = async (row: TrustMaterial) => {
    setError(undefined);
    try {
      await call('DELETE', materialItemUrl(scope, row.id));
      void message.success(t('trust.material.deleted', { name: row.name }));
      await refresh();
    } catch (failure) {
      setError(errorText(failure));
    }
  };

  return (
    <Space direction="vertical" style={{ width: '100%' }} data-testid={testId}>
      {editable && (
        <Button type="primary" onClick={() => setAdding(true)} data-testid={`${testId}-add`}>
          {t('trust.material.add')}
        </Button>
      )}
      {(error ?? material.error) && <Alert type="error" message={error ?? material.error?.message} />}
      <Table<TrustMaterial>
        rowKey="id"
        size="small"
        pagination={false}
        loading={material.isPending}
        dataSource={material.data ?? []}
        scroll={{ x: 'max-content' }}
        locale={{ emptyText: t('trust.material.empty') }}
        columns={[
          { title: t('trust.material.kind'), dataIndex: 'kind', render: (kind: TrustMaterial['kind']) => <Tag>{t(`trust.kind.${kind}`)}</Tag> },
          { title: t('trust.material.name'), dataIndex: 'name', render: (name: string) => <Typography.Text strong>{name}</Typography.Text> },
          { title: t('trust.material.fingerprint'), dataIndex: 'fingerprint', render: (fingerprint: string) => <Fingerprint fingerprint={fingerprint} /> },
          { title: t('trust.material.addedBy'), dataIndex: 'created_by' },
          { title: t('trust.material.addedAt'), dataIndex: 'creation_time', render: (time: string) => <TimeText time={time} /> },
          ...(editable
            ? [
                {
                  title: t('trust.material.actions'),
                  key: 'actions',
                  render: (_: unknown, row: TrustMaterial) => (
                    <ConfirmDelete
                      title={t('trust.material.deleteConfirm', { name: row.name })}
                      description={t('trust.material.deleteHint')}
                      onConfirm={() => remove(row)}
                      testId={`delete-material-${row.name}`}
                    />
                  ),
                },
              ]
            : []),
        ]}
      />
      {editable && (
        <AddMaterialDialog
          scope={scope}
          open={adding}
          onClose={(added) => {
            setAdding(false);
            if (added) {
              void message.success(t('trust.material.added'));
              void refresh();
            }
          }}
        />
      )}
    </Space>
  );
}
