import { useQueryClient } from '@tanstack/react-query';
import { Alert, Grid, Layout, theme } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, Outlet } from 'react-router';
import { ApiFailure, signOut } from '../api/client';
import { lazyPage } from '../lazyPage';
import './focus.css';
import { ChangePassword } from './ChangePassword';
import { CliSecret } from './CliSecret';
import { LanguageChoice, ThemeSwitch } from './HeaderControls';
import { Loading } from './Loading';
import { PhoneNavigation } from './PhoneNavigation';
import { useCurrentUser } from './session';
import { UserMenu } from './UserMenu';

const GlobalSearch = lazyPage(() => import('../pages/webhooks/GlobalSearch'), null);

/** Header (product, language, theme, user menu) around the signed-in pages; at phone width its entries move into a drawer. */
export function Shell() {
  const { t } = useTranslation();
  const user = useCurrentUser();
  const queryClient = useQueryClient();
  const [changingPassword, setChangingPassword] = useState(false);
  const [showingCliSecret, setShowingCliSecret] = useState(false);
  const oidcMeta = user.data?.oidc_user_meta;
  // The identity provider's admin group makes an administrator too (Harbor's has_admin_role).
  const isAdmin = user.data?.sysadmin_flag === true || user.data?.admin_role_in_auth === true;
  const { token } = theme.useToken();
  // Until the first measurement the breakpoints are unknown (undefined): the wide header is shown.
  const phone = Grid.useBreakpoint().md === false;

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
          // The header's 64 px line height would otherwise stretch the search box to the header's height.
          lineHeight: 'normal',
          padding: '0 16px',
          background: token.colorBgContainer,
        }}
      >
        <Link to="/projects" style={{ fontWeight: 600, fontSize: 18, marginRight: 'auto' }}>
          {t('app.name')}
        </Link>
        {phone ? (
          <PhoneNavigation
            username={user.data?.username}
            isAdmin={isAdmin}
            search={<GlobalSearch />}
            onChangePassword={() => setChangingPassword(true)}
            onSignOut={() => void onSignOut()}
          />
        ) : (
          <>
            {user.data && <GlobalSearch />}
            {isAdmin && (
              <nav aria-label={t('nav.label')}>
                <Link to="/admin/users" data-testid="nav-admin">
                  {t('admin.nav')}
                </Link>
              </nav>
            )}
            <LanguageChoice />
            <ThemeSwitch />
            {user.data && (
              <UserMenu
                username={user.data.username}
                onChangePassword={() => setChangingPassword(true)}
                onCliSecret={oidcMeta ? () => setShowingCliSecret(true) : undefined}
                onSignOut={() => void onSignOut()}
              />
            )}
          </>
        )}
      </Layout.Header>
      <Layout.Content style={{ padding: 16, maxWidth: 1280, width: '100%', margin: '0 auto' }}>
        {user.error && !(user.error instanceof ApiFailure && user.error.status === 401) ? (
          <Alert type="error" message={t('app.error')} description={user.error.message} />
        ) : user.data ? (
          <Outlet />
        ) : (
          <Loading />
        )}
        {user.data && <ChangePassword userId={user.data.user_id} open={changingPassword} onClose={() => setChangingPassword(false)} />}
        {user.data && oidcMeta && (
          <CliSecret userId={user.data.user_id} secret={oidcMeta.secret ?? ''} open={showingCliSecret} onClose={() => setShowingCliSecret(false)} />
        )}
      </Layout.Content>
    </Layout>
  );
}
