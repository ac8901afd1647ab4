import { Button, Dropdown } from 'antd';
import { useTranslation } from 'react-i18next';

interface Props {
  username: string;
  onChangePassword: () => void;
  onSignOut: () => void;
}

/** The signed-in user's menu; it opens on click, Enter or Space so that the keyboard reaches it too. */
export function UserMenu({ username, onChangePassword, onSignOut }: Props) {
  const { t } = useTranslation();
  return (
    <Dropdown
      trigger={['click']}
      autoFocus
      menu={{
        items: [
          { key: 'password', label: t('header.changePassword'), onClick: onChangePassword },
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
