"""Storage on FerretDB v1 (SQLite backend), where the local stack runs.

What FerretDB v1.24.2 on SQLite does here (measured: docs/architecture.md, docs/storage.md),
and where this storage answers it:

- it does not isolate updates, and pushes down only a filter of exactly `{_id}`:
  aggregates are insertion chains (`plumbing.storage.insert_chain`), every read and write by
  `_id` alone, compare-and-set by inserting a new `_id`;
- its cost follows the number of fields: a chain's state is one packed field;
- `$push` with `$slice` is silently ignored (ten pushes with `$slice: -3` kept ten): a
  read model's bounded lists, its applied event ids among them, are computed here and
  `$set` whole (`plumbing.mongo.bounded_pushes`);
- one writer per SQLite file, with an unfair busy handler (single writes waited the whole
  10 s busy timeout while an import ran): every write passes `plumbing.mongo.write_gate`,
  one write per database at a time in this process.

Nothing here is needed on MongoDB, where the factory picks `plumbing.storage.mongodb`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from datetime import timedelta
from typing import Any, TypeVar

from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from plumbing.event_handlers import SEEN_FIELD, SEEN_KEEP
from plumbing.mongo import Doc, bounded_pushes, doc_key, document_lock, write_gate
from plumbing.outbox import Outbox
from plumbing.outbox_relay import OutboxRelay, Publisher
from plumbing.storage.claims import InsertedClaims
from plumbing.storage.insert_chain import KEEP_RECENT, ChainRepository
from plumbing.storage.memory import HIDDEN, view
from plumbing.storage.port import (
    Aggregates,
    Candidate,
    Delta,
    ReadModel,
    Relay,
    Storage,
    checked_events,
    checked_key,
    checked_tenant,
    checked_where,
)

S = TypeVar("S")


class FerretStorage(Storage):
    def __init__(self, db: AsyncDatabase[Doc], *, keep_recent: timedelta = KEEP_RECENT) -> None:
        self._db = db
        self._outbox = Outbox(db)
        self.keep_recent = keep_recent

    @property
    def kind(self) -> str:
        return "ferretdb"

    def repository(self, aggregates: Aggregates[S], tenant: str) -> ChainRepository[S]:
        return ChainRepository(self._db, self._outbox, aggregates, tenant, self.keep_recent)

    def read_model(self, name: str, tenant: str) -> ReadModel:
        return LockedReadModel(self._db, name, tenant)

    async def prepare(
        self, aggregates: Sequence[Aggregates[Any]] = (), read_models: Sequence[str] = ()
    ) -> None:
        # No indexes: only the `_id` index is ever used (the local FerretDB wrapper adds
        # the expression index its lookups need, deploy/local/ferretdb/idindex.go).
        return None

    def relay(self, publisher: Publisher, aggregates: Sequence[Aggregates[Any]]) -> Relay:
        names = [f"{a.name}_states" for a in aggregates]
        return OutboxRelay(self._db, publisher, names, outbox=self._outbox)

    async def tidy(self, aggregates: Aggregates[Any]) -> int:
        """For every head (all tenants; one scan of the small heads collection): bring a
        lagging head up to date, and delete old states whose events are out."""
        heads = self._db[f"{aggregates.name}_heads"]
        dropped = 0
        async for head in heads.find({}, {"tenant": 1, "local": 1, "v": 1, "gc": 1}):
            if not head.get("tenant") or not head.get("local"):
                continue
            repo = self.repository(aggregates, str(head["tenant"]))
            dropped += await repo.tidy_one(str(head["local"]), head)
        return dropped

    async def across_tenants(
        self, aggregates: Aggregates[Any], where: Mapping[str, Any]
    ) -> list[Candidate]:
        """One scan of the heads (every non-`_id` filter scans here), by their hints."""
        conditions = checked_where(where, aggregates.indexed)
        heads = self._db[f"{aggregates.name}_heads"]
        wanted = {"tenant": 1, "local": 1, **dict.fromkeys(aggregates.indexed, 1)}
        found = [
            Candidate(
                str(h["tenant"]),
                str(h["local"]),
                {n: h[n] for n in aggregates.indexed if n in h},
            )
            async for h in heads.find(conditions, wanted)
            if h.get("local")
        ]
        return sorted(found, key=lambda c: (c.tenant, c.key))


class LockedReadModel(InsertedClaims, ReadModel):
    """A read-model document per key, written by `_id` alone under this process's lock
    on the document: read it, check the event id, write the delta with the new id list
    (`$set`, since FerretDB ignores `$slice`).

    Across processes FerretDB does not isolate the two steps: the platform relies, as it
    did before this port, on one consumer owning a partition, so one key's events are
    applied by one process at a time. A read model that several partitions update at
    once (per-day counters) and that must be exact across replicas belongs in
    aggregates instead (`Repository` and `change`), which are safe across processes."""

    def __init__(self, db: AsyncDatabase[Doc], name: str, tenant: str) -> None:
        self._name = name
        self._tenant = checked_tenant(tenant)
        self._col: AsyncCollection[Doc] = db[name]

    @property
    def tenant(self) -> str:
        return self._tenant

    @property
    def name(self) -> str:
        return self._name

    async def get(self, key: str) -> Doc | None:
        doc = await self._col.find_one({"_id": doc_key(self._tenant, checked_key(key))}, HIDDEN)
        return None if doc is None else view(doc)

    async def get_many(self, keys: Sequence[str]) -> dict[str, Doc]:
        # One `_id` lookup each: `{_id: {$in: [...]}}` would read the whole collection.
        wanted = list(dict.fromkeys(keys))
        found = await asyncio.gather(*(self.get(key) for key in wanted))
        return {key: doc for key, doc in zip(wanted, found, strict=True) if doc is not None}

    async def apply_once(self, key: str, event_id: str, delta: Delta) -> bool:
        return await self.apply_run(key, [event_id], delta)

    async def apply_run(self, key: str, event_ids: Sequence[str], delta: Delta) -> bool:
        doc_id = doc_key(self._tenant, checked_key(key))
        ids = checked_events(event_ids)
        # What the write needs to know: the ids applied, and the lists it appends to.
        needed = {SEEN_FIELD: 1, **dict.fromkeys(delta.append, 1)}
        async with document_lock(self._col.name, doc_id):
            current = await self._col.find_one({"_id": doc_id}, needed)
            if _seen(current, ids):
                return False
            try:
                async with write_gate(self._col):
                    await self._col.update_one(
                        {"_id": doc_id},
                        await self._update(doc_id, delta, current, ids),
                        upsert=current is None,
                    )
            except DuplicateKeyError:
                # Created by another process since the read: apply to the one there.
                current = await self._col.find_one({"_id": doc_id}, needed)
                if _seen(current, ids):
                    return False
                update = await self._update(doc_id, delta, current, ids)
                async with write_gate(self._col):
                    await self._col.update_one({"_id": doc_id}, update)
            return True

    async def delete(self, key: str) -> None:
        doc_id = doc_key(self._tenant, checked_key(key))
        async with document_lock(self._col.name, doc_id), write_gate(self._col):
            await self._col.delete_one({"_id": doc_id})

    async def _update(
        self, doc_id: str, delta: Delta, current: Doc | None, ids: Sequence[str]
    ) -> Doc:
        update = delta.as_update()
        seen = list((current or {}).get(SEEN_FIELD) or [])
        update.setdefault("$set", {}).update(
            {"tenant": self._tenant, SEEN_FIELD: [*seen, *ids][-(SEEN_KEEP - 1 + len(ids)) :]}
        )
        # `$push` with `$slice` is ignored here: the bounded lists are `$set` whole.
        return await bounded_pushes(self._col, doc_id, update, current)


def _seen(current: Doc | None, ids: Sequence[str]) -> bool:
    return not set(ids).isdisjoint((current or {}).get(SEEN_FIELD) or [])
