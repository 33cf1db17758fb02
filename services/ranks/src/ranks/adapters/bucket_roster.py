"""The roster on the local FerretDB: per category, `ROSTER_BUCKETS` (16) documents
`<tenant>:<category>:<n>` in `roster`, each mapping client id -> row, read and written by
`_id` alone (the one filter FerretDB v1 on SQLite pushes down; any other reads the whole
collection of every tenant, 1.1 s on 50,000 documents, docs/storage.md).

A revision document per category in `roster_revs` (one counter per bucket) lets each
process keep the parsed buckets and read a bucket again only when its revision moved.
For 100,000 holders the buckets are about 10 MB of documents, which FerretDB took
3.6-4.6 s to return on every report page; with the kept buckets a page takes 118-176 ms
(bench/README.md, `ranks_visits.py`). The category's rows are also kept sorted by client
id while no bucket moves, so a page filters them once and finds its cursor by bisection
and the rows a filter keeps are kept too, so the next pages of a report filter nothing
(sorting and filtering 100,000 rows on every page took 12-27 ms).
"""

from __future__ import annotations

import asyncio
import zlib
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from plumbing.clock import as_utc
from plumbing.mongo import Doc
from plumbing.tenant_collection import TenantCollection
from pymongo.asynchronous.database import AsyncDatabase

from ranks.adapters.roster import RosterRow, RowsRoster, Wanted

ROSTER = "roster"
ROSTER_REVS = "roster_revs"  # per category: how many times each bucket changed
ROSTER_BUCKETS = 16


def _field(key: str) -> str:
    # Client ids become field names: keep them out of MongoDB's syntax.
    return key.replace(".", "\uff0e").replace("$", "\uff04")


def bucket_of(client_id: str) -> int:
    return zlib.crc32(client_id.encode()) % ROSTER_BUCKETS


def _maybe_utc(value: datetime | None) -> datetime | None:
    return as_utc(value) if value else None


def parse_rows(doc: Doc | None) -> list[RosterRow]:
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
_buckets: dict[str, tuple[int, list[RosterRow]]] = {}
# A category's rows sorted by client id, by `<tenant>:<category>`: (revisions, rows).
_sorted: dict[str, tuple[tuple[int, ...], list[RosterRow]]] = {}
# The rows a filter keeps, by (`<tenant>:<category>`, filter): (the sorted rows, kept).
_kept: dict[tuple[str, Wanted], tuple[list[RosterRow], list[RosterRow]]] = {}
KEPT_FILTERS = 256


class BucketRoster(RowsRoster):
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
        found = await self._revs.get(category_id) or {}
        revisions = tuple(int(found.get(f"b{b}") or 0) for b in range(ROSTER_BUCKETS))
        category_key = f"{self.tenant}:{category_id}"
        kept = _sorted.get(category_key)
        if kept is not None and kept[0] == revisions:
            return kept[1]
        stale = [
            b
            for b in range(ROSTER_BUCKETS)
            if _buckets.get(self._cache_key(category_id, b), (-1, []))[0] != revisions[b]
        ]
        docs = await asyncio.gather(
            *(self._roster.get(self._id(category_id, b), {"rows": 1}) for b in stale)
        )
        for b, doc in zip(stale, docs, strict=True):
            _buckets[self._cache_key(category_id, b)] = (revisions[b], parse_rows(doc))
        out: list[RosterRow] = []
        for b in range(ROSTER_BUCKETS):
            out.extend(_buckets[self._cache_key(category_id, b)][1])
        out.sort(key=lambda r: r.client_id)
        _sorted[category_key] = (revisions, out)
        return out

    async def kept(self, category_id: str, wanted: Wanted) -> list[RosterRow]:
        rows = await self.rows(category_id)
        key = (f"{self.tenant}:{category_id}", wanted)
        found = _kept.get(key)
        if found is not None and found[0] is rows:
            return found[1]
        if len(_kept) >= KEPT_FILTERS:
            _kept.clear()
        kept = [row for row in rows if wanted.keeps(row)]
        _kept[key] = (rows, kept)
        return kept

    def _cache_key(self, category_id: str, bucket: int) -> str:
        return f"{self.tenant}:{self._id(category_id, bucket)}"
