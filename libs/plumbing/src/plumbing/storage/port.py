"""The storage port: what use cases may ask of storage, whatever database runs.

An aggregate (an account, a member's holdings, a client card) is one document per
tenant and key, with a version: 0 before its first save, then one more per save. A save
names the version it started from and fails with `Conflict` if another writer saved
first; the state and the events it causes are ONE single-document write (FerretDB v1 has
no multi-document transactions), and the outbox relay publishes the events later.

A read model is a keyed document that events update at most once each (`apply_once`).

Three implementations stand behind these protocols (`plumbing.storage.mongodb`,
`.ferretdb`, `.memory`); `open_storage` picks one at start from the database it finds.
Use cases see only this module and `plumbing.storage.unit_of_work`.
"""

from __future__ import annotations

import copy
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Generic, NamedTuple, Protocol, TypeAlias, TypeVar

from plumbing.contracts import Catalog, EventData
from plumbing.envelope import Envelope
from plumbing.errors import BadInput
from plumbing.mongo import Doc
from plumbing.outbox_relay import Publisher

S = TypeVar("S")

# How long a loaded state may be held before it is saved. The FerretDB implementation
# deletes old states `KEEP_RECENT` (10 minutes) after they were written, and a writer that
# loaded before a state existed could otherwise insert into the gap it leaves; every
# implementation refuses such a save alike, so use cases behave the same everywhere.
HOLD_LIMIT = 60.0

# Top-level names no state may use: the implementations keep their own fields there.
RESERVED = frozenset({"_id", "tenant", "version", "_outbox", "_batch", "_events", "_gone"})

# What `find` accepts besides plain equality: conditions an index can serve.
RANGE_OPERATORS = frozenset({"$gt", "$gte", "$lt", "$lte"})
FIND_OPERATORS = RANGE_OPERATORS | {"$in"}


class Conflict(Exception):
    """Another writer saved this aggregate first (or the loaded state was held past
    `HOLD_LIMIT`): load it again and decide again."""


@dataclass(frozen=True, slots=True)
class Loaded(Generic[S]):
    """An aggregate as read: `version` 0 and `state` None when it was never saved; a
    state forgotten by `save(..., None)` keeps its version (no writer can go back)."""

    tenant: str
    key: str
    version: int
    state: S | None
    read_at: float = field(default_factory=time.monotonic, compare=False, repr=False)
    # What the implementation read along (its own bookkeeping); callers ignore it.
    note: Any = field(default=None, compare=False, repr=False)

    @property
    def exists(self) -> bool:
        return self.state is not None


class Codec(Protocol[S]):
    """Turns a state into a document and back. The document holds what BSON and
    `plumbing.packed` both keep as they are: dicts with string keys, lists, strings,
    numbers, booleans, None, aware datetimes (milliseconds) and bytes."""

    def dump(self, state: S) -> Doc: ...

    def load(self, doc: Doc) -> S: ...


class DocCodec:
    """The state is a plain document (read models kept as aggregates, tests)."""

    def dump(self, state: Doc) -> Doc:
        return copy.deepcopy(state)

    def load(self, doc: Doc) -> Doc:
        return doc


@dataclass(frozen=True)
class Aggregates(Generic[S]):
    """One kind of aggregate, declared once per service: where it lives, how its state
    becomes a document, and the top-level fields `find` may filter on (the MongoDB
    implementation declares an index `(tenant, field)` for each)."""

    name: str
    codec: Codec[S]
    indexed: tuple[str, ...] = ()
    # Fields an earlier layout kept on a chain's head rather than in its states (loyalty
    # wrote the client's profile there): the FerretDB implementation gives them to a
    # state that lacks them, and to the state of a key whose head alone holds them.
    from_head: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not self.name or "|" in self.name:  # outbox hints are `<collection>|<id>`
            raise ValueError(f"bad aggregate collection name {self.name!r}")
        for name in (*self.indexed, *self.from_head):
            if name in RESERVED or "." in name or name.startswith("$"):
                raise ValueError(f"{name!r} cannot be an indexed or head field")

    @property
    def outbox_collections(self) -> tuple[str, str]:
        """The collections the outbox relay watches for this kind's events, whichever
        implementation runs (`ServiceDefinition.outbox_collections`): the aggregates
        themselves (MongoDB) or their states (FerretDB). The other one stays empty."""
        return (self.name, f"{self.name}_states")


@dataclass(frozen=True, slots=True)
class Outgoing:
    """An event to publish with a state change: its envelope and its topic."""

    topic: str
    envelope: Envelope


def outgoing(
    catalog: Catalog,
    data: EventData,
    *,
    tenant: str,
    subject: str | None,
    time: datetime | None = None,
) -> Outgoing:
    """`data` as an outgoing event of `catalog` (schema-checked, as `catalog.envelope`)."""
    return Outgoing(
        catalog.type_of(data).topic,
        catalog.envelope(data, tenant=tenant, subject=subject, time=time),
    )


