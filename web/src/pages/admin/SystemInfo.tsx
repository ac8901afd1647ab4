import { useQuery } from '@tanstack/react-query';
import { Alert, Card, Descriptions, Progress, Space } from 'antd';
import { useTranslation } from 'react-i18next';
import { apiUrl, getJson } from '../../api/client';
import type { SystemInfo, Volumes } from '../../api/admin-models';
import { formatBytes, formatTime } from '../format';

/** Versions and deployment details from /systeminfo, and the data volume's size from /systeminfo/volumes. */
export function SystemInfoPanel() {
  const { t, i18n } = useTranslation();
  const info = useQuery({ queryKey: ['admin', 'systeminfo'], queryFn: () => getJson<SystemInfo>(apiUrl('/systeminfo')) });
  const volumes = useQuery({ queryKey: ['admin', 'volumes'], queryFn: () => getJson<Volumes>(apiUrl('/systeminfo/volumes')) });
  const storage = volumes.data?.storage[0];

  return (
    <Space direction="vertical" size="middle" style={{ width: '100%' }}>
      <Card title={t('admin.system.title')} size="small" loading={info.isLoading}>
        {info.error && <Alert type="error" message={info.error.message} />}
        {info.data && (
          <Descriptions column={1} bordered size="small">
            <Descriptions.Item label={t('admin.system.berthVersion')}>{info.data.berth_version}</Descriptions.Item>
            <Descriptions.Item label={t('admin.system.harborVersion')}>{info.data.harbor_version}</Descriptions.Item>
            <Descriptions.Item label={t('admin.config.authMode')}>
              {t(`admin.config.auth.${info.data.auth_mode}`, { defaultValue: info.data.auth_mode })}
            </Descriptions.Item>
            <Descriptions.Item label={t('admin.system.externalUrl')}>{info.data.external_url ?? ''}</Descriptions.Item>
            <Descriptions.Item label={t('admin.system.registryUrl')}>{info.data.registry_url ?? ''}</Descriptions.Item>
            <Descriptions.Item label={t('admin.system.storageProvider')}>{info.data.registry_storage_provider_name ?? ''}</Descriptions.Item>
            <Descriptions.Item label={t('admin.config.readOnly')}>{info.data.read_only ? t('admin.yes') : t('admin.no')}</Descriptions.Item>
            <Descriptions.Item label={t('admin.system.serverTime')}>{formatTime(info.data.current_time, i18n.language)}</Descriptions.Item>
          </Descriptions>
        )}
      </Card>
      <Card title={t('admin.system.storage')} size="small" loading={volumes.isLoading}>
        {volumes.error && <Alert type="error" message={volumes.error.message} />}
        {storage && (
          <Space direction="vertical" style={{ width: '100%' }}>
            <Progress aria-label={t('admin.system.storage')} percent={storage.total > 0 ? Math.round(((storage.total - storage.free) / storage.total) * 100) : 0} />
            <Descriptions column={1} bordered size="small">
              <Descriptions.Item label={t('admin.system.total')}>{formatBytes(storage.total)}</Descriptions.Item>
              <Descriptions.Item label={t('admin.system.free')}>
                <span data-testid="storage-free">{formatBytes(storage.free)}</span>
              </Descriptions.Item>
            </Descriptions>
          </Space>
        )}
      </Card>
    </Space>
  );
}
