"""The roster on MongoDB: one document per client and category in `roster_rows`,
answered by indexed queries on the server (count, page, eligible, promoted since, the
seniority job's steps, the ranks and stripes held).

Each query and the index that serves it (checked by
`services/ranks/tests/integration/test_roster_queries.py`):

| question | filter (every one also has `tenant`, `category`) | index |
|---|---|---|
| a page, its count | `rank_id $in`, `client_id > after`, sort `client_id` | `by_rank` |
| eligible only | `eligible`, `rank_id $in`, `client_id > after`, sort `client_id` | `eligible` |
| promoted since | `rank_id $in`, `auto_promoted_at >= since` | `promoted` |
| seniority, per step | `rank_id`, `stripes`, `waiting`, `step_from < before` | `steps` |
| most stripes held | `rank_id`, sort `stripes` descending | `steps` |
| a rank held | `rank_id` | `by_rank` |
| write, forget | `_id` | `_id_` |

"Promoted since" pages in memory: those promoted after a date are few next to a
category's holders. Rows written before this collection (the bucket documents of
`ranks.adapters.bucket_roster`) are copied in once at start (`adopt_buckets`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from plumbing.clock import as_utc
from plumbing.mongo import Doc, doc_key
from plumbing.storage.indexes import Index
from pymongo import ASCENDING, DESCENDING, IndexModel
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from ranks.adapters.bucket_roster import ROSTER, parse_rows
from ranks.adapters.roster import Roster, RosterPage, RosterRow, Waiting, Wanted, window_of

ROSTER_ROWS = "roster_rows"
MIGRATIONS = "ranks_migrations"  # one document per migration done


def _index(name: str, *keys: str) -> Index:
    scope = ("tenant", "category")
    return Index(ROSTER_ROWS, tuple((k, ASCENDING) for k in (*scope, *keys)), name)


ROSTER_INDEXES = (
    _index("by_rank", "rank_id", "client_id"),
    _index("eligible", "eligible", "rank_id", "client_id"),
    _index("promoted", "rank_id", "auto_promoted_at"),
    _index("steps", "rank_id", "stripes", "waiting", "step_from"),
)


async def prepare_roster(db: AsyncDatabase[Doc]) -> None:
    """The indexes, once at start (idempotent)."""
    for index in ROSTER_INDEXES:
        await db[ROSTER_ROWS].create_indexes([IndexModel(list(index.keys), name=index.name)])


def _document(tenant: str, category_id: str, row: RosterRow) -> Doc:
    return {
        "_id": doc_key(tenant, f"{category_id}:{row.client_id}"),
        "tenant": tenant,
        "category": category_id,
        "client_id": row.client_id,
        "rank_id": row.rank_id,
        "since": row.since,
        "eligible": row.eligible,
        "auto_promoted_at": row.auto_promoted_at,
        "stripes": row.stripes,
        "step_since": row.step_since,
        "stripe_eligible": row.stripe_eligible,
        # Derived, for the seniority job's index.
        "waiting": row.waiting,
        "step_from": row.step_from,
    }


def _row(doc: Doc) -> RosterRow:
    def maybe(name: str) -> Any:
        return as_utc(doc[name]) if doc.get(name) else None

    return RosterRow(
        client_id=doc["client_id"],
        rank_id=doc["rank_id"],
        since=as_utc(doc["since"]),
        eligible=bool(doc.get("eligible")),
        auto_promoted_at=maybe("auto_promoted_at"),
        stripes=int(doc.get("stripes") or 0),
        step_since=maybe("step_since"),
        stripe_eligible=bool(doc.get("stripe_eligible")),
    )


def _rank_condition(rank_ids: Sequence[str]) -> Any:
    return rank_ids[0] if len(rank_ids) == 1 else {"$in": list(rank_ids)}


class MongoRoster(Roster):
    def __init__(self, db: AsyncDatabase[Doc], tenant: str) -> None:
        self.tenant = tenant
        self._rows = db[ROSTER_ROWS]

    def _scope(self, category_id: str) -> Doc:
        return {"tenant": self.tenant, "category": category_id}

    async def put(self, category_id: str, row: RosterRow) -> None:
        doc = _document(self.tenant, category_id, row)
        await self._rows.replace_one({"_id": doc["_id"]}, doc, upsert=True)

    async def forget(self, client_id: str, category_ids: Sequence[str]) -> None:
        ids = [doc_key(self.tenant, f"{c}:{client_id}") for c in category_ids]
        if ids:
            await self._rows.delete_many({"_id": {"$in": ids}})

    async def page(
        self,
        category_id: str,
        wanted: Wanted,
        after: str | None,
        size: int,
        before: str | None = None,
        from_end: bool = False,
    ) -> RosterPage:
        if not wanted.rank_ids:
            return RosterPage([], 0, False)
        where: Doc = {**self._scope(category_id), "rank_id": _rank_condition(wanted.rank_ids)}
        if wanted.auto_promoted_since is not None:
            where["auto_promoted_at"] = {"$gte": wanted.auto_promoted_since}
            found = [_row(doc) async for doc in self._rows.find(where)]
            kept = sorted((r for r in found if wanted.keeps(r)), key=lambda r: r.client_id)
            return window_of(kept, after, before, size, from_end)
        if wanted.eligible_only:
            where["eligible"] = True
        total = await self._rows.count_documents(where)
        between: Doc = {}
        if after is not None:
            between["$gt"] = after
        if before is not None:
            between["$lt"] = before
        if between:
            where["client_id"] = between
        # One more than the page: whether another follows (precedes, read from the end).
        way = DESCENDING if from_end else ASCENDING
        cursor = self._rows.find(where).sort("client_id", way).limit(size + 1)
        rows = [_row(doc) async for doc in cursor]
        more = len(rows) > size
        if from_end:
            return RosterPage(rows[:size][::-1], total, before is not None, has_previous=more)
        return RosterPage(rows[:size], total, more, has_previous=after is not None)

    async def waiting(self, category_id: str, steps: Sequence[Waiting]) -> list[RosterRow]:
        out: list[RosterRow] = []
        for step in steps:
            where = {
                **self._scope(category_id),
                "rank_id": step.rank_id,
                "stripes": step.stripes,
                "waiting": True,
                "step_from": {"$lt": step.began_before},
            }
            out.extend([_row(doc) async for doc in self._rows.find(where)])
        return out

    async def held_ranks(self, category_id: str, rank_ids: Sequence[str]) -> set[str]:
        held: set[str] = set()
        for rank_id in dict.fromkeys(rank_ids):
            where = {**self._scope(category_id), "rank_id": rank_id}
            if await self._rows.find_one(where, {"_id": 1}) is not None:
                held.add(rank_id)
        return held

    async def most_stripes(self, category_id: str, rank_id: str) -> int:
        where = {**self._scope(category_id), "rank_id": rank_id}
        doc = await self._rows.find_one(where, {"stripes": 1}, sort=[("stripes", DESCENDING)])
        return int((doc or {}).get("stripes") or 0)


async def adopt_buckets(db: AsyncDatabase[Doc]) -> int:
    """Copy the rows of the bucket documents (the roster's layout before this
    collection, every tenant) into `roster_rows`, once; a row already written here is
    newer and stays. Returns the rows copied."""
    if await db[MIGRATIONS].find_one({"_id": ROSTER_ROWS}) is not None:
        return 0
    copied = 0
    async for bucket in db[ROSTER].find({}):
        tenant = bucket.get("tenant")
        if not tenant:
            continue
        category_id = str(bucket["_id"]).split(":", 1)[1].rsplit(":", 1)[0]
        for row in parse_rows(bucket):
            doc = _document(tenant, category_id, row)
            try:
                await db[ROSTER_ROWS].insert_one(doc)
                copied += 1
            except DuplicateKeyError:
                continue
    try:
        await db[MIGRATIONS].insert_one({"_id": ROSTER_ROWS, "rows": copied})
    except DuplicateKeyError:
        pass  # another process finished it too
    return copied
