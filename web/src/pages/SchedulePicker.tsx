import { Alert, App, Button, Input, Select, Space, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { errorText } from '../api/client';
import { formatTime } from './format';

export type ScheduleType = 'None' | 'Hourly' | 'Daily' | 'Weekly' | 'Custom';

export interface ScheduleValue {
  type: ScheduleType;
  cron: string;
}

const SCHEDULE_TYPES: ScheduleType[] = ['None', 'Hourly', 'Daily', 'Weekly', 'Custom'];

/** The crons the server gives Harbor's preset types (src/platform/jobs/schedules.ts): six fields, seconds first, UTC. */
export const SCHEDULE_PRESETS: Readonly<Record<'Hourly' | 'Daily' | 'Weekly', string>> = {
  Hourly: '0 0 * * * *',
  Daily: '0 0 0 * * *',
  Weekly: '0 0 0 * * 0',
};

/** A saved cron as a schedule: none when empty, a preset when it is one, otherwise custom. */
export function scheduleOfCron(cron: string | undefined): ScheduleValue {
  const trimmed = cron?.trim() ?? '';
  if (trimmed === '') return { type: 'None', cron: '' };
  const preset = (Object.keys(SCHEDULE_PRESETS) as Array<keyof typeof SCHEDULE_PRESETS>).find((type) => SCHEDULE_PRESETS[type] === trimmed);
  return { type: preset ?? 'Custom', cron: trimmed };
}

/** The cron a schedule stands for; empty for none. */
export function cronOfSchedule(value: ScheduleValue): string {
  if (value.type === 'None') return '';
  if (value.type === 'Custom') return value.cron.trim();
  return SCHEDULE_PRESETS[value.type];
}

interface SchedulePickerProps {
  /** What the server has now. */
  saved: ScheduleValue;
  /** Sends the picked schedule; a refusal is shown under the picker with the server's message. */
  onSave: (value: ScheduleValue) => Promise<void>;
  /** When the saved schedule fires next, if the server says. */
  next?: string;
  /** Read-only for callers who may not change it. */
  readOnly?: boolean;
  testId?: string;
}

/** None, hourly, daily, weekly or a custom cron, and a save button; used by GC and by tag retention. */
export function SchedulePicker({ saved, onSave, next, readOnly, testId = 'schedule' }: SchedulePickerProps) {
  const { t, i18n } = useTranslation();
  const { message } = App.useApp();
  // What the user has picked and not saved yet; until then, the saved schedule shows.
  const [draft, setDraft] = useState<ScheduleValue>();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const value = draft ?? saved;
  const presetCron = value.type === 'None' || value.type === 'Custom' ? undefined : SCHEDULE_PRESETS[value.type];

  const save = async () => {
    setBusy(true);
    setError(undefined);
    try {
      await onSave(value);
      void message.success(t('schedule.saved'));
      setDraft(undefined);
    } catch (failure) {
      setError(errorText(failure));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Space direction="vertical" style={{ width: '100%' }} data-testid={testId}>
      <Space wrap>
        <Select<ScheduleType>
          aria-label={t('schedule.label')}
          value={value.type}
          disabled={readOnly}
          onChange={(type) => setDraft({ type, cron: type === 'Custom' ? value.cron || (presetCron ?? '') : value.cron })}
          style={{ minWidth: 160 }}
          options={SCHEDULE_TYPES.map((type) => ({ value: type, label: t(`schedule.type.${type}`) }))}
        />
        {value.type === 'Custom' && (
          <Input
            aria-label={t('schedule.cron')}
            placeholder={t('schedule.cronPlaceholder')}
            value={value.cron}
            disabled={readOnly}
            onChange={(event) => setDraft({ type: 'Custom', cron: event.target.value })}
            style={{ width: 220 }}
          />
        )}
        {presetCron && <Typography.Text code>{presetCron}</Typography.Text>}
        {!readOnly && (
          <Button onClick={() => void save()} loading={busy} disabled={draft === undefined} data-testid={`${testId}-save`}>
            {t('common.save')}
          </Button>
        )}
        {next && draft === undefined && <Typography.Text type="secondary">{t('schedule.next', { time: formatTime(next, i18n.language) })}</Typography.Text>}
      </Space>
      {error && <Alert type="error" message={error} closable onClose={() => setError(undefined)} data-testid={`${testId}-error`} />}
    </Space>
  );
}
