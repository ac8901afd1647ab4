import { Alert, Button, Input, Modal, Space, Table } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiFailure, apiUrl, call, errorText, getJson } from '../../../api/client';

interface LdapUser {
  username: string;
  realname: string;
  email: string;
}

interface FailedImport {
  uid: string;
  error: string;
}

/** Harbor answers a partly failed import 404 with `[{uid, error}]`: those, or undefined for any other refusal. */
function failedImports(failure: unknown): FailedImport[] | undefined {
  if (!(failure instanceof ApiFailure) || failure.status !== 404) return undefined;
  try {
    const parsed = JSON.parse(failure.message) as unknown;
    return Array.isArray(parsed) ? (parsed as FailedImport[]) : undefined;
  } catch {
    return undefined;
  }
}

/** Searches the directory (GET /ldap/users/search) and imports the chosen users (POST /ldap/users/import). */
export function ImportLdapUsers({ open, onClose }: { open: boolean; onClose: (imported: number) => void }) {
  const { t } = useTranslation();
  const [search, setSearch] = useState('');
  const [found, setFound] = useState<LdapUser[]>();
  const [selected, setSelected] = useState<string[]>([]);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();

  const find = async () => {
    setBusy(true);
    setError(undefined);
    try {
      setFound(await getJson<LdapUser[]>(apiUrl('/ldap/users/search', {}, { username: search.trim() })));
      setSelected([]);
    } catch (failure) {
      setError(errorText(failure));
    } finally {
      setBusy(false);
    }
  };

  const close = (imported: number) => {
    setFound(undefined);
    setSelected([]);
    setError(undefined);
    onClose(imported);
  };

  const submit = async () => {
    setBusy(true);
    setError(undefined);
    try {
      await call('POST', apiUrl('/ldap/users/import'), { ldap_uid_list: selected });
      close(selected.length);
    } catch (failure) {
      const failed = failedImports(failure);
      setError(failed ? t('ldap.import.failed', { list: failed.map((f) => `${f.uid} (${f.error})`).join(', ') }) : errorText(failure));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Modal
      open={open}
      width={720}
      title={t('ldap.import.title')}
      onCancel={() => close(0)}
      onOk={() => void submit()}
      okText={t('ldap.import.submit')}
      okButtonProps={{ disabled: selected.length === 0, loading: busy }}
    >
      {error && <Alert type="error" message={error} style={{ marginBottom: 16 }} data-testid="ldap-import-error" />}
      <Space.Compact style={{ width: '100%', marginBottom: 16 }}>
        <Input
          value={search}
          onChange={(event) => setSearch(event.target.value)}
          onPressEnter={() => void find()}
          placeholder={t('ldap.import.search')}
          aria-label={t('ldap.import.search')}
          data-testid="ldap-import-search"
        />
        <Button onClick={() => void find()} loading={busy} data-testid="ldap-import-find">
          {t('ldap.import.searchButton')}
        </Button>
      </Space.Compact>
      {found && (
        <Table<LdapUser>
          rowKey="username"
          size="small"
          dataSource={found}
          pagination={{ pageSize: 10 }}
          rowSelection={{ selectedRowKeys: selected, onChange: (keys) => setSelected(keys.map(String)) }}
          columns={[
            { title: t('ldap.import.username'), dataIndex: 'username' },
            { title: t('ldap.import.realname'), dataIndex: 'realname' },
            { title: t('ldap.import.email'), dataIndex: 'email' },
          ]}
        />
      )}
    </Modal>
  );
}
