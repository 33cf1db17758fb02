"""Bookings in bulk: the consumer's path for a run of `ingest.booking_made.v1`.

One at a time a booking costs some 25 database calls (`Projector.booking_made`). A run of
them costs, whatever its length: one read of each session, client and possible earlier
cancellation; one `insert_many` of the claims and one of the set-membership marks; one
write per day and month document (their counters summed over the run); one write per
client's profile and one per client's timeline.

The effects are the one-at-a-time path's, with the same guards, so either path can take
over from the other: a booking whose claim is inserted here was never applied (the claim
is the first write of both paths), and every document written here records the event
ids it applied, as `Store.apply_once` does. What this path does not decide is handed
back to the one-at-a-time path, which parks or applies it:

- a fact that does not parse or has problems (it is parked with its reason there);
- a booking already claimed (a replay, or the same booking reported twice);
- a booking cancelled before it arrived, or by a client with cancellations on record (a
  booking may recover one: `rules.rebooked_cancellation`).
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from plumbing.envelope import Envelope
from pymongo.asynchronous.database import AsyncDatabase

from crm.adapters.store import Store, period_id
from crm.domain import rules
from crm.events import BookingMade, catalog
from crm.service_layer.ingest import fact_key, problems_of
from crm.service_layer.projections import booking_entry, moment, studio_of

Doc = dict[str, Any]
BOOKING_MADE = "ingest.booking_made.v1"


class _RunStore(Store):
    """A run's reads: each profile and fact read once. Validation and the decisions
    below read only what bookings do not change (cards, sessions, cancellations)."""

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


@dataclass
class _Booking:
    event: Envelope
    data: BookingMade
    body: Doc
    profile: Doc


@dataclass
class _Doc:
    """What the run does to one read-model document."""

    inc: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    sets: Doc = field(default_factory=dict)
    guards: list[str] = field(default_factory=list)

    def update(self) -> Doc:
        out: Doc = {}
        if self.inc:
            out["$inc"] = dict(self.inc)
        if self.sets:
            out["$set"] = self.sets
        return out


async def bookings_made(db: AsyncDatabase[Doc], events: Sequence[Envelope]) -> list[Envelope]:
    """Apply what can be applied of a run; returns the events left to the one-at-a-time
    path, in their order."""
    by_tenant: dict[str, list[Envelope]] = defaultdict(list)
    for event in events:
        by_tenant[event.tenant].append(event)
    left: set[int] = set()
    for tenant, run in by_tenant.items():
        left |= {id(e) for e in await _tenant_run(db, tenant, run)}
    return [e for e in events if id(e) in left]


async def _plain(store: _RunStore, event: Envelope) -> _Booking | None:
    """The booking as the one-at-a-time path would claim it, if this path can apply it."""
    try:
        data = catalog.read(event)
    except Exception:
        return None
    if not isinstance(data, BookingMade) or await problems_of(store, data):
        return None
    session, cancelled, profile = await asyncio.gather(
        store.fact(f"session:{data.session_id}"),
        store.fact(f"cancel:{data.booking_id}"),
        store.profile(data.client_id),
    )
    if session is None or cancelled is not None or profile is None or profile.get("cancels"):
        return None
    body = {"type": event.type, **data.model_dump(mode="json")}
    for name in ("starts_at", "service_id", "service_name", "professional_id", "branch_id"):
        body[name] = session.get(name)
    body["status"] = "BOOKED"
    return _Booking(event, data, body, profile)


async def _tenant_run(db: AsyncDatabase[Doc], tenant: str, run: list[Envelope]) -> list[Envelope]:
    store = _RunStore(db, tenant)
    zone = (await studio_of(db, tenant)).zone
    decided = await asyncio.gather(*(_plain(store, event) for event in run))
    plain = [b for b in decided if b is not None]
    left = [event for event, b in zip(run, decided, strict=True) if b is None]

    claimed = await store.facts.insert_new(
        [{"_id": fact_key(b.data), "event_id": b.event.id, **b.body} for b in plain]
    )
    left += [plain[i].event for i in claimed]
    bookings = [b for i, b in enumerate(plain) if i not in claimed]
    if not bookings:
        return left

    periods: dict[str, _Doc] = defaultdict(_Doc)
    profiles: dict[str, _Doc] = defaultdict(_Doc)
    marks: dict[str, tuple[_Booking, str]] = {}  # mark -> first booking, its period
    for b in bookings:
        at = rules.slot(moment(b.body["starts_at"]), zone)
        paths = rules.occupancy_paths(
            at.hour, b.body.get("service_id"), b.body.get("professional_id")
        )
        cid = rules.safe_key(b.data.client_id)
        for scope in rules.scopes(b.body.get("branch_id")):
            day = periods[period_id("D", scope, at.day)]
            month = periods[period_id("M", scope, at.month)]
            for p in paths:
                day.inc[f"{p}.b"] += 1
                month.inc[f"{p}.b"] += 1
            month.inc[f"{at.heat}.b"] += 1
            day.inc[f"booked.{cid}"] += 1
            if b.data.from_app:
                day.inc["app"] += 1
            day.guards.append(b.event.id)
            month.guards.append(b.event.id)
            for kind, key in (("D", at.day), ("M", at.month)):
                marks.setdefault(f"bk~{kind}~{scope}~{key}~{cid}", (b, period_id(kind, scope, key)))
        profile = profiles[b.data.client_id]
        profile.sets[f"bookings.{rules.safe_key(b.data.booking_id)}"] = booking_entry(
            b.data, b.body
        )
        profile.guards.append(b.event.id)

    names = list(marks)
    existed = await store.marks.insert_new(
        [{"_id": name, "event_id": marks[name][0].event.id} for name in names]
    )
    for i, name in enumerate(names):
        b, period = marks[name]
        if i not in existed and "balance" in (b.profile.get("contrib") or []):
            periods[period].inc["bwb"] += 1
            periods[period].guards.append(f"{b.event.id}#bwb")

    per_client: dict[str, list[Envelope]] = defaultdict(list)
    for b in bookings:
        per_client[b.data.client_id].append(b.event)
    await asyncio.gather(
        *(
            store.apply_guarded(store.periods, doc_id, doc.update(), doc.guards)
            for doc_id, doc in periods.items()
        ),
        *(
            store.apply_guarded(store.profiles, client_id, doc.update(), doc.guards)
            for client_id, doc in profiles.items()
        ),
        *(store.add_timelines(client_id, events) for client_id, events in per_client.items()),
    )
    return left
