// One listed automation (L7) and what can be done with it: edit its points, expiry or
// visit count (the trigger stays), pause or resume it, and delete it after an inline
// "Delete? Yes / No" step. The answers update the cache by the automation's id; a deleted
// one leaves the list through graph.ts's updater.
import {
  ConsoleDeleteAutomationDocument,
  ConsoleUpdateAutomationDocument,
  type ConsoleAutomationFragment,
} from '@studio/graph';
import { useEffect, useRef, useState, type FormEvent } from 'react';
import { useMutation } from 'urql';

import { useFieldErrors } from '../../fieldErrors';
import { useI18n } from '../../i18n';
import { Problem } from '../../ui';
import { AUTOMATION_FIELDS, AutomationFields, readAutomation } from './AutomationFields';

const COLUMNS = 5;

type Step = 'idle' | 'editing' | 'deleting';

export function AutomationRow(props: { automation: ConsoleAutomationFragment }) {
  const { t, number } = useI18n();
  const a = props.automation;
  const name = a.trigger === 'VISIT_COUNT' ? t('lo.trigger.everyN', { n: a.visitCount ?? 0 }) : t(`lo.trigger.${a.trigger}`);
  const [step, setStep] = useState<Step>('idle');
  const [toggled, toggle] = useMutation(ConsoleUpdateAutomationDocument);
  const [deleted, remove] = useMutation(ConsoleDeleteAutomationDocument);
  const toggleFields = useFieldErrors(toggled.data?.updatePointsAutomation?.userErrors, ['active']);
  const deleteFields = useFieldErrors(deleted.data?.deletePointsAutomation?.userErrors, []);
  const busy = toggled.fetching || deleted.fetching;
  const toggleError = toggleFields.describe('active')['aria-describedby'];
  // The question takes the focus ("No" first); answering No gives it back to Delete.
  const deleteButton = useRef<HTMLButtonElement>(null);
  const [backToDelete, setBackToDelete] = useState(false);
  useEffect(() => {
    if (backToDelete && step === 'idle') deleteButton.current?.focus();
  }, [backToDelete, step]);

  return (
    <>
      <tr>
        <td>{name}</td>
        <td className="num">{number(a.points)}</td>
        <td className="num">{number(a.expiryDays)}</td>
        <td>{a.active ? t('lo.active') : t('lo.paused')}</td>
        <td>
          {step === 'deleting' ? (
            <div className="actions" role="group" aria-label={t('lo.deleteConfirm', { name })}>
              <span>{t('lo.deleteConfirm', { name })}</span>
              <button
                type="button"
                className="danger"
                aria-label={t('lo.deleteYes', { name })}
                disabled={busy}
                onClick={() => void remove({ id: a.id })}
              >
                {t('yes')}
              </button>
              <button
                type="button"
                className="quiet"
                aria-label={t('lo.deleteNo', { name })}
                autoFocus
                onClick={() => {
                  setBackToDelete(true);
                  setStep('idle');
                }}
              >
                {t('no')}
              </button>
            </div>
          ) : (
            <div className="actions">
              <button
                type="button"
                className="quiet"
                aria-label={t('lo.editNamed', { name })}
                aria-expanded={step === 'editing'}
                onClick={() => setStep(step === 'editing' ? 'idle' : 'editing')}
              >
                {t('lo.edit')}
              </button>
              <button
                type="button"
                className="quiet"
                aria-label={t(a.active ? 'lo.pauseNamed' : 'lo.resumeNamed', { name })}
                aria-describedby={toggleError}
                disabled={busy}
                onClick={() => void toggle({ id: a.id, input: { active: !a.active } })}
              >
                {t(a.active ? 'lo.pause' : 'lo.resume')}
              </button>
              <button
                ref={deleteButton}
                type="button"
                className="quiet"
                aria-label={t('lo.deleteNamed', { name })}
                onClick={() => {
                  setBackToDelete(false);
                  setStep('deleting');
                }}
              >
                {t('lo.delete')}
              </button>
            </div>
          )}
          {toggleFields.message('active')}
          {toggleFields.rest()}
          {deleteFields.rest()}
          {(toggled.error ?? deleted.error) && <Problem error={(toggled.error ?? deleted.error)!} />}
        </td>
      </tr>
      {step === 'editing' && (
        <tr>
          <td colSpan={COLUMNS}>
            <EditAutomation
              // A change made meanwhile (paused, resumed) shows in a fresh form.
              key={`${a.points}:${a.expiryDays}:${a.visitCount ?? ''}:${a.active}`}
              automation={a}
              name={name}
              onSaved={() => setStep('idle')}
            />
          </td>
        </tr>
      )}
    </>
  );
}

function EditAutomation(props: { automation: ConsoleAutomationFragment; name: string; onSaved: () => void }) {
  const { t } = useI18n();
  const { automation } = props;
  const countsVisits = automation.trigger === 'VISIT_COUNT';
  const [result, update] = useMutation(ConsoleUpdateAutomationDocument);
  const fields = useFieldErrors(result.data?.updatePointsAutomation?.userErrors, AUTOMATION_FIELDS);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const input = readAutomation(new FormData(event.currentTarget), countsVisits);
    const answer = await update({ id: automation.id, input });
    if (answer.data?.updatePointsAutomation?.automation) props.onSaved();
  }

  return (
    <form className="inline" aria-label={t('lo.editNamed', { name: props.name })} onSubmit={(e) => void submit(e)}>
      <p className="muted full">{t('lo.editHelp')}</p>
      <AutomationFields countsVisits={countsVisits} fields={fields} values={automation} />
      <button type="submit" disabled={result.fetching}>
        {t('save')}
      </button>
      {result.error && <Problem error={result.error} />}
      {fields.rest()}
    </form>
  );
}
