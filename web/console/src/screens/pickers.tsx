// What a form picks from instead of typing an id: the studio's services and professionals
// (as the partner's sessions named them) offered as suggestions of an id field, so the field
// still takes an id the graph has not seen yet; a picked service also fills in its name.
import { ConsoleProfessionalsDocument, ConsoleServicesDocument } from '@studio/graph';
import { useQuery } from 'urql';

export type Named = { id: string; name: string | null };

export function useServices(): Named[] {
  const [{ data }] = useQuery({ query: ConsoleServicesDocument, requestPolicy: 'cache-first' });
  return data?.services ?? [];
}

export function useProfessionals(): Named[] {
  const [{ data }] = useQuery({ query: ConsoleProfessionalsDocument, requestPolicy: 'cache-first' });
  return data?.professionals ?? [];
}

/** The suggestions of an id input (`list={id}`): each option's value is the id, its label
 * the name. */
export function IdOptions(props: { id: string; items: Named[] }) {
  return (
    <datalist id={props.id}>
      {props.items.map((item) => (
        <option key={item.id} value={item.id} label={item.name ?? item.id} />
      ))}
    </datalist>
  );
}

/** The name known for an id typed or picked, for a name field to take. */
export function nameOf(items: Named[], id: string): string | null {
  return items.find((item) => item.id === id.trim())?.name ?? null;
}
