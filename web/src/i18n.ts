import i18next from 'i18next';
import en from './locales/en.json';
import es from './locales/es.json';

/** The console's languages; the resources are bundled (no network). tests/web/i18n.test.ts checks both hold every key. */
export const LANGUAGES = { en: 'English', es: 'Español' } as const;
export type Language = keyof typeof LANGUAGES;
const STORED = 'sharpline.lang';

export const i18n = i18next.createInstance();

function initialLanguage(): Language {
  const stored = localStorage.getItem(STORED);
  if (stored && stored in LANGUAGES) return stored as Language;
  return navigator.language?.toLowerCase().startsWith('es') ? 'es' : 'en';
}

await i18n.init({
  resources: { en: { translation: en }, es: { translation: es } },
  lng: initialLanguage(),
  fallbackLng: false,
  interpolation: { escapeValue: false },
  returnNull: false,
  saveMissing: true,
  // A key missing at run time is a bug: the browser tests fail on this console error.
  missingKeyHandler: (lngs, _ns, key) => console.error(`i18n: missing key "${key}" (${lngs.join(', ')})`),
});
document.documentElement.lang = i18n.language;

export function setLanguage(lang: Language): Promise<unknown> {
  localStorage.setItem(STORED, lang);
  document.documentElement.lang = lang;
  return i18n.changeLanguage(lang);
}

export const t = (key: string, options?: Record<string, unknown>): string => i18n.t(key, options) as string;
