// Tasks (K4): open ones first, the most urgent first; complete one, add one.
import {
  ConsoleCompleteTaskDocument,
  ConsoleCreateTaskDocument,
  ConsoleStaffDocument,
  ConsoleTasksDocument,
  type TaskPriority,
} from '@studio/graph';
import { useState, type FormEvent } from 'react';
import { useMutation, useQuery } from 'urql';

import { Refusals, useFieldErrors } from '../../fieldErrors';
import { useI18n } from '../../i18n';
import { Link } from '../../router';
import { Loading, Problem, useIdempotencyKey } from '../../ui';

const PRIORITIES: TaskPriority[] = ['LOW', 'NORMAL', 'HIGH', 'URGENT'];

export function Tasks() {
  const { t, dateTime } = useI18n();
  const [showDone, setShowDone] = useState(false);
  const [{ data, error, fetching }, refetch] = useQuery({
    query: ConsoleTasksDocument,
    variables: { done: showDone ? null : false, first: 50 },
    requestPolicy: 'cache-and-network',
  });
  const [completed, complete] = useMutation(ConsoleCompleteTaskDocument);
  const [created, create] = useMutation(ConsoleCreateTaskDocument);
  const [{ data: people }] = useQuery({ query: ConsoleStaffDocument, requestPolicy: 'cache-first' });
  const staff = people?.staff ?? [];
  // One key per task being written: a second click (or a retry) creates nothing more.
  const [key, renewKey] = useIdempotencyKey();
  const fields = useFieldErrors(created.data?.createTask?.userErrors, ['title', 'dueAt', 'priority', 'assigneeId']);
  const tasks = (data?.tasksConnection?.edges ?? []).map((e) => e.node);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const formElement = event.currentTarget;
    const form = new FormData(formElement);
    const due = String(form.get('dueAt') ?? '');
    const answer = await create({
      title: String(form.get('title') ?? '').trim(),
      dueAt: due ? new Date(due).toISOString() : null,
      priority: String(form.get('priority')) as TaskPriority,
      assigneeId: String(form.get('assigneeId') ?? '') || null,
      idempotencyKey: key,
    });
    if (answer.data?.createTask?.task) {
      renewKey();
      formElement.reset();
      refetch({ requestPolicy: 'network-only' });
    }
  }

  return (
    <section className="panel" aria-labelledby="tasks-title">
      <h2 id="tasks-title">{t('cm.tasks')}</h2>
      <label className="check">
        <input type="checkbox" checked={showDone} onChange={(e) => setShowDone(e.target.checked)} />
        {t('cm.showDone')}
      </label>
      {error && <Problem error={error} />}
      {!data && fetching && <Loading />}
      {data && tasks.length === 0 && <p className="muted">{t('cm.noTasks')}</p>}
      <ul className="plain">
        {tasks.map((task) => (
          <li key={task.id}>
            <p>
              <strong>{task.title}</strong> <span className={`badge priority-${task.priority}`}>{t(`cm.priority.${task.priority}`)}</span>
              {task.done && <> · {t('cm.done')}</>}
            </p>
            <p className="muted">
              {task.dueAt ? t('cm.due', { when: dateTime(task.dueAt) }) : t('cm.noDue')}
              {task.assigneeId && (
                <>
                  {' · '}
                  {t('pick.assignedTo', {
                    name: staff.find((p) => p.id === task.assigneeId)?.name ?? task.assigneeId,
                  })}
                </>
              )}
              {task.client && (
                <>
                  {' · '}
                  <Link href={`/clients/${encodeURIComponent(task.client.id)}`}>
                    {task.client.firstName} {task.client.lastName}
                  </Link>
                </>
              )}
            </p>
            {!task.done && (
              <button type="button" className="quiet" disabled={completed.fetching} onClick={() => void complete({ id: task.id })}>
                {t('cm.complete', { title: task.title })}
              </button>
            )}
          </li>
        ))}
      </ul>
      {completed.error && <Problem error={completed.error} />}
      <Refusals errors={completed.data?.completeTask?.userErrors} />
      <details>
        <summary>{t('cm.newTask')}</summary>
        <form className="stack" onSubmit={(e) => void submit(e)}>
          <label>
            {t('cm.taskTitle')}
            <input name="title" required {...fields.describe('title')} />
            {fields.message('title')}
          </label>
          <label>
            {t('cm.dueAt')}
            <input name="dueAt" type="datetime-local" {...fields.describe('dueAt')} />
            {fields.message('dueAt')}
          </label>
          <label>
            {t('cm.priority')}
            <select name="priority" defaultValue="NORMAL" {...fields.describe('priority')}>
              {PRIORITIES.map((p) => (
                <option key={p} value={p}>
                  {t(`cm.priority.${p}`)}
                </option>
              ))}
            </select>
            {fields.message('priority')}
          </label>
          <label>
            {t('pick.assignee')}
            <select name="assigneeId" defaultValue="" {...fields.describe('assigneeId')}>
              <option value="">{t('pick.nobody')}</option>
              {staff.map((person) => (
                <option key={person.id} value={person.id}>
                  {person.name}
                </option>
              ))}
            </select>
            {fields.message('assigneeId')}
          </label>
          <div>
            <button type="submit" disabled={created.fetching}>
              {t('rk.create')}
            </button>
          </div>
          {created.error && <Problem error={created.error} />}
          {fields.rest()}
        </form>
      </details>
    </section>
  );
}
