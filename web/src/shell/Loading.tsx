import { Spin } from 'antd';
import { useTranslation } from 'react-i18next';

export function Loading() {
  const { t } = useTranslation();
  return (
    <div style={{ display: 'flex', justifyContent: 'center', padding: 48 }}>
      <Spin tip={t('app.loading')}>
        <div style={{ width: 48, height: 48 }} />
      </Spin>
    </div>
  );
}
