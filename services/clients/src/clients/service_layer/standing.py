"""C10 read model: each card keeps the ranks and the points balance other contexts
report, so `clients(filter: {rankId, minPoints, maxPoints})` is one query here.

- `ranks.events` (`rank_assigned`, `client_promoted`, `client_demoted`): every event
  carries `client_id, category_id, rank_id` = the rank held in that category after the
  change. Kept per category with the event time; an older event never overwrites a
  newer one. `rank_ids` lists the ranks held in every category (what the filter reads).
- `loyalty.events` (`points_*`): every event carries `client_id` and `balance_after`;
  it is applied only if it is newer than the balance already held. Of a run of them
  (a burst of purchases), only each client's newest is applied (`batch_handlers`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping

from plumbing.clock import as_utc
from plumbing.consumer import BatchHandler, merge, newest_per_client, once
from plumbing.contracts import EventData
from plumbing.envelope import Envelope
from plumbing.logs import get_logger
from plumbing.mongo import Doc, TenantCollection
from pymongo.asynchronous.database import AsyncDatabase

from clients.adapters.repository import CLIENTS
from clients.service_layer.search_index import card_written

log = get_logger("clients.standing")

RANK_EVENTS = ("ranks.rank_assigned.v1", "ranks.client_promoted.v1", "ranks.client_demoted.v1")
POINTS_EVENTS = tuple(
    f"loyalty.points_{fact}.v1"
    for fact in ("earned", "redeemed", "granted", "deducted", "expired", "reversed")
)
ATTEMPTS = 5


class RankHeld(EventData):
    client_id: str
    category_id: str
    rank_id: str


class PointsBalance(EventData):
    client_id: str
    balance_after: int


async def apply_rank(db: AsyncDatabase[Doc], envelope: Envelope) -> None:
    data = RankHeld.model_validate(envelope.data)
    cards = TenantCollection(db[CLIENTS], envelope.tenant)
    at = as_utc(envelope.time)
    seen_filter, seen_update = once(envelope.id)
    for _ in range(ATTEMPTS):
        card = await cards.get(data.client_id, {"erased": 1, "ranks_held": 1, "rank_rev": 1})
        if card is None or card.get("erased"):
            log.info("rank_for_unknown_client", tenant=envelope.tenant, client=data.client_id)
            return
        held: dict[str, Doc] = dict(card.get("ranks_held") or {})
        current = held.get(data.category_id)
        if current is not None and as_utc(current["at"]) > at:
            return  # an older change arriving late: the newer rank stays
        held[data.category_id] = {"rank_id": data.rank_id, "at": at}
        rev = card.get("rank_rev")
        guard: Doc = {"rank_rev": rev} if rev is not None else {"rank_rev": {"$exists": False}}
        done = await cards.update(
            {"_id": data.client_id, **guard, **seen_filter},
            merge(
                {
                    "$set": {
                        "ranks_held": held,
                        "rank_ids": sorted({h["rank_id"] for h in held.values()}),
                    },
                    "$inc": {"rank_rev": 1},
                },
                seen_update,
            ),
        )
        if done is not None:
            card_written(db.name, envelope.tenant, done)
            return
        again = await cards.get(data.client_id, {"_events": 1})
        if again is not None and envelope.id in (again.get("_events") or []):
            return  # applied by an earlier delivery
    raise RuntimeError("rank read model kept changing; retrying the event")


async def apply_points(db: AsyncDatabase[Doc], envelope: Envelope) -> None:
    data = PointsBalance.model_validate(envelope.data)
    cards = TenantCollection(db[CLIENTS], envelope.tenant)
    at = as_utc(envelope.time)
    seen_filter, seen_update = once(envelope.id)
    done = await cards.update(
        {
            "_id": data.client_id,
            "erased": {"$ne": True},
            "$or": [{"points_at": {"$exists": False}}, {"points_at": {"$lte": at}}],
            **seen_filter,
        },
        merge({"$set": {"points": data.balance_after, "points_at": at}}, seen_update),
    )
    card_written(db.name, envelope.tenant, done)


def handlers(db: AsyncDatabase[Doc]) -> Mapping[str, Callable[[Envelope], Awaitable[None]]]:
    out: dict[str, Callable[[Envelope], Awaitable[None]]] = {}

    async def rank(envelope: Envelope) -> None:
        await apply_rank(db, envelope)

    async def points(envelope: Envelope) -> None:
        await apply_points(db, envelope)

    for name in RANK_EVENTS:
        out[name] = rank
    for name in POINTS_EVENTS:
        out[name] = points
    return out


def batch_handlers(db: AsyncDatabase[Doc]) -> Mapping[str, BatchHandler]:
    async def points(envelope: Envelope, _: PointsBalance) -> None:
        await apply_points(db, envelope)

    return dict.fromkeys(POINTS_EVENTS, newest_per_client(PointsBalance, points))
