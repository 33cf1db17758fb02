// The client card's further sections (seeds 001 and 004): contact data, custom fields and
// forms, documents, disliked services, communication preferences, memberships and gift
// cards, the timeline, messages from the card, export and erase. One query reads them; each
// change answers the card, and the normalized cache updates every section; the timeline's
// first page is read again when the card's live updates bring a new line.
import '../../more.css';
import { ConsoleCardMoreDocument } from '@studio/graph';
import { useQuery } from 'urql';

import { useI18n } from '../../i18n';
import { Loading, Problem } from '../../ui';
import { Contact } from './Contact';
import { CustomFields } from './CustomFields';
import { Disliked } from './Disliked';
import { Documents } from './Documents';
import { Forms } from './Forms';
import { Holdings } from './Holdings';
import { Outreach } from './Outreach';
import { Preferences } from './Preferences';
import { Privacy } from './Privacy';
import { Timeline } from './Timeline';

export function MoreSections({ clientId, timelineVersion }: { clientId: string; timelineVersion: number }) {
  const { t } = useI18n();
  const [{ data, error, fetching }] = useQuery({ query: ConsoleCardMoreDocument, variables: { id: clientId } });
  const client = data?.client;
  if (error) return <Problem error={error} />;
  if (!client) return fetching ? <Loading /> : null;
  const branches = data.studio?.branches ?? [];
  return (
    <div className="card-more">
      <h2 className="visually-hidden">{t('cd.more')}</h2>
      <div className="grid">
        <Contact client={client} branches={branches} />
        <CustomFields client={client} definitions={data.customFieldDefinitions ?? []} />
        <Forms client={client} definitions={data.customFieldDefinitions ?? []} />
        <Documents client={client} />
        <Disliked client={client} />
        <Holdings activity={client.activity ?? null} branches={branches} />
        <Outreach clientId={client.id} />
        <Privacy client={client} />
      </div>
      <Preferences client={client} />
      <Timeline clientId={client.id} version={timelineVersion} />
    </div>
  );
}