class Candidate(NamedTuple):
    """An aggregate a periodic job may act on: where it is, and its indexed fields as
    the query saw them."""

    tenant: str
    key: str
    hints: Doc


@dataclass(frozen=True, slots=True)
class Many(Generic[S]):
    """What `save_many` did: the aggregates saved (by key, as saved) and the keys whose
    save lost to another writer (nothing of theirs was written, their events never go)."""

    saved: dict[str, Loaded[S]]
    lost: set[str]


# One change of `save_many`: the aggregate as loaded, its new state, its events.
Change: TypeAlias = tuple[Loaded[S], S | None, Sequence[Outgoing]]


class Repository(Protocol[S]):
    """The aggregates of one kind, as one tenant sees them."""

    @property
    def tenant(self) -> str: ...

    @property
    def name(self) -> str: ...

    async def load(self, key: str) -> Loaded[S]:
        """The newest state of `key` (version 0 and None if it was never saved)."""
        ...

    async def save(
        self, current: Loaded[S], state: S | None, events: Sequence[Outgoing] = ()
    ) -> Loaded[S]:
        """Write `state` as version `current.version + 1` with its events in the same
        single-document write, or raise Conflict. `None` forgets the state (erasure).
        Returns the aggregate as saved."""
        ...

    async def save_many(self, changes: Sequence[Change[S]]) -> Many[S]:
        """`save` for many aggregates at once (a bulk path), one change per key:
        `(current, state, events)`. Each is saved or lost on its own, as `save` would
        (no Conflict raised: the lost keys are in the answer); a bulk writer may save
        again from what it answers (the states it was given, at their new versions)
        without loading them. The implementations write them in a few calls; this
        default saves them one by one."""
        saved: dict[str, Loaded[S]] = {}
        lost: set[str] = set()
        for current, state, events in checked_changes(changes):
            try:
                saved[current.key] = await self.save(current, state, events)
            except Conflict:
                lost.add(current.key)
        return Many(saved, lost)

    async def find(
        self, where: Mapping[str, Any] | None = None, *, limit: int = 0
    ) -> list[Loaded[S]]:
        """The existing aggregates of this tenant whose state matches `where`: plain
        equality, `$in` and ranges on declared `indexed` fields only. For jobs and
        reports: never per request."""
        ...


