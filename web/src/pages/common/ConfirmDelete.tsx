import { Button, Popconfirm } from 'antd';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';

/** A danger button that asks first; unless told otherwise, the same words label the button and the confirming action. */
export function ConfirmDelete({
  title,
  description,
  onConfirm,
  label,
  okText,
  disabled,
  size = 'small',
  testId,
}: {
  title: ReactNode;
  description?: ReactNode;
  onConfirm: () => unknown;
  /** Defaults to "Delete". */
  label?: string;
  /** Defaults to the label. */
  okText?: string;
  disabled?: boolean;
  size?: 'small' | 'middle';
  testId?: string;
}) {
  const { t } = useTranslation();
  const text = label ?? t('common.delete');
  return (
    <Popconfirm
      title={title}
      description={description}
      okText={okText ?? text}
      cancelText={t('common.cancel')}
      okButtonProps={{ danger: true }}
      disabled={disabled}
      onConfirm={onConfirm}
    >
      <Button danger size={size} disabled={disabled} data-testid={testId}>
        {text}
      </Button>
    </Popconfirm>
  );
}
