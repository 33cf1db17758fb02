// The card's live updates (docs/live-updates.md): the `clientCard` subscription's changes
// carry the card as it is now, so the normalized cache updates the open card (ranks, rank
// history, points and their expiry, weight) without a reload. Answers whether the
// subscription has started, the last change, and how many points movements and timeline
// lines arrived (the ledger, or the timeline's first page, is read again on each); REFETCH (what was missed is out of reach) reads the card again.
import { ConsoleCardLiveDocument } from '@studio/graph';
import { useEffect } from 'react';
import { useSubscription } from 'urql';

export type LiveCard = {
  listening: boolean;
  pointsMoves: number;
  timelineLines: number;
  refetches: number;
  last: { area: string; rankName: string | null; pointsBalance: number | null; at: string } | null;
};

const QUIET: LiveCard = { listening: false, pointsMoves: 0, timelineLines: 0, refetches: 0, last: null };

export function useLiveCard(clientId: string, reread: () => void): LiveCard {
  const [live] = useSubscription(
    { query: ConsoleCardLiveDocument, variables: { clientId } },
    (seen: LiveCard = QUIET, update): LiveCard => {
      const { kind, change } = update.clientCard;
      if (kind === 'REFETCH') return { ...seen, listening: true, refetches: seen.refetches + 1 };
      if (kind !== 'CHANGE' || !change) return { ...seen, listening: true };
      return {
        ...seen,
        pointsMoves: seen.pointsMoves + (change.area === 'POINTS' ? 1 : 0),
        timelineLines: seen.timelineLines + (change.area === 'TIMELINE' ? 1 : 0),
        last: { area: change.area, rankName: change.rankName, pointsBalance: change.pointsBalance, at: change.at },
      };
    },
  );
  const card = live.data ?? QUIET;
  useEffect(() => {
    if (card.refetches > 0) reread();
  }, [card.refetches, reread]);
  return card;
}
