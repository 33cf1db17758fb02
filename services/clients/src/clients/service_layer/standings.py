"""C10 read model: each card keeps the ranks and the points balance other contexts
report, so `clients(filter: {rankId, minPoints, maxPoints})` is one query here.

- ranks (`rank_assigned`, `client_promoted`, `client_demoted`): every event carries
  `client_id, category_id, rank_id` = the rank held in that category after the change.
  Kept per category with the event time; an older event never overwrites a newer one.
  `rank_ids` lists the ranks held in every category (what the filter reads).
- loyalty (`points_*`): every event carries `client_id` and `balance_after`; it is
  applied only if it is newer than the balance already held. Of a run of them (a burst of
  purchases), only each client's newest is applied (`entrypoints/consumer.py`).
"""

from __future__ import annotations

from datetime import datetime

from plumbing.clock import as_utc
from plumbing.logs import get_logger
from plumbing.mongo import Doc
from plumbing.storage import Decision, Keep, Loaded, Repository, Save, change

from clients.service_layer.card_details import listed
from clients.service_layer.ports import PointsBalances

log = get_logger("clients.standings")


async def record_rank(
    ranks: Repository[Doc], client_id: str, category_id: str, rank_id: str, at: datetime
) -> bool:
    """Keep `rank_id` as the rank held in `category_id` since `at`, unless the card knows
    a newer one (or the same: a replay). False when nothing changed."""
    at = as_utc(at)
    at = at.replace(microsecond=at.microsecond // 1000 * 1000)  # as stored: milliseconds

    def decide(current: Loaded[Doc]) -> Decision[Doc, bool]:
        card = current.state
        if not listed(card):
            log.info("rank_for_unknown_client", tenant=ranks.tenant, client=client_id)
            return Keep(False)
        held: dict[str, Doc] = dict(card.get("ranks_held") or {})
        now_held = held.get(category_id)
        if now_held is not None:
            if as_utc(now_held["at"]) > at:
                return Keep(False)  # an older change arriving late: the newer rank stays
            if as_utc(now_held["at"]) == at and now_held["rank_id"] == rank_id:
                return Keep(False)  # this change, applied already
        held[category_id] = {"rank_id": rank_id, "at": at}
        rank_ids = sorted({h["rank_id"] for h in held.values()})
        return Save({**card, "ranks_held": held, "rank_ids": rank_ids}, True)

    return (await change(ranks, client_id, decide)).result


async def record_points(
    balances: PointsBalances, event_id: str, client_id: str, balance: int, at: datetime
) -> None:
    """Keep the balance reported at `at` unless the card holds a newer one."""
    await balances.record(event_id, client_id, balance, at)
