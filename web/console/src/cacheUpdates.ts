// What the normalized cache cannot tell from a mutation's answer alone: a deleted object
// must leave the lists that held it. An edited object needs nothing here (its id updates it
// wherever it is listed).
import type { Cache, UpdatesConfig } from '@urql/exchange-graphcache';

/** Removes the object `typename`:`id` from the list the root field `field` holds. */
function unlist(cache: Cache, field: string, typename: string, id: string): void {
  const gone = cache.keyOfEntity({ __typename: typename, id });
  const list = cache.resolve('Query', field);
  if (!gone || !Array.isArray(list)) return;
  cache.link(
    'Query',
    field,
    (list as (string | null)[]).filter((key) => key !== gone),
  );
  cache.invalidate(gone);
}

type Deleted = { automation?: { id: string } | null } | null | undefined;

export const updates: UpdatesConfig = {
  Mutation: {
    deletePointsAutomation(result, _args, cache) {
      const id = (result.deletePointsAutomation as Deleted)?.automation?.id;
      if (id) unlist(cache, 'pointsAutomations', 'PointsAutomation', id);
    },
  },
};
