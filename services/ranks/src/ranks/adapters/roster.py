"""The roster: `rankReport`'s and the seniority job's read model, one row per client and
category (rank, since, stripes, announced eligibilities, last automatic promotion).

`Roster` is the port the use cases and the report see. `BucketRoster` is how it is kept
on the local database, and what runs today on both databases:

- per category, `ROSTER_BUCKETS` (16) documents `<tenant>:<category>:<n>` in `roster`,
  each mapping client id -> row, read and written by `_id` alone (the one filter
  FerretDB v1 on SQLite pushes down; any other reads the whole collection of every
  tenant, 1.1 s on 50,000 documents, docs/storage.md);
- a revision document per category in `roster_revs` (one counter per bucket): each
  process keeps the parsed buckets and reads a bucket again only when its revision
  moved. For 100,000 holders the buckets are about 10 MB of documents, which FerretDB
  took 3.6-4.6 s to return on every report page; with the kept buckets a page takes
  118-176 ms (bench/README.md, `ranks_visits.py`).

On MongoDB the same questions could be indexed queries on the members themselves
(`{tenant, holdings.<category>.rank_id}`); that implementation is not written yet, so
the bucket roster is kept there too (docs/ranks.md).

A row is a second write after the member's save, not atomic with it: a crash in between
leaves the row one change behind until the member's next change rewrites it.
"""

from __future__ import annotations

import asyncio
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Protocol

from plumbing.clock import as_utc
from plumbing.mongo import Doc
from plumbing.tenant_collection import TenantCollection
from pymongo.asynchronous.database import AsyncDatabase

from ranks.domain.model import Holding

ROSTER = "roster"
ROSTER_REVS = "roster_revs"  # per category: how many times each bucket changed
ROSTER_BUCKETS = 16


@dataclass(frozen=True)
class RosterRow:
    client_id: str
    rank_id: str
    since: datetime
    # Announced eligible for the next rank (`eligible`) or the next stripe.
    eligible: bool
    auto_promoted_at: datetime | None
    stripes: int = 0
    # Where the current step started (the last stripe change, or `since`): the seniority
    # job finds the clients due from it.
    step_since: datetime | None = None
    stripe_eligible: bool = False

    @classmethod
    def of(cls, client_id: str, h: Holding) -> RosterRow:
        return cls(
            client_id=client_id,
            rank_id=h.rank_id,
            since=h.since,
            eligible=h.announced_for is not None,
            auto_promoted_at=h.auto_promoted_at,
            stripes=h.stripes,
            step_since=h.step_since,
            stripe_eligible=h.announced_stripe is not None,
        )


class Roster(Protocol):
    """One tenant's roster."""

    async def put(self, category_id: str, row: RosterRow) -> None: ...

    async def forget(self, client_id: str, category_ids: Sequence[str]) -> None: ...

    async def rows(self, category_id: str) -> list[RosterRow]:
        """Every row of a category."""
        ...


async def held_ranks(roster: Roster, category_id: str) -> set[str]:
    return {row.rank_id for row in await roster.rows(category_id)}


async def held_stripes(roster: Roster, category_id: str) -> dict[str, int]:
    """Per rank of the category, the most stripes any client holds in it."""
    most: dict[str, int] = {}
    for row in await roster.rows(category_id):
        most[row.rank_id] = max(most.get(row.rank_id, 0), row.stripes)
    return most


def _field(key: str) -> str:
    # Client ids become field names: keep them out of MongoDB's syntax.
    return key.replace(".", "\uff0e").replace("$", "\uff04")


def bucket_of(client_id: str) -> int:
    return zlib.crc32(client_id.encode()) % ROSTER_BUCKETS


def _maybe_utc(value: datetime | None) -> datetime | None:
    return as_utc(value) if value else None


