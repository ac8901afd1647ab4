import { useQueryClient } from '@tanstack/react-query';
import { Alert, Button, Dropdown, Layout, Segmented, Switch, theme } from 'antd';
import { lazy, Suspense, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, Outlet } from 'react-router';
import { ApiFailure, signOut } from '../api/client';
import { setLanguage, type Language } from '../i18n';
import { setThemeMode, useThemeMode } from '../theme';
import { ChangePassword } from './ChangePassword';
import { Loading } from './Loading';
import { useCurrentUser } from './session';

const GlobalSearch = lazy(() => import('../pages/webhooks/GlobalSearch'));

/** Header (product, language, theme, user menu) around the signed-in pages. */
export function Shell() {
  const { t, i18n } = useTranslation();
  const mode = useThemeMode();
  const user = useCurrentUser();
  const queryClient = useQueryClient();
  const [changingPassword, setChangingPassword] = useState(false);
  const { token } = theme.useToken();

  const onSignOut = async () => {
    await signOut();
    queryClient.clear();
    location.assign('/sign-in');
  };

  return (
    <Layout style={{ minHeight: '100vh' }}>
      <Layout.Header
        style={{
          display: 'flex',
          alignItems: 'center',
          gap: 12,
          flexWrap: 'wrap',
          height: 'auto',
          minHeight: 64,
          padding: '0 16px',
          background: token.colorBgContainer,
        }}
      >
        <Link to="/projects" style={{ fontWeight: 600, fontSize: 18, marginRight: 'auto' }}>
          {t('app.name')}
        </Link>
        {user.data && (
          <Suspense fallback={null}>
            <GlobalSearch />
          </Suspense>
        )}
        {user.data?.sysadmin_flag && (
          <Link to="/admin/users" data-testid="nav-admin">
            {t('admin.nav')}
          </Link>
        )}
        <Segmented<Language>
          aria-label={t('header.language')}
          value={i18n.language === 'zh-CN' ? 'zh-CN' : 'en'}
          onChange={setLanguage}
          options={[
            { label: 'EN', value: 'en' },
            { label: '中文', value: 'zh-CN' },
          ]}
          data-testid="language"
        />
        <Switch
          checked={mode === 'dark'}
          onChange={(dark) => setThemeMode(dark ? 'dark' : 'light')}
          aria-label={mode === 'dark' ? t('header.theme.light') : t('header.theme.dark')}
          title={mode === 'dark' ? t('header.theme.light') : t('header.theme.dark')}
          data-testid="theme"
        />
        {user.data && (
          <Dropdown
            menu={{
              items: [
                { key: 'password', label: t('header.changePassword'), onClick: () => setChangingPassword(true) },
                { key: 'sign-out', label: t('header.signOut'), onClick: () => void onSignOut() },
              ],
            }}
          >
            <Button type="text" data-testid="user-menu">
              {user.data.username} ▾
            </Button>
          </Dropdown>
        )}
      </Layout.Header>
      <Layout.Content style={{ padding: 16, maxWidth: 1280, width: '100%', margin: '0 auto' }}>
        {user.error && !(user.error instanceof ApiFailure && user.error.status === 401) ? (
          <Alert type="error" message={t('app.error')} description={user.error.message} />
        ) : user.data ? (
          <Suspense fallback={<Loading />}>
            <Outlet />
          </Suspense>
        ) : (
          <Loading />
        )}
        {user.data && <ChangePassword userId={user.data.user_id} open={changingPassword} onClose={() => setChangingPassword(false)} />}
      </Layout.Content>
    </Layout>
  );
}
