import { useQueryClient } from '@tanstack/react-query';
import { Alert, App, Button, Card, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { apiUrl, call, errorText } from '../../api/client';
import { AllowlistEditor } from './AllowlistEditor';
import { allowlistBody, allowlistValue, SYSTEM_ALLOWLIST_KEY, useSystemAllowlist, type CveAllowlist } from './systemAllowlist';
import type { AllowlistValue } from './vulnerabilityIds';

/** The system's CVE allowlist, which projects that reuse it share, saved with PUT /system/CVEAllowlist. */
export function SystemAllowlist() {
  const { t } = useTranslation();
  const list = useSystemAllowlist();
  if (list.error) return <Alert type="error" message={list.error.message} />;
  return (
    <Card title={t('scanPolicy.system.section')} loading={list.isLoading} style={{ maxWidth: 720 }} data-testid="security-settings">
      <Typography.Title level={5} style={{ marginTop: 0 }}>
        {t('scanPolicy.system.title')}
      </Typography.Title>
      <Typography.Paragraph type="secondary">{t('scanPolicy.system.hint')}</Typography.Paragraph>
      {/* Remounted when what is saved changes, so that the edit starts from it. */}
      {list.data && <SystemAllowlistForm key={savedKey(list.data)} saved={list.data} />}
    </Card>
  );
}

const savedKey = (list: CveAllowlist) => `${list.expires_at ?? 'never'}:${list.items.map((item) => item.cve_id).join(',')}`;

function SystemAllowlistForm({ saved }: { saved: CveAllowlist }) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const [value, setValue] = useState<AllowlistValue>(() => allowlistValue(saved));
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();

  const save = async () => {
    setBusy(true);
    setError(undefined);
    try {
      await call('PUT', apiUrl('/system/CVEAllowlist'), allowlistBody(value));
      void message.success(t('scanPolicy.system.saved'));
      await queryClient.invalidateQueries({ queryKey: SYSTEM_ALLOWLIST_KEY });
    } catch (failure) {
      setError(errorText(failure));
    } finally {
      setBusy(false);
    }
  };

  return (
    <>
      {error && <Alert type="error" message={error} style={{ marginBottom: 16 }} data-testid="system-allowlist-error" />}
      <AllowlistEditor value={value} onChange={setValue} testId="system-allowlist" />
      <Button type="primary" loading={busy} onClick={() => void save()} style={{ marginTop: 16 }} data-testid="save-system-allowlist">
        {t('common.save')}
      </Button>
    </>
  );
}
