// The console's layout: a skip link, the studio's name, the navigation of routes.tsx, the
// language switch and signing out; the screen in <main>.
import type { ReactNode } from 'react';

import { chooseLanguage, isLanguage, LANGUAGES, useI18n, type Language } from './i18n';
import { Link, useLocation } from './router';
import { routes } from './routes';
import { session } from './session';

const NAMES: Record<Language, string> = { en: 'English', es: 'Español', it: 'Italiano' };

export function Layout(props: {
  studio: string;
  person: string;
  onLanguage: (language: Language) => void;
  /** The studio switch, for a person of several studios. */
  switcher?: ReactNode;
  children: ReactNode;
}) {
  const { t, language } = useI18n();
  const { path } = useLocation();
  return (
    <>
      <a className="skip" href="#main">
        {t('app.skip')}
      </a>
      <header className="top">
        <p className="brand">
          <span>{props.studio || t('app.title')}</span>
          {props.person && <span className="person">{props.person}</span>}
        </p>
        <nav aria-label={t('nav.label')}>
          <ul>
            {routes
              .filter((route) => route.nav)
              .map((route) => {
                const active = path === route.path || path.startsWith(`${route.path}/`);
                return (
                  <li key={route.path}>
                    <Link href={route.path} aria-current={active ? 'page' : undefined}>
                      {route.nav && t(route.nav)}
                    </Link>
                  </li>
                );
              })}
          </ul>
        </nav>
        <div className="tools">
          {props.switcher}
          <label>
            <span className="visually-hidden">{t('lang.label')}</span>
            <select
              value={language}
              onChange={(event) => {
                const chosen = event.target.value;
                if (!isLanguage(chosen)) return;
                chooseLanguage(chosen);
                props.onLanguage(chosen);
              }}
            >
              {Object.keys(LANGUAGES).map((code) => (
                <option key={code} value={code} lang={code}>
                  {NAMES[code as Language]}
                </option>
              ))}
            </select>
          </label>
          <button type="button" className="quiet" onClick={() => void session.signOut()}>
            {t('signOut')}
          </button>
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        {props.children}
      </main>
    </>
  );
}
