import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Where the portal keeps its strings: one pair of files per area, `<area>.en.json` and `<area>.zh-CN.json`. */
export const CATALOGUE_DIR = fileURLToPath(new URL('../../web/src/i18n/catalogues/', import.meta.url));

export type Catalogue = Record<string, string>;

/** Every string of one language, all areas merged, as the portal loads them. */
export function portalCatalogue(language: 'en' | 'zh-CN'): Catalogue {
  const merged: Catalogue = {};
  for (const file of readdirSync(CATALOGUE_DIR).sort()) {
    if (!file.endsWith(`.${language}.json`)) continue;
    const strings = JSON.parse(readFileSync(`${CATALOGUE_DIR}${file}`, 'utf8')) as Catalogue;
    for (const [key, text] of Object.entries(strings)) {
      if (key in merged) throw new Error(`${key} is in more than one ${language} catalogue`);
      merged[key] = text;
    }
  }
  return merged;
}

/** The areas: each must have both languages. */
export function catalogueAreas(): { area: string; languages: string[] }[] {
  const areas = new Map<string, string[]>();
  for (const file of readdirSync(CATALOGUE_DIR)) {
    const match = /^(.+)\.(en|zh-CN)\.json$/.exec(file);
    if (!match) continue;
    areas.set(match[1]!, [...(areas.get(match[1]!) ?? []), match[2]!].sort());
  }
  return [...areas].map(([area, languages]) => ({ area, languages }));
}
