"""Where the card keeps what other contexts report (C10's rank and points filters): the
`ranks_held` / `rank_ids` part (versioned by its own counter `rank_rev`, so it never
races the card's own edits) and the `points` balance with its time.

Both live on the card documents (`clients`), so a search by rank or points is one query
of one collection (on MongoDB, served by the `(tenant, rank_ids)` and `(tenant, points)`
indexes `adapters.repository.prepare` creates).
"""

from __future__ import annotations

from datetime import datetime

from plumbing.event_handlers import merge, once
from plumbing.mongo import Doc
from plumbing.outbox import Outbox
from plumbing.storage import Repository
from plumbing.tenant_collection import TenantCollection
from pymongo.asynchronous.database import AsyncDatabase

from clients.adapters.repository import CLIENTS
from clients.adapters.revised import RevisedDocuments
from clients.adapters.search_index import card_written
from clients.service_layer.ports import PointsBalances

RANK_FIELDS = ("ranks_held", "rank_ids")


def held_ranks(db: AsyncDatabase[Doc], tenant: str) -> Repository[Doc]:
    """The rank part of the tenant's cards; an erased card (C12) reads as gone."""
    return RevisedDocuments(
        TenantCollection(db[CLIENTS], tenant),
        Outbox(db),
        counter="rank_rev",
        fields=RANK_FIELDS,
        written=lambda doc: card_written(db.name, tenant, doc),
    )


class CardBalances(PointsBalances):
    """The balance on the card: one guarded update, newest time wins, once per event."""

    def __init__(self, db: AsyncDatabase[Doc], tenant: str) -> None:
        self._db = db
        self._cards = TenantCollection(db[CLIENTS], tenant)

    async def record(self, event_id: str, client_id: str, balance: int, at: datetime) -> None:
        seen_filter, seen_update = once(event_id)
        done = await self._cards.update(
            {
                "_id": client_id,
                "erased": {"$ne": True},
                "$or": [{"points_at": {"$exists": False}}, {"points_at": {"$lte": at}}],
                **seen_filter,
            },
            merge({"$set": {"points": balance, "points_at": at}}, seen_update),
        )
        card_written(self._db.name, self._cards.tenant, done)