def _parse_rows(doc: Doc | None) -> list[RosterRow]:
    return [
        RosterRow(
            client_id=v["c"],
            rank_id=v["r"],
            since=as_utc(v["s"]),
            eligible=bool(v.get("e")),
            auto_promoted_at=_maybe_utc(v.get("a")),
            stripes=v.get("n") or 0,
            step_since=_maybe_utc(v.get("t")),
            stripe_eligible=bool(v.get("x")),
        )
        for v in ((doc or {}).get("rows") or {}).values()
    ]


# Parsed roster buckets, by `<tenant>:<category>:<bucket>`: (revision read, rows).
_roster_cache: dict[str, tuple[int, list[RosterRow]]] = {}


class BucketRoster(Roster):
    def __init__(self, db: AsyncDatabase[Doc], tenant: str) -> None:
        self.tenant = tenant
        self._roster = TenantCollection(db[ROSTER], tenant)
        self._revs = TenantCollection(db[ROSTER_REVS], tenant)

    def _id(self, category_id: str, bucket: int) -> str:
        return f"{category_id}:{bucket}"

    async def put(self, category_id: str, row: RosterRow) -> None:
        value: dict[str, Any] = {
            "c": row.client_id,
            "r": row.rank_id,
            "s": row.since,
            "e": row.eligible,
            "a": row.auto_promoted_at,
            "n": row.stripes,
            "t": row.step_since,
            "x": row.stripe_eligible,
        }
        await self._roster.update(
            {"_id": self._id(category_id, bucket_of(row.client_id))},
            {"$set": {f"rows.{_field(row.client_id)}": value}},
            upsert=True,
        )
        await self._bump(category_id, bucket_of(row.client_id))

    async def forget(self, client_id: str, category_ids: Sequence[str]) -> None:
        for category_id in category_ids:
            await self._roster.update(
                {"_id": self._id(category_id, bucket_of(client_id))},
                {"$unset": {f"rows.{_field(client_id)}": ""}},
            )
            await self._bump(category_id, bucket_of(client_id))

    async def _bump(self, category_id: str, bucket: int) -> None:
        """Tell every process's kept buckets that this one changed (after the write: a
        reader may serve the previous rows until then, never rows older than that)."""
        await self._revs.update({"_id": category_id}, {"$inc": {f"b{bucket}": 1}}, upsert=True)

    async def rows(self, category_id: str) -> list[RosterRow]:
        revs = await self._revs.get(category_id) or {}
        stale = [
            b
            for b in range(ROSTER_BUCKETS)
            if _roster_cache.get(self._cache_key(category_id, b), (-1, []))[0]
            != int(revs.get(f"b{b}") or 0)
        ]
        docs = await asyncio.gather(
            *(self._roster.get(self._id(category_id, b), {"rows": 1}) for b in stale)
        )
        for b, doc in zip(stale, docs, strict=True):
            revision = int(revs.get(f"b{b}") or 0)
            _roster_cache[self._cache_key(category_id, b)] = (revision, _parse_rows(doc))
        out: list[RosterRow] = []
        for b in range(ROSTER_BUCKETS):
            out.extend(_roster_cache[self._cache_key(category_id, b)][1])
        return out

    def _cache_key(self, category_id: str, bucket: int) -> str:
        return f"{self.tenant}:{self._id(category_id, bucket)}"


class MemoryRoster(Roster):
    """The roster in a dictionary (use-case tests)."""

    def __init__(self) -> None:
        self.categories: dict[str, dict[str, RosterRow]] = {}

    async def put(self, category_id: str, row: RosterRow) -> None:
        await asyncio.sleep(0)
        self.categories.setdefault(category_id, {})[row.client_id] = replace(row)

    async def forget(self, client_id: str, category_ids: Sequence[str]) -> None:
        for category_id in category_ids:
            self.categories.get(category_id, {}).pop(client_id, None)

    async def rows(self, category_id: str) -> list[RosterRow]:
        await asyncio.sleep(0)
        return list(self.categories.get(category_id, {}).values())
