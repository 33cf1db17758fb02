// Memberships, credits and gift cards (C11) as the billing partner reports them, and
// whether the client has the app.
import type { CardMore, Branch } from './types';
import { useI18n } from '../../i18n';

type Activity = NonNullable<CardMore['activity']>;

export function Holdings(props: { activity: Activity | null; branches: Branch[] }) {
  const { t, date } = useI18n();
  const { activity } = props;
  const branch = (id: string | null) => props.branches.find((b) => b.id === id)?.name;
  return (
    <section className="panel" aria-labelledby="holdings-title">
      <h2 id="holdings-title">{t('cd.holdings')}</h2>
      {!activity ? (
        <p className="muted">{t('cd.noActivity')}</p>
      ) : (
        <>
          <p>
            {activity.hasApp
              ? t('cd.hasApp', { platform: activity.appPlatform ? t(`cd.platform.${activity.appPlatform}`) : '' })
              : t('cd.noApp')}
          </p>
          <h3>{t('cd.memberships')}</h3>
          {activity.memberships.length === 0 ? (
            <p className="muted">{t('cd.noMemberships')}</p>
          ) : (
            <ul className="plain">
              {activity.memberships.map((m) => (
                <li key={m.id}>
                  <p>
                    <strong>{m.plan}</strong> <span className="badge">{t(`cd.membership.${m.status}`)}</span>
                  </p>
                  <p className="muted">
                    {m.validUntil
                      ? t('cd.validRange', { from: date(m.validFrom), until: date(m.validUntil) })
                      : t('cd.validFrom', { from: date(m.validFrom) })}
                    {branch(m.branchId) && <> · {branch(m.branchId)}</>}
                  </p>
                  {m.credits.length > 0 && (
                    <>
                      <p className="muted">{t('cd.credits')}</p>
                      <ul>
                        {m.credits.map((c) => (
                          <li key={c.id}>
                            {c.kind}: {t(`cd.credit.${c.status}`)}
                            {c.expiresAt && <> · {t('cd.expires', { date: date(c.expiresAt) })}</>}
                          </li>
                        ))}
                      </ul>
                    </>
                  )}
                  {m.note && <p>{m.note}</p>}
                </li>
              ))}
            </ul>
          )}
          <h3>{t('cd.giftCards')}</h3>
          {activity.giftCards.length === 0 ? (
            <p className="muted">{t('cd.noGiftCards')}</p>
          ) : (
            <ul>
              {activity.giftCards.map((g) => (
                <li key={g.id}>
                  <code>{g.code}</code>: {g.balance.amount} {g.balance.currency}
                  {g.expiresAt && <> · {t('cd.expires', { date: date(g.expiresAt) })}</>}
                </li>
              ))}
            </ul>
          )}
        </>
      )}
    </section>
  );
}
