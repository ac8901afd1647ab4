import { Segmented, Switch } from 'antd';
import { useTranslation } from 'react-i18next';
import { setLanguage, type Language } from '../i18n';
import { setThemeMode, useThemeMode } from '../theme';

/** The language choice, shown in the header and in the phone's navigation drawer. */
export function LanguageChoice() {
  const { t, i18n } = useTranslation();
  return (
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
  );
}

/** The dark-theme switch; its name says what switching it does. */
export function ThemeSwitch() {
  const { t } = useTranslation();
  const mode = useThemeMode();
  const label = mode === 'dark' ? t('header.theme.light') : t('header.theme.dark');
  return <Switch checked={mode === 'dark'} onChange={(dark) => setThemeMode(dark ? 'dark' : 'light')} aria-label={label} title={label} data-testid="theme" />;
}
