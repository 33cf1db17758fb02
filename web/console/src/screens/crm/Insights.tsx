// Demographics (K5) and app adoption (K6): counts by gender, age band and app platform, of
// every client or the active ones; each bar says its number.
import { ConsoleCrmInsightsDocument, type ClientScope } from '@studio/graph';
import { useId, useState } from 'react';
import { useQuery } from 'urql';

import { useI18n } from '../../i18n';
import { en, type Key } from '../../i18n/en';
import { Loading, Problem } from '../../ui';

type Bucket = { key: string; count: number };

function Buckets(props: { title: string; buckets: Bucket[]; label: (key: string) => string }) {
  const { number } = useI18n();
  const id = useId();
  const total = props.buckets.reduce((sum, b) => sum + b.count, 0);
  return (
    <figure className="bars" aria-labelledby={id}>
      <figcaption id={id}>{props.title}</figcaption>
      <dl>
        {props.buckets.map((b) => (
          <div key={b.key}>
            <dt>{props.label(b.key)}</dt>
            <dd>
              <span className="bar" style={{ inlineSize: `${total ? (b.count / total) * 100 : 0}%` }} aria-hidden="true" />
              {number(b.count)}
            </dd>
          </div>
        ))}
      </dl>
    </figure>
  );
}

export function Insights({ date }: { date: string }) {
  const { t, number } = useI18n();
  const [scope, setScope] = useState<ClientScope>('ALL');
  const [{ data, error, fetching }] = useQuery({
    query: ConsoleCrmInsightsDocument,
    variables: { date, scope },
    requestPolicy: 'cache-and-network',
  });
  const summary = data?.crmSummary;
  const named = (prefix: string) => (key: string) => {
    const k = `${prefix}${key}`;
    return k in en ? t(k as Key) : key;
  };
  return (
    <section className="panel" aria-labelledby="insights-title">
      <h2 id="insights-title">{t('cm.demographics')}</h2>
      <label>
        {t('cm.scope')}
        <select value={scope} onChange={(e) => setScope(e.target.value as ClientScope)}>
          <option value="ALL">{t('cm.scope.ALL')}</option>
          <option value="ACTIVE">{t('cm.scope.ACTIVE')}</option>
        </select>
      </label>
      {error && <Problem error={error} />}
      {!summary && fetching && <Loading />}
      {summary && (
        <div className="grid">
          <Buckets title={t('cd.gender')} buckets={summary.demographics.gender} label={named('cd.gender.')} />
          <Buckets title={t('cm.age')} buckets={summary.demographics.ageBands} label={named('cm.age.')} />
          <div>
            <h3>{t('cm.app')}</h3>
            <dl>
              <dt>{t('crm.withApp')}</dt>
              <dd>{number(summary.withApp)}</dd>
              <dt>{t('crm.activeInApp')}</dt>
              <dd>{number(summary.activeInApp)}</dd>
            </dl>
            <Buckets title={t('cm.platform')} buckets={summary.demographics.appPlatform} label={named('cd.platform.')} />
          </div>
        </div>
      )}
    </section>
  );
}