@dataclass(frozen=True)
class Delta:
    """What one event changes in a read-model document, as MongoDB's update operators
    say it: fields to set, to set only when the document is created, to remove, numbers
    to add, fields to raise to at least / lower to at most a value, and lists to append
    to keeping only their last N values (`append={"cancels": ([cancel], 30)}`). Dotted
    paths reach into sub-documents; one path appears in one part only."""

    set: Mapping[str, Any] = field(default_factory=dict)
    inc: Mapping[str, int | float] = field(default_factory=dict)
    max: Mapping[str, Any] = field(default_factory=dict)
    min: Mapping[str, Any] = field(default_factory=dict)
    set_on_insert: Mapping[str, Any] = field(default_factory=dict)
    unset: tuple[str, ...] = ()
    append: Mapping[str, tuple[Sequence[Any], int]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        paths = [
            *self.set,
            *self.inc,
            *self.max,
            *self.min,
            *self.set_on_insert,
            *self.unset,
            *self.append,
        ]
        if len(paths) != len(set(paths)):
            raise ValueError("a path appears in two parts of one delta")
        for path in paths:
            if not path or path.split(".", 1)[0] in RESERVED or path.startswith("$"):
                raise ValueError(f"{path!r} cannot be changed by a delta")
        if any(keep < 1 for _, keep in self.append.values()):
            raise ValueError("an appended list keeps at least one value")

    def as_update(self) -> Doc:
        """The MongoDB update document."""
        parts = {
            "$set": self.set,
            "$inc": self.inc,
            "$max": self.max,
            "$min": self.min,
            "$setOnInsert": self.set_on_insert,
        }
        update: Doc = {op: dict(fields) for op, fields in parts.items() if fields}
        if self.unset:
            update["$unset"] = dict.fromkeys(self.unset, "")
        if self.append:
            update["$push"] = {
                path: {"$each": list(values), "$slice": -keep}
                for path, (values, keep) in self.append.items()
            }
        return update


class ReadModel(Protocol):
    """Keyed documents that events update, each event at most once per document."""

    @property
    def tenant(self) -> str: ...

    @property
    def name(self) -> str: ...

    async def get(self, key: str) -> Doc | None:
        """The document (its own fields only), or None."""
        ...

    async def get_many(self, keys: Sequence[str]) -> dict[str, Doc]:
        """The documents of these keys that exist."""
        ...

    async def apply_once(self, key: str, event_id: str, delta: Delta) -> bool:
        """Apply `delta` to the document (created if missing) unless this event was
        applied to it already; True if it was applied now. The event id is recorded in
        the same write; the last `plumbing.event_handlers.SEEN_KEEP` ids are kept (replays
        arrive close to the original, on the same partition)."""
        ...

    async def apply_run(self, key: str, event_ids: Sequence[str], delta: Delta) -> bool:
        """`apply_once` for a run of events whose effects on this document are summed
        in `delta` (a consumer's bulk path): applied unless the document has seen any of
        them, and all of them are recorded in the same write (with the
        `SEEN_KEEP - 1` before them), so each one's replay, alone or in the run, is
        recognised."""
        ...

    async def claim(self, key: str, event_id: str, fields: Mapping[str, Any]) -> bool:
        """Create the document with `fields` unless it exists: a claim by insertion, so
        the first event to claim a key owns it. The owner's id is kept in the
        document's `event_id` field. True if this event owns it (now, or its replay)."""
        ...

    async def claim_new(self, claims: Mapping[str, tuple[str, Mapping[str, Any]]]) -> set[str]:
        """`claim` for many keys (`key -> (event_id, fields)`) in one write; returns the
        keys that existed already, left as they were (whoever owns them)."""
        ...

    async def delete(self, key: str) -> None:
        """Remove the document (erasure); the events it had seen go with it."""
        ...


class Relay(Protocol):
    """Publishes what `save` left in the outbox (`plumbing.outbox_relay.OutboxRelay`)."""

    async def drain(self) -> int: ...


class Storage(Protocol):
    """One database's storage, chosen once at start (`open_storage`)."""

    @property
    def kind(self) -> str:
        """`mongodb`, `ferretdb` or `memory`: for logs and health output only."""
        ...

    def repository(self, aggregates: Aggregates[S], tenant: str) -> Repository[S]: ...

    def read_model(self, name: str, tenant: str) -> ReadModel: ...

    async def prepare(
        self, aggregates: Sequence[Aggregates[Any]] = (), read_models: Sequence[str] = ()
    ) -> None:
        """Create what these collections need (indexes), once at start; idempotent."""
        ...

    def relay(self, publisher: Publisher, aggregates: Sequence[Aggregates[Any]]) -> Relay:
        """A relay for these aggregates' events (the relay role builds its own from
        `Aggregates.outbox_collections`; tests and one-process tools use this one)."""
        ...

    async def tidy(self, aggregates: Aggregates[Any]) -> int:
        """Drop what the implementation no longer needs (old FerretDB states whose events
        are out); returns how many documents went. A periodic job; safe in replicas."""
        ...

    async def across_tenants(
        self, aggregates: Aggregates[Any], where: Mapping[str, Any]
    ) -> list[Candidate]:
        """The aggregates of EVERY tenant whose indexed fields match `where` (as `find`
        accepts it), in `(tenant, key)` order, for periodic jobs only. Candidates: the
        FerretDB implementation reads its heads' hints, which may lag, so whoever acts on
        them decides again on the state it loads."""
        ...


def checked_tenant(tenant: str) -> str:
    """Keys are `<tenant>:<key>`: a tenant with a colon could reach another's keys."""
    if not tenant or ":" in tenant:
        raise ValueError(f"bad tenant {tenant!r}")
    return tenant


class BadKey(BadInput, ValueError):
    """A key no aggregate can have (empty, not a string): the caller's id is wrong, so
    it reaches a caller as BAD_USER_INPUT, never as a server error."""


def checked_key(key: str) -> str:
    if not key or not isinstance(key, str):
        raise BadKey(f"{key!r} is not a valid id")
    return key


def checked_events(event_ids: Sequence[str]) -> list[str]:
    ids = list(dict.fromkeys(event_ids))
    if not ids or not all(isinstance(i, str) and i for i in ids):
        raise ValueError(f"bad event ids {event_ids!r}")
    return ids


def checked_state(doc: Mapping[str, Any]) -> Doc:
    clash = RESERVED.intersection(doc)
    if clash:
        raise ValueError(f"a state may not use the reserved fields {sorted(clash)}")
    return dict(doc)


def checked_where(where: Mapping[str, Any] | None, indexed: Sequence[str]) -> Doc:
    """`where` if every condition is one an index `(tenant, field)` serves."""
    out: Doc = {}
    for name, condition in (where or {}).items():
        if name not in indexed:
            raise ValueError(f"{name!r} is not an indexed field of these aggregates")
        if isinstance(condition, Mapping):
            unknown = set(condition) - FIND_OPERATORS
            if unknown or not condition:
                raise ValueError(f"unsupported condition on {name!r}: {sorted(unknown)}")
            if "$in" in condition and len(condition) > 1:
                raise ValueError(f"$in on {name!r} combines with nothing else")
        out[name] = condition
    return out


def checked_changes(changes: Sequence[Change[S]]) -> Sequence[Change[S]]:
    keys = [current.key for current, _, _ in changes]
    if len(keys) != len(set(keys)):
        raise ValueError("save_many takes one change per key")
    return changes


def check_hold(current: Loaded[Any]) -> None:
    if time.monotonic() - current.read_at > HOLD_LIMIT:
        raise Conflict(f"{current.key} was loaded more than {HOLD_LIMIT:.0f} s ago")
