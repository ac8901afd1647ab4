import { Form, InputNumber, Typography } from 'antd';
import { useTranslation } from 'react-i18next';

/**
 * A proxy cache project's settings: Harbor's `proxy_speed_kb`, the bandwidth its fetches from the
 * upstream registry may use (KB/s; -1 for unlimited; 0 is refused as the server refuses it).
 */
export function ProxyCacheSettings() {
  const { t } = useTranslation();
  return (
    <div>
      <Typography.Title level={5} style={{ marginTop: 8 }}>
        {t('project.config.proxyCache')}
      </Typography.Title>
      <Form.Item
        name="proxy_speed_kb"
        label={t('project.config.proxy_speed_kb')}
        extra={t('project.config.proxy_speed_kbHint')}
        rules={[
          { required: true, message: t('project.config.proxy_speed_kbInvalid') },
          {
            validator: (_rule, value: number | null) =>
              value === null || value === -1 || value >= 1 ? Promise.resolve() : Promise.reject(new Error(t('project.config.proxy_speed_kbInvalid'))),
          },
        ]}
      >
        <InputNumber min={-1} max={999_999_999} precision={0} addonAfter={t('project.config.kbPerSecond')} data-testid="proxy-speed" style={{ width: 220 }} />
      </Form.Item>
    </div>
  );
}

/** The stored limit as the field shows it: -1 when unset or unreadable. */
export function proxySpeedValue(stored: string | undefined): number {
  const kb = Number(stored);
  return Number.isSafeInteger(kb) && (kb === -1 || kb >= 1) ? kb : -1;
}
