import { MenuOutlined } from '@ant-design/icons';
import { Button, Divider, Drawer, Flex, Typography } from 'antd';
import { useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useLocation } from 'react-router';
import { LanguageChoice, ThemeSwitch } from './HeaderControls';

interface Props {
  username?: string;
  isAdmin: boolean;
  search: ReactNode;
  onChangePassword: () => void;
  onSignOut: () => void;
}

/** At phone width the header's entries move into a drawer opened by a menu button. */
export function PhoneNavigation({ username, isAdmin, search, onChangePassword, onSignOut }: Props) {
  const { t } = useTranslation();
  const { pathname } = useLocation();
  // The drawer stays open only on the page where it was opened: following a link closes it.
  const [openOn, setOpenOn] = useState<string>();
  const open = openOn === pathname;
  const setOpen = (opening: boolean) => setOpenOn(opening ? pathname : undefined);

  return (
    <>
      <Button type="text" icon={<MenuOutlined />} aria-label={t('nav.menu')} aria-expanded={open} onClick={() => setOpen(true)} data-testid="nav-menu" />
      <Drawer open={open} onClose={() => setOpen(false)} title={t('nav.menu')} placement="right" size={300} data-testid="nav-drawer">
        <Flex vertical gap={16}>
          <nav aria-label={t('nav.label')}>
            <Flex vertical gap={12}>
              <Link to="/projects">{t('nav.projects')}</Link>
              {isAdmin && <Link to="/admin/users">{t('admin.nav')}</Link>}
            </Flex>
          </nav>
          {username && search}
          <Divider style={{ margin: 0 }} />
          <LanguageChoice />
          <Flex align="center" gap={8}>
            <ThemeSwitch />
            <Typography.Text>{t('header.theme.dark')}</Typography.Text>
          </Flex>
          {username && (
            <>
              <Divider style={{ margin: 0 }} />
              <Typography.Text strong>{username}</Typography.Text>
              <Button
                onClick={() => {
                  setOpen(false);
                  onChangePassword();
                }}
              >
                {t('header.changePassword')}
              </Button>
              <Button onClick={onSignOut}>{t('header.signOut')}</Button>
            </>
          )}
        </Flex>
      </Drawer>
    </>
  );
}
