// Refusals of a mutation (userErrors) next to the field they name, in the reader's language:
// a known code reads from the dictionary (err.CODE), any other keeps the graph's message.
// An input names its errors with `describe(name)`: aria-invalid and aria-describedby
// point at the message rendered by <FieldError>.
import { useId } from 'react';

import { useI18n, type Translate } from './i18n';
import { en, type Key } from './i18n/en';
import type { UserErrors } from './ui';

type UserError = NonNullable<UserErrors>[number] & { field?: ReadonlyArray<string> | null };
type Errors = ReadonlyArray<UserError> | null | undefined;

export function explain(t: Translate, error: { code: string; message: string }): string {
  const key = `err.${error.code}`;
  return key in en ? t(key as Key) : error.message;
}

/** Whether `error` is about `name` (the last part of its field path, or any part). */
function names(error: UserError, name: string): boolean {
  return Boolean(error.field?.includes(name));
}

export function useFieldErrors(errors: Errors, fields: readonly string[]) {
  const { t } = useI18n();
  const base = useId();
  const list = errors ?? [];
  const about = (name: string) => list.filter((e) => names(e, name));
  const idOf = (name: string) => `${base}-${name}-error`;
  return {
    /** Props of the input called `name`: invalid and described by its message when refused. */
    describe(name: string) {
      const refused = about(name).length > 0;
      return refused ? { 'aria-invalid': true as const, 'aria-describedby': idOf(name) } : {};
    },
    /** The message of the field called `name`, to render right after its input. */
    message(name: string) {
      const mine = about(name);
      if (!mine.length) return null;
      return (
        <span id={idOf(name)} className="problem field-error" role="alert">
          {mine.map((e) => explain(t, e)).join(' ')}
        </span>
      );
    },
    /** The refusals no field of the form shows. */
    rest() {
      return <Refusals errors={list.filter((e) => !fields.some((name) => names(e, name)))} />;
    },
  };
}

/** Refusals shown together, each in the reader's language; nothing when there are none. */
export function Refusals({ errors }: { errors: Errors }) {
  const { t } = useI18n();
  if (!errors?.length) return null;
  return (
    <ul role="alert" className="problem">
      {errors.map((e) => (
        <li key={e.code + e.message}>{explain(t, e)}</li>
      ))}
    </ul>
  );
}
