// Signing in (docs/identity.md): e-mail and password to /auth/sign-in; the refusal's code
// decides the message.
import { useState, type FormEvent } from 'react';

import { chooseLanguage, isLanguage, LANGUAGES, useI18n, type Language } from '../i18n';
import { session, SignInError } from '../session';

export function SignIn(props: { onLanguage: (language: Language) => void }) {
  const { t, language } = useI18n();
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    setBusy(true);
    setProblem(null);
    try {
      await session.signIn(String(form.get('email') ?? ''), String(form.get('password') ?? ''));
    } catch (error) {
      const code = error instanceof SignInError ? error.code : 'NETWORK';
      setProblem(
        code === 'SIGN_IN_FAILED'
          ? t('signIn.failed')
          : code === 'SIGN_IN_THROTTLED'
            ? t('signIn.throttled')
            : t('signIn.other', { code }),
      );
    } finally {
      setBusy(false);
    }
  }

  return (
    <main id="main" className="sign-in">
      <h1>{t('app.title')}</h1>
      <form onSubmit={(event) => void submit(event)} aria-labelledby="sign-in-title">
        <h2 id="sign-in-title">{t('signIn.title')}</h2>
        <label>
          {t('signIn.email')}
          <input name="email" type="email" autoComplete="username" required />
        </label>
        <label>
          {t('signIn.password')}
          <input name="password" type="password" autoComplete="current-password" required />
        </label>
        {problem && (
          <p role="alert" className="problem">
            {problem}
          </p>
        )}
        <button type="submit" disabled={busy}>
          {t('signIn.submit')}
        </button>
      </form>
      <label className="language">
        {t('lang.label')}
        <select
          value={language}
          onChange={(event) => {
            const chosen = event.target.value;
            if (isLanguage(chosen)) {
              chooseLanguage(chosen);
              props.onLanguage(chosen);
            }
          }}
        >
          {Object.keys(LANGUAGES).map((code) => (
            <option key={code} value={code}>
              {code}
            </option>
          ))}
        </select>
      </label>
    </main>
  );
}
