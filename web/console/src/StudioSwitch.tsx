// For a person who works for several studios (viewer.studios): the studio this session acts
// for, and a switch to another. Switching asks /auth/refresh for a token of that studio (no
// new sign-in); App makes a new client, so nothing of one studio's cache shows in the next.
import { useState } from 'react';

import { useI18n } from './i18n';
import { navigate } from './router';
import { HOME } from './routes';
import { session } from './session';

export type StudioChoice = { studio: string; name?: string | null; role: string };

export function StudioSwitch(props: { current: string; studios: readonly StudioChoice[] }) {
  const { t } = useI18n();
  const [failed, setFailed] = useState(false);
  if (props.studios.length < 2) return null;

  async function choose(studio: string) {
    if (studio === props.current) return;
    setFailed(false);
    const renewed = await session.refresh(studio);
    if (!renewed || renewed.studio !== studio) setFailed(true);
    else navigate(HOME, true);
  }

  return (
    <label>
      <span className="visually-hidden">{t('studios.label')}</span>
      <select value={props.current} onChange={(event) => void choose(event.target.value)} aria-invalid={failed}>
        {props.studios.map((access) => (
          <option key={access.studio} value={access.studio}>
            {t('studios.option', { studio: access.name ?? access.studio, role: t(`studios.role.${access.role}` as 'studios.role.OWNER') })}
          </option>
        ))}
      </select>
      {failed && (
        <span role="alert" className="problem">
          {t('studios.failed')}
        </span>
      )}
    </label>
  );
}
