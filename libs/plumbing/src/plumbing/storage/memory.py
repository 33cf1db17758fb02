"""In-memory storage for use-case tests: the port's semantics in dictionaries.

Same behaviour as the database implementations, in microseconds: versions, Conflict for
a stale save, tenants apart, events kept with the state until a relay publishes them,
read models that apply each event once. Every state goes through its codec and
`plumbing.packed`, so a state the codec cannot store fails here as it would in the
database, and datetimes come back at the database's precision (milliseconds).

Load and save each give the event loop a turn before touching the dictionaries, so
concurrent use cases interleave (and conflict) as they would against a database; the
check and the write of a save happen without a turn in between, which makes them one
atomic step for asyncio tasks.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from plumbing.event_handlers import SEEN_KEEP
from plumbing.filter_match import matches
from plumbing.kafka import Message
from plumbing.mongo import Doc, doc_key
from plumbing.outbox import stored
from plumbing.outbox_relay import Publisher
from plumbing.packed import pack, unpack
from plumbing.storage.port import (
    Aggregates,
    Candidate,
    Conflict,
    Delta,
    Loaded,
    Outgoing,
    ReadModel,
    Relay,
    Repository,
    Storage,
    check_hold,
    checked_events,
    checked_key,
    checked_state,
    checked_tenant,
    checked_where,
)

S = TypeVar("S")


@dataclass
class _Stored:
    tenant: str
    version: int
    packed: str  # the state as stored ("null" when forgotten)


@dataclass
class _Memory:
    """Everything one `MemoryStorage` holds (collection -> document id -> value)."""

    aggregates: dict[str, dict[str, _Stored]] = field(default_factory=dict)
    read_models: dict[str, dict[str, Doc]] = field(default_factory=dict)
    # (collection, document id) -> outbox entries waiting, in the order written.
    outbox: dict[tuple[str, str], list[Doc]] = field(default_factory=dict)


class MemoryStorage(Storage):
    def __init__(self) -> None:
        self._memory = _Memory()

    @property
    def kind(self) -> str:
        return "memory"

    def repository(self, aggregates: Aggregates[S], tenant: str) -> Repository[S]:
        return MemoryRepository(self._memory, aggregates, tenant)

    def read_model(self, name: str, tenant: str) -> ReadModel:
        return MemoryReadModel(self._memory, name, tenant)

    async def prepare(
        self, aggregates: Sequence[Aggregates[Any]] = (), read_models: Sequence[str] = ()
    ) -> None:
        return None

    def relay(self, publisher: Publisher, aggregates: Sequence[Aggregates[Any]]) -> Relay:
        return MemoryRelay(self._memory, publisher, [a.name for a in aggregates])

    async def tidy(self, aggregates: Aggregates[Any]) -> int:
        return 0

    async def across_tenants(
        self, aggregates: Aggregates[Any], where: Mapping[str, Any]
    ) -> list[Candidate]:
        conditions = checked_where(where, aggregates.indexed)
        await asyncio.sleep(0)
        found: list[Candidate] = []
        for doc_id, one in sorted(self._memory.aggregates.get(aggregates.name, {}).items()):
            doc = unpack(one.packed)
            if doc is not None and matches(doc, conditions):
                hints = {n: doc[n] for n in aggregates.indexed if n in doc}
                found.append(Candidate(one.tenant, doc_id.split(":", 1)[1], hints))
        return found

    def pending(self) -> list[Doc]:
        """Every outbox entry not published yet (for assertions in use-case tests)."""
        return [entry for entries in self._memory.outbox.values() for entry in entries]


class MemoryRepository(Repository[S]):
    def __init__(self, memory: _Memory, aggregates: Aggregates[S], tenant: str) -> None:
        self._memory = memory
        self._kind = aggregates
        self._tenant = checked_tenant(tenant)
        self._docs = memory.aggregates.setdefault(aggregates.name, {})

    @property
    def tenant(self) -> str:
        return self._tenant

    @property
    def name(self) -> str:
        return self._kind.name

    def _loaded(self, key: str, found: _Stored | None) -> Loaded[S]:
        if found is None:
            return Loaded(self._tenant, key, 0, None)
        doc = unpack(found.packed)
        state = None if doc is None else self._kind.codec.load(doc)
        return Loaded(self._tenant, key, found.version, state)

    async def load(self, key: str) -> Loaded[S]:
        await asyncio.sleep(0)
        return self._loaded(key, self._docs.get(doc_key(self._tenant, checked_key(key))))

    async def save(
        self, current: Loaded[S], state: S | None, events: Sequence[Outgoing] = ()
    ) -> Loaded[S]:
        if current.tenant != self._tenant:
            raise ValueError("an aggregate of another tenant")
        doc = None if state is None else checked_state(self._kind.codec.dump(state))
        packed = pack(doc)
        entries = [stored(e.envelope, e.topic) for e in events]
        await asyncio.sleep(0)
        check_hold(current)
        doc_id = doc_key(self._tenant, current.key)
        found = self._docs.get(doc_id)
        if (found.version if found else 0) != current.version:
            raise Conflict(current.key)
        # No await from the check to here: one atomic step for other tasks.
        self._docs[doc_id] = _Stored(self._tenant, current.version + 1, packed)
        if entries:
            self._memory.outbox.setdefault((self._kind.name, doc_id), []).extend(entries)
        return self._loaded(current.key, self._docs[doc_id])

    async def find(
        self, where: Mapping[str, Any] | None = None, *, limit: int = 0
    ) -> list[Loaded[S]]:
        conditions = checked_where(where, self._kind.indexed)
        await asyncio.sleep(0)
        found: list[Loaded[S]] = []
        for doc_id, one in sorted(self._docs.items()):
            if one.tenant != self._tenant:
                continue
            doc = unpack(one.packed)
            if doc is None or not matches(doc, conditions):
                continue
            found.append(self._loaded(doc_id.split(":", 1)[1], one))
            if limit and len(found) >= limit:
                break
        return found


class MemoryReadModel(ReadModel):
    def __init__(self, memory: _Memory, name: str, tenant: str) -> None:
        self._name = name
        self._tenant = checked_tenant(tenant)
        self._docs = memory.read_models.setdefault(name, {})

    @property
    def tenant(self) -> str:
        return self._tenant

    @property
    def name(self) -> str:
        return self._name

    async def get(self, key: str) -> Doc | None:
        await asyncio.sleep(0)
        found = self._docs.get(doc_key(self._tenant, checked_key(key)))
        return None if found is None else view(found)

    async def get_many(self, keys: Sequence[str]) -> dict[str, Doc]:
        found = {key: await self.get(key) for key in dict.fromkeys(keys)}
        return {key: doc for key, doc in found.items() if doc is not None}

    async def apply_once(self, key: str, event_id: str, delta: Delta) -> bool:
        return await self.apply_run(key, [event_id], delta)

    async def apply_run(self, key: str, event_ids: Sequence[str], delta: Delta) -> bool:
        ids = checked_events(event_ids)
        await asyncio.sleep(0)
        doc_id = doc_key(self._tenant, checked_key(key))
        found = self._docs.get(doc_id)
        current = found or {"_id": doc_id, "tenant": self._tenant}
        seen = list(current.get("_events") or [])
        if set(ids) & set(seen):
            return False
        changed = apply_delta(unpack(pack(current)), delta, created=found is None)
        changed["_events"] = [*seen, *ids][-(SEEN_KEEP - 1 + len(ids)) :]
        self._docs[doc_id] = unpack(pack(changed))
        return True

    async def claim(self, key: str, event_id: str, fields: Mapping[str, Any]) -> bool:
        if key not in await self.claim_new({key: (event_id, fields)}):
            return True
        owner = self._docs.get(doc_key(self._tenant, key)) or {}
        return owner.get("event_id") == event_id

    async def claim_new(self, claims: Mapping[str, tuple[str, Mapping[str, Any]]]) -> set[str]:
        await asyncio.sleep(0)
        existed: set[str] = set()
        for key, (event_id, fields) in claims.items():
            doc = claimed(self._tenant, key, event_id, fields)
            if doc["_id"] in self._docs:
                existed.add(key)
            else:
                self._docs[doc["_id"]] = unpack(pack(doc))
        return existed

    async def delete(self, key: str) -> None:
        await asyncio.sleep(0)
        self._docs.pop(doc_key(self._tenant, checked_key(key)), None)


class MemoryRelay(Relay):
    """Publishes the outbox entries of some aggregates, in the order they were written,
    then forgets them (the relay's `$pullAll`)."""

    def __init__(self, memory: _Memory, publisher: Publisher, names: Sequence[str]) -> None:
        self._memory = memory
        self._publisher = publisher
        self._names = set(names)

    async def drain(self) -> int:
        waiting = [
            (place, list(entries))
            for place, entries in self._memory.outbox.items()
            if place[0] in self._names and entries
        ]
        messages: list[Message] = [
            (str(e["topic"]), str(e["key"]).encode(), bytes(e["value"]))
            for _, entries in waiting
            for e in entries
        ]
        if messages:
            await self._publisher.publish_many(messages)
        for place, entries in waiting:
            left = self._memory.outbox[place][len(entries) :]
            if left:
                self._memory.outbox[place] = left
            else:
                del self._memory.outbox[place]
        return len(messages)


# What a read-model document holds besides its own fields: the applied events' ids, and
# the events of a document written with an outbox (crm's facts recorded through the graph).
HIDDEN = {"_events": 0, "_outbox": 0}


def view(doc: Mapping[str, Any]) -> Doc:
    """A read-model document without the fields the implementations keep."""
    return {k: v for k, v in doc.items() if k not in ("_id", "tenant", *HIDDEN)}


def claimed(tenant: str, key: str, event_id: str, fields: Mapping[str, Any]) -> Doc:
    """The document a claim inserts: its fields and the claiming event's id."""
    checked_events([event_id])
    return {
        **checked_state(fields),
        "_id": doc_key(tenant, checked_key(key)),
        "tenant": tenant,
        "event_id": event_id,
    }


def apply_delta(doc: Doc, delta: Delta, *, created: bool) -> Doc:
    """`delta` applied to `doc` in place, as MongoDB applies the update (missing numbers
    count from 0; `$max`/`$min` set a missing field; `$setOnInsert` only on creation)."""
    for path, value in [*delta.set.items(), *(delta.set_on_insert.items() if created else ())]:
        parent, name = _parent(doc, path)
        parent[name] = value
    for path, amount in delta.inc.items():
        parent, name = _parent(doc, path)
        parent[name] = parent.get(name, 0) + amount
    for path, value in delta.max.items():
        parent, name = _parent(doc, path)
        parent[name] = value if name not in parent else max(parent[name], value)
    for path, value in delta.min.items():
        parent, name = _parent(doc, path)
        parent[name] = value if name not in parent else min(parent[name], value)
    for path in delta.unset:
        parent, name = _parent(doc, path)
        parent.pop(name, None)
    for path, (values, keep) in delta.append.items():
        parent, name = _parent(doc, path)
        parent[name] = [*(parent.get(name) or []), *values][-keep:]
    return doc


def _parent(doc: Doc, path: str) -> tuple[Doc, str]:
    *parents, name = path.split(".")
    for part in parents:
        child = doc.setdefault(part, {})
        if not isinstance(child, dict):
            raise ValueError(f"{path!r} passes through a value that is not a document")
        doc = child
    return doc, name
