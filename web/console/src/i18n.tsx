// The console speaks es, it and en: the signed-in person's language (viewer.language, else
// the studio's), unless they chose another with the switch (kept in localStorage).
// English is in the first load; Spanish and Italian load when someone first needs them (the
// words on the page stay as they were until then, a few milliseconds).
import { createContext, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';

import { en, type Dictionary, type Key } from './i18n/en';

const LOAD = {
  en: () => Promise.resolve(en),
  es: () => import('./i18n/es').then((module) => module.es),
  it: () => import('./i18n/it').then((module) => module.it),
} satisfies Record<string, () => Promise<Dictionary>>;
/** The languages, in the switch's order. */
export const LANGUAGES = { en: 'English', es: 'Español', it: 'Italiano' } as const;
export type Language = keyof typeof LOAD;
const loaded: Partial<Record<Language, Dictionary>> = { en };

/** The dictionary of `language` once it is here (the one shown until then otherwise). */
function useDictionary(language: Language): Dictionary {
  const [words, setWords] = useState<Dictionary>(() => loaded[language] ?? en);
  useEffect(() => {
    let current = true;
    void LOAD[language]().then((dictionary) => {
      loaded[language] = dictionary;
      if (current) setWords(dictionary);
    });
    return () => {
      current = false;
    };
  }, [language]);
  return loaded[language] ?? words;
}
export type Terminology = 'BELTS' | 'RANKINGS' | 'CHALLENGES';

const CHOSEN = 'studio.language';

export function isLanguage(value: string | null | undefined): value is Language {
  return value === 'en' || value === 'es' || value === 'it';
}

export function chosenLanguage(): Language | null {
  const value = localStorage.getItem(CHOSEN);
  return isLanguage(value) ? value : null;
}

export function chooseLanguage(language: Language): void {
  localStorage.setItem(CHOSEN, language);
}

/** The browser's language when nobody is signed in yet. */
export function browserLanguage(): Language {
  const short = navigator.language.slice(0, 2);
  return isLanguage(short) ? short : 'en';
}

export type Translate = (key: Key, values?: Record<string, string | number>) => string;

type I18n = {
  language: Language;
  t: Translate;
  /** The studio's word for a rank (R1): singular, plural and the feature's title. */
  term: (form: 'singular' | 'plural' | 'tracking') => string;
  date: (iso: string) => string;
  dateTime: (iso: string) => string;
  number: (n: number) => string;
};

const Context = createContext<I18n | null>(null);

export function I18nProvider(props: { language: Language; terminology: Terminology; children: ReactNode }) {
  const { language, terminology } = props;
  const words = useDictionary(language);
  const value = useMemo<I18n>(() => {
    const t: Translate = (key, values) =>
      words[key].replace(/\{(\w+)\}/g, (whole, name: string) => String(values?.[name] ?? whole));
    const dates = new Intl.DateTimeFormat(language, { dateStyle: 'medium' });
    const times = new Intl.DateTimeFormat(language, { dateStyle: 'short', timeStyle: 'short' });
    const numbers = new Intl.NumberFormat(language);
    return {
      language,
      t,
      term: (form) => words[`term.${terminology}.${form}` as Key],
      date: (iso) => dates.format(new Date(iso.length === 10 ? `${iso}T12:00:00` : iso)),
      dateTime: (iso) => times.format(new Date(iso)),
      number: (n) => numbers.format(n),
    };
  }, [language, terminology, words]);
  return <Context.Provider value={value}>{props.children}</Context.Provider>;
}

export function useI18n(): I18n {
  const value = useContext(Context);
  if (!value) throw new Error('useI18n outside I18nProvider');
  return value;
}
