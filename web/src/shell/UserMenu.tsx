import { Button, Dropdown } from 'antd';
import { useTranslation } from 'react-i18next';

interface Props {
  username: string;
  onChangePassword: () => void;
  /** Set for OIDC users, who have a CLI secret instead of a password. */
  onCliSecret?: (() => void) | undefined;
  onSignOut: () => void;
}

/** The signed-in user's menu; it opens on click, Enter or Space so that the keyboard reaches it too. */
export function UserMenu({ username, onChangePassword, onCliSecret, onSignOut }: Props) {
  const { t } = useTranslation();
  return (
    <Dropdown
      trigger={['click']}
      autoFocus
      menu={{
        items: [
          onCliSecret
            ? { key: 'cli-secret', label: <span data-testid="cli-secret-menu">{t('oidc.cliSecret.menu')}</span>, onClick: onCliSecret }
            : { key: 'password', label: t('header.changePassword'), onClick: onChangePassword },
          { key: 'sign-out', label: t('header.signOut'), onClick: onSignOut },
        ],
      }}
    >
      <Button type="text" aria-label={t('nav.userMenu', { name: username })} data-testid="user-menu">
        {username} ▾
      </Button>
    </Dropdown>
  );
}
