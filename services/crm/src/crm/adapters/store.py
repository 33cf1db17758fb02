"""MongoDB storage of the crm context (every access tenant-scoped).

Collections:
- `facts`: one document per partner fact, keyed by its natural id (`booking:<id>`,
  `session:<id>`, `sale:<invoice>`, `visit:<key>`…). The first event that claims a key
  owns it: the same fact reported again (another message, another event id) has no
  effect. Facts recorded through the graph carry their event in `_outbox`.
- `periods`: the summary's read models, one document per tenant, scope (all branches or
  one branch) and day (`D~<scope>~2026-11-23`) or month (`M~<scope>~2026-11`), plus
  `totals` (K3/K5 counters), `unpaid` and `bday~MM-DD` (birthdays).
- `marks`: set membership written once (`appact~D~<day>~<client>`): inserting the mark
  is what decides that a client is counted once in a period.
- `profiles`: one document per client with what the card's activity shows.
- `timelines`, `timeline_pages`: each client's timeline (C9), a head with the newest
  entries and sealed pages of older ones (`timelines.py`), read by `_id` (never by
  scanning entries of every client).
- `tasks`, `funnels`: K4, with their `crm.events` in `_outbox`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from plumbing.card_arrival import awaited, pauses_for
from plumbing.clock import as_utc
from plumbing.contracts import EventData
from plumbing.envelope import Envelope
from plumbing.event_handlers import SEEN_FIELD, SEEN_KEEP
from plumbing.gql import RequestContext
from plumbing.mongo import Doc, DuplicateKeyError
from plumbing.outbox import Outbox, stored, with_events
from plumbing.studio import StudioSettings, studio_settings
from plumbing.tenant_collection import TenantCollection
from pymongo.asynchronous.database import AsyncDatabase

from crm.adapters.timelines import Timelines
from crm.events import catalog

FACTS = "facts"
PERIODS = "periods"
MARKS = "marks"
PROFILES = "profiles"
TASKS = "tasks"
FUNNELS = "funnels"
OUTBOX_COLLECTIONS = (FACTS, TASKS, FUNNELS)
HIDDEN = {"_outbox": 0, "_events": 0}


# Where a fact's data says when it happened: a visit attended yesterday and reported
# today sits at yesterday on the timeline.
HAPPENED = ("occurred_at", "attended_at", "reported_at")


def happened_at(envelope: Envelope) -> datetime:
    """When the fact happened, by its data, never later than the event says it was
    told (a time in the future would pin it above everything that follows)."""
    for name in HAPPENED:
        raw = envelope.data.get(name)
        try:
            value = datetime.fromisoformat(raw) if isinstance(raw, str) else raw
        except ValueError:
            continue
        if isinstance(value, datetime):
            return min(as_utc(value), as_utc(envelope.time))
    return envelope.time


def _timeline_entry(envelope: Envelope) -> Doc:
    return {
        "id": envelope.id,
        "at": happened_at(envelope),
        "type": envelope.type,
        "kind": envelope.fact,
        "data": envelope.data,
        "source": envelope.source,
    }


def _timeline_guard(envelope: Envelope) -> str:
    return f"{envelope.id}#tl"  # as `apply_once(..., tag="tl")` wrote it


def period_id(kind: str, scope: str, key: str) -> str:
    return f"{kind}~{scope}~{key}"


async def by_id(
    coll: TenantCollection, local: str, projection: Mapping[str, Any] | None = None
) -> Doc | None:
    """Read one document by `_id` alone (the only filter FerretDB's SQLite backend answers
    from an index)."""
    return await coll.get(local, projection)


async def update_by_id(
    coll: TenantCollection, local: str, update: Mapping[str, Any], *, upsert: bool = False
) -> Doc | None:
    """Update one document chosen by `_id` alone (see `TenantCollection.update`)."""
    return await coll.update({"_id": local}, update, upsert=upsert)


class Store:
    def __init__(self, db: AsyncDatabase[Doc], tenant: str, outbox: Outbox | None = None) -> None:
        self.tenant = tenant
        self._db = db
        self.facts = TenantCollection(db[FACTS], tenant)
        self.periods = TenantCollection(db[PERIODS], tenant)
        self.marks = TenantCollection(db[MARKS], tenant)
        self.profiles = TenantCollection(db[PROFILES], tenant)
        self.timelines = Timelines(db, tenant)
        self.tasks = TenantCollection(db[TASKS], tenant)
        self.funnels = TenantCollection(db[FUNNELS], tenant)
        self._outbox = outbox

    async def studio(self) -> StudioSettings:
        """The studio's settings (zone, language, currency), remembered briefly."""
        return await studio_settings(self._db, self.tenant)

    # ------------------------------------------------------------------ events out
    def envelope(self, data: EventData, subject: str | None) -> Envelope:
        return catalog.envelope(data, tenant=self.tenant, subject=subject)

    @staticmethod
    def entries(envelopes: Sequence[Envelope]) -> list[Doc]:
        return [stored(e, catalog.topic_of(e.type)) for e in envelopes]

    async def woke(self, collection: str, doc_id: str) -> None:
        if self._outbox is not None:
            await self._outbox.written(collection, doc_id)

    # ------------------------------------------------------------------ facts
    async def record_fact(self, key: str, envelopes: Sequence[Envelope], body: Doc) -> Doc:
        """Write a fact and its events in one insert; the same key again returns the
        fact already stored and writes nothing."""
        doc = {
            "_id": key,
            "event_id": envelopes[0].id,
            **body,
            "_outbox": self.entries(envelopes),
        }
        try:
            saved = await self.facts.insert(doc)
        except DuplicateKeyError:
            existing = await by_id(self.facts, key, HIDDEN)
            assert existing is not None
            existing["duplicate"] = True
            return existing
        await self.woke(FACTS, saved["_id"])
        return saved

    async def claim(self, key: str, event_id: str, body: Doc) -> bool:
        """Whether this event owns the fact `key` (first to claim it, or its own replay)."""
        try:
            await self.facts.insert({"_id": key, "event_id": event_id, **body})
            return True
        except DuplicateKeyError:
            existing = await by_id(self.facts, key, {"event_id": 1, "tenant": 1})
            if existing is None or existing.get("event_id") != event_id:
                return False
            # Recorded through the graph: complete it with what the consumer derived
            # (e.g. a booking's session time and branch); its own state is kept.
            extra = {k: v for k, v in body.items() if k not in ("status",)}
            await update_by_id(self.facts, key, {"$set": extra})
            return True

    async def fact(self, key: str) -> Doc | None:
        return await by_id(self.facts, key, HIDDEN)

    async def set_fact(self, key: str, update: Mapping[str, Any]) -> None:
        await update_by_id(self.facts, key, update)

    # ------------------------------------------------------------------ read models
    async def mark(self, key: str, event_id: str) -> bool:
        """Set membership decided once; the event that set it may repeat its effects."""
        return await self._claim_in(self.marks, key, event_id)

    @staticmethod
    async def _claim_in(coll: TenantCollection, key: str, event_id: str) -> bool:
        try:
            await coll.insert({"_id": key, "event_id": event_id})
            return True
        except DuplicateKeyError:
            existing = await by_id(coll, key, {"event_id": 1, "tenant": 1})
            return existing is not None and existing.get("event_id") == event_id

    async def apply_once(
        self,
        coll: TenantCollection,
        doc_id: str,
        update: Mapping[str, Any],
        event_id: str,
        tag: str = "",
    ) -> Doc | None:
        """Apply an update to one read-model document at most once per event (upsert).

        Returns the document after the update, or None if the event was already applied.
        `tag` tells apart two different effects of one event on the same document.
        """
        guard_id = f"{event_id}{'#' + tag if tag else ''}"
        # Read, then write by `_id` alone (see `by_id`). Not one atomic step, but one
        # event is never applied by two consumers at once (a partition has one owner),
        # and different events only $inc and $push, which are atomic.
        seen = await by_id(coll, doc_id, {SEEN_FIELD: 1, "tenant": 1})
        if seen is not None and guard_id in (seen.get(SEEN_FIELD) or []):
            return None
        return await self.apply_guarded(coll, doc_id, update, [guard_id])

    @staticmethod
    async def apply_guarded(
        coll: TenantCollection, doc_id: str, update: Mapping[str, Any], guards: Sequence[str]
    ) -> Doc | None:
        """Write `update` (upsert) and add `guards` to the document's guard list, which
        keeps all of them and the `SEEN_KEEP - 1` before them (a run applied together is
        recognised whole when replayed). The caller knows none of them was applied."""
        merged: Doc = {op: dict(fields) for op, fields in update.items()}
        merged.setdefault("$push", {})[SEEN_FIELD] = {
            "$each": list(guards),
            "$slice": -(SEEN_KEEP - 1 + len(guards)),
        }
        try:
            return await update_by_id(coll, doc_id, merged, upsert=True)
        except DuplicateKeyError:
            return await update_by_id(coll, doc_id, merged)

    async def profile(self, client_id: str) -> Doc | None:
        return await by_id(self.profiles, client_id, HIDDEN)

    async def awaited_profile(self, client_id: str) -> Doc | None:
        """The client's profile, waiting a little for a card created just now
        (`plumbing.late`): a partner may report a sale right after creating the card."""
        return await awaited(lambda: self.profile(client_id), pauses_for(client_id))

    async def period(self, doc_id: str) -> Doc | None:
        return await by_id(self.periods, doc_id, HIDDEN)

    async def periods_by_ids(self, ids: Sequence[str]) -> dict[str, Doc]:
        docs = await self.periods.get_many(ids, HIDDEN)
        return {str(d["_id"]).split(":", 1)[1]: d for d in docs}

    async def add_timeline(self, envelope: Envelope, client_id: str) -> None:
        """One entry per event (its id is the event id); a replay adds nothing."""
        await self.add_timelines(client_id, [envelope])

    async def add_timelines(self, client_id: str, envelopes: Sequence[Envelope]) -> None:
        """Entries of several events of one client in one write (the consumer's bulk path
        reads and writes each client's timeline once per run, not once per event). Each
        event adds its entry once: its id joins the head's guard list (`Timelines.add`)."""
        unique = list({e.id: e for e in envelopes}.values())
        await self.timelines.add(
            client_id, [_timeline_entry(e) for e in unique], [_timeline_guard(e) for e in unique]
        )

    # ------------------------------------------------------------------ tasks, funnels
    async def insert_with_events(
        self, coll: TenantCollection, doc: Doc, envelopes: Sequence[Envelope]
    ) -> Doc:
        saved = await coll.insert({**doc, "_outbox": self.entries(envelopes)})
        await self.woke(coll.name, saved["_id"])
        return saved

    async def update_with_events(
        self,
        coll: TenantCollection,
        doc_id: str,
        update: Mapping[str, Any],
        envelopes: Sequence[Envelope],
    ) -> Doc | None:
        doc = await update_by_id(coll, doc_id, with_events(update, self.entries(envelopes)))
        if doc is not None and envelopes:
            await self.woke(coll.name, doc["_id"])
        return doc


def request_store(ctx: RequestContext) -> Store:
    """The store of a GraphQL request's tenant, publishing through the request's outbox."""
    return Store(ctx.db, ctx.tenant, ctx.outbox)


class RunStore(Store):
    """A run's reads: each profile and fact read once. Validation and the decisions
    below read only what the run's own facts do not change (cards, sessions, earlier
    cancellations and refunds)."""

    def __init__(self, db: AsyncDatabase[Doc], tenant: str) -> None:
        super().__init__(db, tenant)
        self._profiles: dict[str, asyncio.Task[Doc | None]] = {}
        self._facts: dict[str, asyncio.Task[Doc | None]] = {}

    async def profile(self, client_id: str) -> Doc | None:
        if client_id not in self._profiles:
            self._profiles[client_id] = asyncio.ensure_future(super().profile(client_id))
        return await self._profiles[client_id]

    async def fact(self, key: str) -> Doc | None:
        if key not in self._facts:
            self._facts[key] = asyncio.ensure_future(super().fact(key))
        return await self._facts[key]
