import i18next from 'i18next';
import { initReactI18next } from 'react-i18next';

/** One pair of files per area of the portal (`<area>.en.json`, `<area>.zh-CN.json`), merged here. */
const files = import.meta.glob<Record<string, string>>('./catalogues/*.json', { eager: true, import: 'default' });

function catalogue(language: string): Record<string, string> {
  const merged: Record<string, string> = {};
  for (const [path, strings] of Object.entries(files)) if (path.endsWith(`.${language}.json`)) Object.assign(merged, strings);
  return merged;
}

export const LANGUAGES = ['en', 'zh-CN'] as const;
export type Language = (typeof LANGUAGES)[number];
const STORAGE_KEY = 'berth.language';

function storedLanguage(): Language {
  const stored = localStorage.getItem(STORAGE_KEY);
  if (stored === 'en' || stored === 'zh-CN') return stored;
  return navigator.language.toLowerCase().startsWith('zh') ? 'zh-CN' : 'en';
}

void i18next.use(initReactI18next).init({
  resources: { en: { translation: catalogue('en') }, 'zh-CN': { translation: catalogue('zh-CN') } },
  lng: storedLanguage(),
  fallbackLng: 'en',
  interpolation: { escapeValue: false },
});
document.documentElement.lang = i18next.language;

/** Switches the language and remembers it for the next visit. */
export function setLanguage(language: Language): void {
  localStorage.setItem(STORAGE_KEY, language);
  document.documentElement.lang = language;
  void i18next.changeLanguage(language);
}

export default i18next;
