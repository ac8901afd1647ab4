import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { errorText } from '../../api/client';

/**
 * What a form dialog shares: the busy flag while it saves, the API's refusal to show, and the
 * Save / Cancel footer props for its `Modal`.
 */
export function useFormModal() {
  const { t } = useTranslation();
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);

  /** Runs the save; a failure is kept as the error to show, in the API's words. */
  const save = async (work: () => Promise<void>): Promise<void> => {
    setBusy(true);
    setError(undefined);
    try {
      await work();
    } catch (failure) {
      setError(errorText(failure));
    } finally {
      setBusy(false);
    }
  };

  /**
   * Given the name of the dialog's form, Save is that form's submit button (the form's `onFinish`
   * saves), so Enter in any field saves too; otherwise Save calls `submit`.
   */
  const footer = (submit: () => Promise<void>, cancel: () => void, formName?: string) => ({
    okText: t('common.save'),
    cancelText: t('common.cancel'),
    confirmLoading: busy,
    ...(formName ? { okButtonProps: { htmlType: 'submit' as const, form: formName } } : { onOk: () => void submit() }),
    onCancel: cancel,
    destroyOnHidden: true,
  });

  return { error, setError, busy, setBusy, save, footer };
}
