"""Storage on MongoDB: one document per aggregate, conditional updates, server-side
filters and the indexes they need.

An aggregate is the document `_id = <tenant>:<key>` holding `tenant`, `version` and the
state's fields at the top level (the layout ranks' members already have), plus the
`_outbox` array of events waiting for the relay.

- version 0 -> 1 is `insert_one`: the unique `_id` lets one writer win
  (`DuplicateKeyError` is the Conflict);
- version N -> N+1 is `update_one({_id, version: N}, {$set: state, $unset: fields the
  state no longer has, $inc: {version: 1}, $push: {_outbox: {$each: events}}})`: MongoDB
  applies it atomically, so of two writers from version N one matches and the other
  matches nothing (Conflict). State and events are one single-document write.

Every query names its index (`indexes`); `libs/plumbing/tests/storage/test_queries.py`
records the commands this module sends and checks that each filter is served by one.

This relies on MongoDB isolating each update. FerretDB v1 does not (it applies an update
in Go after reading the document; measured here, conditional updates had several winners
in 23 of 50 rounds, docs/storage.md), so on FerretDB the factory picks
`plumbing.storage.ferretdb` instead.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from bson import CodecOptions, decode, encode
from pymongo import ASCENDING, IndexModel
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from plumbing.event_handlers import SEEN_FIELD, SEEN_KEEP
from plumbing.mongo import Doc, doc_key, insert_new
from plumbing.outbox import OUTBOX_FIELD, Outbox, stored, with_events
from plumbing.outbox_relay import OutboxRelay, Publisher
from plumbing.storage.claims import InsertedClaims
from plumbing.storage.indexes import Index
from plumbing.storage.insert_chain import KEEP_RECENT, ChainRepository
from plumbing.storage.memory import HIDDEN, view
from plumbing.storage.port import (
    RESERVED,
    Aggregates,
    Candidate,
    Change,
    Conflict,
    Delta,
    Loaded,
    Many,
    Outgoing,
    ReadModel,
    Relay,
    Repository,
    Storage,
    check_hold,
    checked_changes,
    checked_events,
    checked_key,
    checked_state,
    checked_tenant,
    checked_where,
)

S = TypeVar("S")

VERSION = "version"
GONE = "_gone"


def indexes(
    aggregates: Sequence[Aggregates[Any]] = (), read_models: Sequence[str] = ()
) -> list[Index]:
    """The indexes the queries of this module use (the `_id` index MongoDB has anyway
    serves every lookup, conditional update and read-model write by key)."""
    declared: list[Index] = []
    for kind in aggregates:
        # `find` without conditions lists a tenant's aggregates in key order.
        declared.append(Index(kind.name, (("tenant", ASCENDING), ("_id", ASCENDING))))
        declared += [
            Index(kind.name, (("tenant", ASCENDING), (name, ASCENDING))) for name in kind.indexed
        ]
        # `across_tenants` (periodic jobs) filters on the field alone.
        declared += [Index(kind.name, ((name, ASCENDING),)) for name in kind.indexed]
    return declared


@dataclass(frozen=True)
class _Note:
    """What a load saw besides the state: the state's fields (a save unsets those the
    new state lacks) and whether the document exists (then even version 0 is updated)."""

    fields: frozenset[str]
    exists: bool = True


class MongoStorage(Storage):
    def __init__(self, db: AsyncDatabase[Doc]) -> None:
        self._db = db
        self._outbox = Outbox(db)

    @property
    def kind(self) -> str:
        return "mongodb"

    def repository(self, aggregates: Aggregates[S], tenant: str) -> Repository[S]:
        return MongoRepository(self._db, self._outbox, aggregates, tenant)

    def read_model(self, name: str, tenant: str) -> ReadModel:
        return MongoReadModel(self._db, name, tenant)

    async def prepare(
        self, aggregates: Sequence[Aggregates[Any]] = (), read_models: Sequence[str] = ()
    ) -> None:
        for index in indexes(aggregates, read_models):
            await self._db[index.collection].create_indexes(
                [IndexModel(list(index.keys), name=index.name)]
            )

    def relay(self, publisher: Publisher, aggregates: Sequence[Aggregates[Any]]) -> Relay:
        return OutboxRelay(self._db, publisher, [a.name for a in aggregates], outbox=self._outbox)

    async def tidy(self, aggregates: Aggregates[Any]) -> int:
        return 0  # one document per aggregate: nothing is left behind

    async def across_tenants(
        self, aggregates: Aggregates[Any], where: Mapping[str, Any]
    ) -> list[Candidate]:
        conditions = checked_where(where, aggregates.indexed)
        wanted = {"tenant": 1, GONE: 1, **dict.fromkeys(aggregates.indexed, 1)}
        found = [
            Candidate(
                str(doc["tenant"]),
                str(doc["_id"]).split(":", 1)[1],
                {n: doc[n] for n in aggregates.indexed if n in doc},
            )
            async for doc in self._db[aggregates.name].find(conditions, wanted)
            if not doc.get(GONE)
        ]
        return sorted(found, key=lambda c: (c.tenant, c.key))


class MongoRepository(Repository[S]):
    def __init__(
        self, db: AsyncDatabase[Doc], outbox: Outbox, aggregates: Aggregates[S], tenant: str
    ) -> None:
        self._kind = aggregates
        self._tenant = checked_tenant(tenant)
        self._col = db[aggregates.name]
        self._outbox = outbox

    @property
    def tenant(self) -> str:
        return self._tenant

    @property
    def name(self) -> str:
        return self._kind.name

    def _loaded(self, key: str, doc: Doc | None) -> Loaded[S]:
        if doc is None:
            return Loaded(self._tenant, key, 0, None, note=_Note(frozenset(), exists=False))
        fields = {k: v for k, v in doc.items() if k not in RESERVED}
        # A forgotten state keeps its document and its version, marked `_gone`.
        state = None if doc.get(GONE) else self._kind.codec.load(fields)
        version = int(doc.get(VERSION) or 0)
        return Loaded(self._tenant, key, version, state, note=_Note(frozenset(fields), exists=True))

    async def load(self, key: str) -> Loaded[S]:
        doc_id = doc_key(self._tenant, checked_key(key))
        # Without `_outbox`: the relay's business, and it may be long.
        return self._loaded(key, await self._col.find_one({"_id": doc_id}, {OUTBOX_FIELD: 0}))

    async def save(
        self, current: Loaded[S], state: S | None, events: Sequence[Outgoing] = ()
    ) -> Loaded[S]:
        if current.tenant != self._tenant:
            raise ValueError("an aggregate of another tenant")
        check_hold(current)
        fields = {} if state is None else checked_state(self._kind.codec.dump(state))
        entries = [stored(e.envelope, e.topic) for e in events]
        doc_id = doc_key(self._tenant, current.key)
        note = current.note if isinstance(current.note, _Note) else _Note(frozenset(), False)
        if current.version == 0 and not note.exists:
            document: Doc = {"_id": doc_id, "tenant": self._tenant, VERSION: 1, **fields}
            if state is None:
                document[GONE] = True
            if entries:
                document[OUTBOX_FIELD] = entries
            try:
                await self._col.insert_one(document)
            except DuplicateKeyError as exc:
                raise Conflict(current.key) from exc
        else:
            update: Doc = {"$set": {"tenant": self._tenant, **fields}, "$inc": {VERSION: 1}}
            # Fields the previous state had and this one has not: a whole-state write.
            dropped = dict.fromkeys(sorted(note.fields - set(fields)), "")
            if state is None:
                update["$set"][GONE] = True
            elif not current.exists:
                dropped[GONE] = ""
            if dropped:
                update["$unset"] = dropped
            # A document written before it had a version (created by an upsert) is at 0.
            expected = current.version or {"$in": [0, None]}
            result = await self._col.update_one(
                {"_id": doc_id, VERSION: expected}, with_events(update, entries)
            )
            if result.matched_count == 0:
                raise Conflict(current.key)
        if entries:
            await self._outbox.written(self._kind.name, doc_id)
        saved = None if state is None else self._kind.codec.load(as_stored(fields))
        return Loaded(
            self._tenant, current.key, current.version + 1, saved, note=_Note(frozenset(fields))
        )

    async def save_many(self, changes: Sequence[Change[S]]) -> Many[S]:
        """One conditional write per aggregate, all sent at once: each is atomic on its
        own, which is all `save_many` promises."""
        checked = checked_changes(changes)

        async def one(
            current: Loaded[S], state: S | None, events: Sequence[Outgoing]
        ) -> Loaded[S] | None:
            try:
                return await self.save(current, state, events)
            except Conflict:
                return None

        results = await asyncio.gather(*(one(*change) for change in checked))
        saved = {c[0].key: r for c, r in zip(checked, results, strict=True) if r is not None}
        return Many(saved, {c[0].key for c in checked} - set(saved))

    async def find(
        self, where: Mapping[str, Any] | None = None, *, limit: int = 0
    ) -> list[Loaded[S]]:
        conditions = checked_where(where, self._kind.indexed)
        # Key order only without conditions: the (tenant, _id) index gives it for free;
        # with a condition the (tenant, field) index serves the filter, not that order.
        cursor = self._col.find({"tenant": self._tenant, **conditions}, {OUTBOX_FIELD: 0})
        if not conditions:
            cursor = cursor.sort([("tenant", ASCENDING), ("_id", ASCENDING)])
        if limit:
            cursor = cursor.limit(limit)
        found = [self._loaded(str(doc["_id"]).split(":", 1)[1], doc) async for doc in cursor]
        return [one for one in found if one.exists]


async def fold_chains(db: AsyncDatabase[Doc], aggregates: Aggregates[Any]) -> int:
    """Move aggregates kept as chains (`<name>_states` / `<name>_heads`: what the FerretDB
    implementation writes, and loyalty's own chain wrote on every database before this
    port) into the layout of this implementation: the newest state of each, version 1,
    in `<name>`. An aggregate already there is left as it is, so running it twice, or
    while the service runs, does no harm. Events still waiting in the chain's states stay
    there for the relay (it watches `<name>_states` too). Returns how many were moved."""
    outbox = Outbox(db)
    moved = 0
    async for head in db[f"{aggregates.name}_heads"].find({}, {"tenant": 1, "local": 1}):
        if not head.get("tenant") or not head.get("local"):
            continue
        tenant, key = str(head["tenant"]), str(head["local"])
        chain = ChainRepository(db, outbox, aggregates, tenant, KEEP_RECENT)
        loaded = await chain.load(key)
        if loaded.state is None:
            continue
        fields = checked_state(aggregates.codec.dump(loaded.state))
        document = {"_id": doc_key(tenant, key), "tenant": tenant, VERSION: 1, **fields}
        moved += 1 - len(await insert_new(db[aggregates.name], [document]))
    return moved


_AS_READ: CodecOptions[Doc] = CodecOptions(tz_aware=True)


def as_stored(fields: Doc) -> Doc:
    """`fields` as a later load reads them back (milliseconds, aware UTC datetimes)."""
    return decode(encode(fields), codec_options=_AS_READ)


class MongoReadModel(InsertedClaims, ReadModel):
    """One update per event: `update_one({_id, _events: {$ne: id}}, delta + $push id,
    upsert)`. A replay matches nothing, and its upsert then hits the existing `_id`
    (DuplicateKeyError): applied already."""

    def __init__(self, db: AsyncDatabase[Doc], name: str, tenant: str) -> None:
        self._name = name
        self._tenant = checked_tenant(tenant)
        self._col = db[name]

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
        ids = [doc_key(self._tenant, checked_key(k)) for k in dict.fromkeys(keys)]
        if not ids:
            return {}
        cursor = self._col.find({"_id": {"$in": ids}}, HIDDEN)
        return {str(doc["_id"]).split(":", 1)[1]: view(doc) async for doc in cursor}

    async def apply_once(self, key: str, event_id: str, delta: Delta) -> bool:
        return await self.apply_run(key, [event_id], delta)

    async def apply_run(self, key: str, event_ids: Sequence[str], delta: Delta) -> bool:
        doc_id = doc_key(self._tenant, checked_key(key))
        ids = checked_events(event_ids)
        update = delta.as_update()
        update.setdefault("$set", {})["tenant"] = self._tenant
        update.setdefault("$push", {})[SEEN_FIELD] = {
            "$each": ids,
            "$slice": -(SEEN_KEEP - 1 + len(ids)),
        }
        try:
            await self._col.update_one(
                {"_id": doc_id, SEEN_FIELD: {"$nin": ids}}, update, upsert=True
            )
        except DuplicateKeyError:
            return False
        return True

    async def delete(self, key: str) -> None:
        await self._col.delete_one({"_id": doc_key(self._tenant, checked_key(key))})
