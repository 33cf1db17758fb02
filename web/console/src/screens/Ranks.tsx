// Ranks (seed 000; R1-R3, R9, R10): the programme's words, the categories with their
// settings, their ranks in order with criteria and stripes, the report of who holds which
// rank (eligible, promoted automatically since), and the rank messages' templates.
import { ConsoleRankSettingsDocument, ConsoleSetRankProgramDocument, type RankTerminology } from '@studio/graph';
import '../more.css';
import { useState, type FormEvent } from 'react';
import { useMutation, useQuery } from 'urql';

import { useFieldErrors } from '../fieldErrors';
import { useI18n } from '../i18n';
import { Loading, Problem } from '../ui';
import { CategorySettings, NewCategory } from './ranks/CategorySettings';
import { RankList } from './ranks/RankList';
import { RankReport } from './ranks/RankReport';
import { TemplateEditor } from './Templates';

const TERMINOLOGIES: RankTerminology[] = ['BELTS', 'RANKINGS', 'CHALLENGES'];

export default function Ranks() {
  const { t, term } = useI18n();
  const [{ data, error, fetching }, refetch] = useQuery({ query: ConsoleRankSettingsDocument });
  const [showArchived, setShowArchived] = useState(false);
  const program = data?.rankProgram;
  const categories = (data?.rankCategories ?? []).filter((c) => showArchived || !c.archived);
  const terminology = program?.terminology ?? 'BELTS';
  return (
    <section aria-labelledby="ranks-title">
      <h1 id="ranks-title">{term('tracking')}</h1>
      {error && <Problem error={error} />}
      {!data && fetching && <Loading />}
      {program && <Program enabled={program.enabled} terminology={program.terminology} />}
      {data && (
        <>
          <h2>{t('rk.categories')}</h2>
          <label className="check">
            <input type="checkbox" checked={showArchived} onChange={(e) => setShowArchived(e.target.checked)} />
            {t('rk.showArchived')}
          </label>
          {categories.map((category) => (
            <section key={category.id} className="panel" aria-labelledby={`category-${category.id}`}>
              <h3 id={`category-${category.id}`}>
                {category.name}
                {category.archived && <span className="muted"> · {t('rk.archived')}</span>}
              </h3>
              <RankList category={category} terminology={terminology} />
              <details>
                <summary>{t('rk.settings', { name: category.name })}</summary>
                <CategorySettings category={category} />
              </details>
              <RankReport category={category} />
            </section>
          ))}
          <NewCategory onCreated={() => refetch({ requestPolicy: 'network-only' })} />
          <section className="panel" aria-labelledby="rank-templates">
            <h2 id="rank-templates">{t('rk.templates')}</h2>
            <p className="muted">{t('rk.templatesHelp', { plural: term('plural') })}</p>
            <TemplateEditor only={(key) => key.startsWith('rank_')} />
          </section>
        </>
      )}
    </section>
  );
}

function Program(props: { enabled: boolean; terminology: RankTerminology }) {
  const { t } = useI18n();
  const [result, save] = useMutation(ConsoleSetRankProgramDocument);
  const payload = result.data?.setRankProgram;
  const fields = useFieldErrors(payload?.userErrors, ['enabled', 'terminology']);
  const [saved, setSaved] = useState(false);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setSaved(false);
    const form = new FormData(event.currentTarget);
    const answer = await save({
      enabled: form.get('enabled') === 'on',
      terminology: String(form.get('terminology')) as RankTerminology,
    });
    if (answer.data?.setRankProgram?.program) setSaved(true);
  }

  return (
    <form className="panel inline" aria-labelledby="program-title" onSubmit={(e) => void submit(e)}>
      <h2 id="program-title" className="full">
        {t('rk.program')}
      </h2>
      <label className="check">
        <input type="checkbox" name="enabled" defaultChecked={props.enabled} {...fields.describe('enabled')} />
        {t('rk.enabled')}
      </label>
      {fields.message('enabled')}
      <label>
        {t('rk.terminology')}
        <select name="terminology" defaultValue={props.terminology} {...fields.describe('terminology')}>
          {TERMINOLOGIES.map((word) => (
            <option key={word} value={word}>
              {t(`term.${word}.tracking`)}
            </option>
          ))}
        </select>
        {fields.message('terminology')}
      </label>
      <button type="submit" disabled={result.fetching}>
        {t('save')}
      </button>
      {result.error && <Problem error={result.error} />}
      {fields.rest()}
      {saved && <p role="status">{t('rk.saved')}</p>}
    </form>
  );
}
