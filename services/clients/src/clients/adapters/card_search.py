"""C10 client search behind one port (`service_layer.ports.CardSearch`), chosen once at
start by the database that answers:

- `DatabaseSearch` (MongoDB): the criteria become one filter (`mongo_filter`); a count
  and a page ordered by `(sort_name, id)`, both served by the `(tenant, sort_name, id)`
  index, with `(tenant, rank_ids)`, `(tenant, points)` and `(tenant, birth_md)` for the
  conditions that narrow most (`adapters.repository.prepare`).
- `IndexedSearch` (FerretDB/SQLite): only a filter of exactly `{_id}` reaches SQL, so any
  search filter reads the whole `clients` collection, every tenant's cards (seconds for
  a large studio: bench/README.md, "filtered search over 100,000 cards"). Each API
  process answers from its in-memory index (`adapters.search_index`, fed by
  `entrypoints.search_feed`) and fetches only the page's cards by `_id`; while the
  index loads, the collection is read for the keys only.
"""

from __future__ import annotations

import bisect
import re
from typing import Any

from plumbing.mongo import Doc, backend
from plumbing.tenant_collection import TenantCollection

from clients.adapters import search_index
from clients.domain.search import Criteria, window
from clients.service_layer.ports import CardSearch

HIDDEN = {"_outbox": 0, "_events": 0}


def mongo_filter(criteria: Criteria) -> Doc:
    """The criteria as one MongoDB filter (erased cards never match)."""
    query: Doc = {"erased": {"$ne": True}}
    ands: list[Doc] = [{"search_text": {"$regex": re.escape(w)}} for w in criteria.words]
    if criteria.statuses is not None:
        query["status"] = {"$in": sorted(criteria.statuses)}
    if criteria.branch_id is not None:
        query["preferred_branch_id"] = criteria.branch_id
    if criteria.birth_days is not None:
        query["birth_md"] = {"$in": sorted(criteria.birth_days)}
    if criteria.rank_id is not None:
        query["rank_ids"] = criteria.rank_id
    low, high = criteria.min_points, criteria.max_points
    if low is not None or high is not None:
        bounds: dict[str, int] = {}
        if low is not None:
            bounds["$gte"] = low
        if high is not None:
            bounds["$lte"] = high
        in_range: Doc = {"points": bounds}
        if (low is None or low <= 0) and (high is None or high >= 0):
            # A card no loyalty event reached yet has a balance of 0.
            in_range = {"$or": [in_range, {"points": {"$exists": False}}]}
        ands.append(in_range)
    if ands:
        query["$and"] = ands
    return query


class DatabaseSearch(CardSearch):
    def __init__(self, cards: TenantCollection) -> None:
        self._cards = cards

    async def search(
        self,
        criteria: Criteria,
        *,
        after: tuple[str, str] | None,
        limit: int,
        before: tuple[str, str] | None = None,
        from_end: bool = False,
    ) -> tuple[int, list[Doc]]:
        query = mongo_filter(criteria)
        page_filter: dict[str, Any] = dict(query)
        positions = [_past(after, "$gt")] if after is not None else []
        if before is not None:
            positions.append(_past(before, "$lt"))
        if positions:
            page_filter["$and"] = [*page_filter.get("$and", []), *positions]
        total = await self._cards.count(query)
        way = -1 if from_end else 1  # the last `limit`: read from the end, then turn round
        docs = await self._cards.find(
            page_filter, projection=HIDDEN, sort=[("sort_name", way), ("id", way)], limit=limit
        )
        return total, docs[::-1] if from_end else docs


def _past(position: tuple[str, str], way: str) -> Doc:
    """Cards after (`$gt`) or before (`$lt`) a `(sort_name, id)` position."""
    name, client_id = position
    return {"$or": [{"sort_name": {way: name}}, {"sort_name": name, "id": {way: client_id}}]}


class IndexedSearch(CardSearch):
    def __init__(self, cards: TenantCollection, database: str) -> None:
        self._cards = cards
        self._database = database

    async def _page(self, ids: list[str], *, listed_only: bool) -> list[Doc]:
        # One `_id` lookup each (`TenantCollection.get_many`): `$in` is not pushed down.
        found = {d["id"]: d for d in await self._cards.get_many(ids, HIDDEN)}
        return [
            found[i] for i in ids if i in found and not (listed_only and found[i].get("erased"))
        ]

    async def search(
        self,
        criteria: Criteria,
        *,
        after: tuple[str, str] | None,
        limit: int,
        before: tuple[str, str] | None = None,
        from_end: bool = False,
    ) -> tuple[int, list[Doc]]:
        index = search_index.serving(self._database)
        if index is not None and index.ready:
            total, page = index.search(
                self._cards.tenant,
                criteria,
                after=after,
                limit=limit,
                before=before,
                from_end=from_end,
            )
            return total, await self._page(page, listed_only=True)
        keys = sorted(
            (str(d.get("sort_name") or ""), str(d["id"]))
            for d in await self._cards.find(
                mongo_filter(criteria), projection={"sort_name": 1, "id": 1}
            )
        )
        start = bisect.bisect_right(keys, after) if after is not None else 0
        end = bisect.bisect_left(keys, before) if before is not None else len(keys)
        page = [keys[i][1] for i in window(len(keys), start, end, limit, from_end)]
        return len(keys), await self._page(page, listed_only=False)


def card_search(cards: TenantCollection, database: str) -> CardSearch:
    if backend.id_only_pushdown:
        return IndexedSearch(cards, database)
    return DatabaseSearch(cards)
