"""Partner facts in bulk: the consumer's path for a run of bookings or of sales.

One at a time a booking costs some 25 database calls (`bookings.booking_made`), a sale
about 10. A run of them costs, whatever its length: one read of each session, client and
fact that could change the outcome (an earlier cancellation or refund); one
`insert_many` of the claims and one of the set-membership marks; one write per day and
month document (their counters summed over the run), per client's profile and per
client's timeline, and one of the `unpaid` list.

The effects are the one-at-a-time path's, with the same guards, so either path can take
over from the other: a fact whose claim is inserted here was never applied (the claim is
the first write of both paths), and every document written here records the event ids
it applied, as `ReadModel.apply_once` does (`ReadModel.apply_run`). What this path does not decide is handed back to
the one-at-a-time path, which parks or applies it:

- a fact that does not parse or has problems (it is parked with its reason there);
- a fact already claimed (a replay, the same fact reported twice, or one recorded
  through the graph, whose claim the mutation wrote);
- a booking cancelled before it arrived, or by a client with cancellations on record (a
  booking may recover one: `rules.rebooked_cancellation`); a sale refunded before it
  arrived.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from plumbing.contracts import EventData
from plumbing.envelope import Envelope
from plumbing.storage import Delta, ReadModel

from crm.domain import rules
from crm.events import BookingMade, PurchaseRecorded, catalog
from crm.service_layer.corrections import FROM_SESSION
from crm.service_layer.ingest import fact_key, problems_of
from crm.service_layer.ports import Doc, ReadModels
from crm.service_layer.profile_entries import (
    balance_booked_mark,
    booking_entry,
    moment,
    period_id,
    sale_entry,
    seat_of,
)
from crm.service_layer.purchases import UNPAID
from crm.service_layer.timeline_entries import add_to_timeline

BOOKING_MADE = "ingest.booking_made.v1"
PURCHASE_RECORDED = "ingest.purchase_recorded.v1"


@dataclass
class _Fact:
    event: Envelope
    data: EventData
    body: Doc
    profile: Doc


@dataclass
class _Doc:
    """What the run does to one read-model document."""

    inc: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    sets: Doc = field(default_factory=dict)
    guards: list[str] = field(default_factory=list)

    def delta(self) -> Delta:
        return Delta(inc=dict(self.inc), set=self.sets)


@dataclass
class _Run:
    """The documents a run writes, keyed by `_id`, and the marks it claims."""

    zone: ZoneInfo
    periods: dict[str, _Doc] = field(default_factory=lambda: defaultdict(_Doc))
    profiles: dict[str, _Doc] = field(default_factory=lambda: defaultdict(_Doc))
    facts: dict[str, _Doc] = field(default_factory=lambda: defaultdict(_Doc))  # sessions' seats
    marks: dict[str, tuple[_Fact, str]] = field(default_factory=dict)  # -> first fact, period


# What one kind of fact needs: the checks beyond `problems_of` (None: hand it back), and
# its effects on the run's documents.
Check = Callable[[ReadModels, Any, Doc], Awaitable[Doc | None]]
Effects = Callable[[_Fact, _Run], None]


async def _booking_check(views: ReadModels, data: BookingMade, profile: Doc) -> Doc | None:
    session, cancelled = await asyncio.gather(
        views.facts.get(f"session:{data.session_id}"),
        views.facts.get(f"cancel:{data.booking_id}"),
    )
    if session is None or cancelled is not None or profile.get("cancels"):
        return None
    body: Doc = {name: session.get(name) for name in FROM_SESSION}
    body["status"] = "BOOKED"
    return body


def _booking_effects(fact: _Fact, run: _Run) -> None:
    data, body = fact.data, fact.body
    assert isinstance(data, BookingMade)
    at = rules.slot(moment(body["starts_at"]), run.zone)
    paths = rules.occupancy_paths(at.hour, body.get("service_id"), body.get("professional_id"))
    cid = rules.safe_key(data.client_id)
    for scope in rules.scopes(body.get("branch_id")):
        day = run.periods[period_id("D", scope, at.day)]
        month = run.periods[period_id("M", scope, at.month)]
        for p in paths:
            day.inc[f"{p}.b"] += 1
            month.inc[f"{p}.b"] += 1
        month.inc[f"{at.heat}.b"] += 1
        day.inc[f"booked.{cid}"] += 1
        if data.from_app:
            day.inc["app"] += 1
        day.guards.append(fact.event.id)
        month.guards.append(fact.event.id)
        if "balance" in (fact.profile.get("contrib") or []):
            for kind, key in (("D", at.day), ("M", at.month)):
                period = period_id(kind, scope, key)
                run.marks.setdefault(balance_booked_mark(period, cid), (fact, period))
    profile = run.profiles[data.client_id]
    profile.sets[f"bookings.{rules.safe_key(data.booking_id)}"] = booking_entry(data, body)
    profile.guards.append(fact.event.id)
    session = run.facts[f"session:{data.session_id}"]
    session.sets.update(seat_of(data))
    session.guards.append(f"{fact.event.id}#seat")


async def _sale_check(views: ReadModels, data: PurchaseRecorded, profile: Doc) -> Doc | None:
    if await views.facts.get(f"refund:{data.invoice_number}") is not None:
        return None
    return {}


def _sale_effects(fact: _Fact, run: _Run) -> None:
    data = fact.data
    assert isinstance(data, PurchaseRecorded)
    sale = sale_entry(data)
    profile = run.profiles[data.client_id]
    profile.sets[f"sales.{rules.safe_key(data.invoice_number)}"] = sale
    profile.guards.append(fact.event.id)
    if Decimal(sale["due"]) > 0:
        unpaid = run.periods[UNPAID]
        unpaid.inc[f"clients.{rules.safe_key(data.client_id)}"] += 1
        unpaid.guards.append(fact.event.id)


KINDS: dict[str, tuple[type[EventData], Check, Effects]] = {
    BOOKING_MADE: (BookingMade, _booking_check, _booking_effects),
    PURCHASE_RECORDED: (PurchaseRecorded, _sale_check, _sale_effects),
}


class OnceRead:
    """A read model whose documents are read once for a run: validation and the
    decisions read only what the run's own facts do not change (cards, sessions,
    earlier cancellations and refunds)."""

    def __init__(self, inner: ReadModel) -> None:
        self._inner = inner
        self._read: dict[str, asyncio.Future[Doc | None]] = {}

    @property
    def tenant(self) -> str:
        return self._inner.tenant

    @property
    def name(self) -> str:
        return self._inner.name

    async def get(self, key: str) -> Doc | None:
        if key not in self._read:
            self._read[key] = asyncio.ensure_future(self._inner.get(key))
        return await self._read[key]

    async def get_many(self, keys: Sequence[str]) -> dict[str, Doc]:
        found = {key: await self.get(key) for key in dict.fromkeys(keys)}
        return {key: doc for key, doc in found.items() if doc is not None}

    async def apply_once(self, key: str, event_id: str, delta: Delta) -> bool:
        return await self._inner.apply_once(key, event_id, delta)

    async def apply_run(self, key: str, event_ids: Sequence[str], delta: Delta) -> bool:
        return await self._inner.apply_run(key, event_ids, delta)

    async def claim(self, key: str, event_id: str, fields: Mapping[str, Any]) -> bool:
        return await self._inner.claim(key, event_id, fields)

    async def claim_new(self, claims: Mapping[str, tuple[str, Mapping[str, Any]]]) -> set[str]:
        return await self._inner.claim_new(claims)

    async def delete(self, key: str) -> None:
        await self._inner.delete(key)


OpenRun = Callable[[str], Awaitable[tuple[ReadModels, ZoneInfo]]]


async def facts_in_bulk(open_run: OpenRun, events: Sequence[Envelope]) -> list[Envelope]:
    """Apply what can be applied of a run of one kind of fact; returns the events left to
    the one-at-a-time path, in their order. `open_run(tenant)` gives the studio's read
    models and time zone."""
    by_tenant: dict[str, list[Envelope]] = defaultdict(list)
    for event in events:
        by_tenant[event.tenant].append(event)
    left: set[int] = set()
    for tenant, run in by_tenant.items():
        views, zone = await open_run(tenant)
        once = replace(views, facts=OnceRead(views.facts), profiles=OnceRead(views.profiles))
        left |= {id(e) for e in await _tenant_run(once, zone, run)}
    return [e for e in events if id(e) in left]


async def _plain(views: ReadModels, event: Envelope) -> _Fact | None:
    """The fact as the one-at-a-time path would claim it, if this path can apply it."""
    model, check, _ = KINDS[event.type]
    try:
        data = catalog.read(event)
    except Exception:
        return None
    if not isinstance(data, model) or await problems_of(views, data):
        return None
    client_id = str(getattr(data, "client_id", ""))
    profile = await views.profiles.get(client_id)
    if profile is None:
        return None
    extra = await check(views, data, profile)
    if extra is None:
        return None
    body = {"type": event.type, **data.model_dump(mode="json"), **extra}
    return _Fact(event, data, body, profile)


async def _tenant_run(views: ReadModels, zone: ZoneInfo, events: list[Envelope]) -> list[Envelope]:
    decided = await asyncio.gather(*(_plain(views, event) for event in events))
    plain: list[_Fact] = []
    left: list[Envelope] = []
    keys: set[str] = set()
    for event, fact in zip(events, decided, strict=True):
        # The same fact twice in one run: the second goes back, as a replay would.
        if fact is None or fact_key(fact.data) in keys:
            left.append(event)
        else:
            keys.add(fact_key(fact.data))
            plain.append(fact)

    claimed = await views.facts.claim_new({fact_key(f.data): (f.event.id, f.body) for f in plain})
    left += [f.event for f in plain if fact_key(f.data) in claimed]
    facts = [f for f in plain if fact_key(f.data) not in claimed]
    if not facts:
        return left

    run = _Run(zone)
    per_client: dict[str, list[Envelope]] = defaultdict(list)
    for f in facts:
        KINDS[f.event.type][2](f, run)
        per_client[str(f.body["client_id"])].append(f.event)

    existed = await views.marks.claim_new(
        {name: (fact.event.id, {}) for name, (fact, _) in run.marks.items()}
    )
    for name, (f, period) in run.marks.items():
        if name not in existed:
            run.periods[period].inc["bwb"] += 1
            run.periods[period].guards.append(f"{f.event.id}#bwb")

    await asyncio.gather(
        *(
            views.periods.apply_run(doc_id, doc.guards, doc.delta())
            for doc_id, doc in run.periods.items()
        ),
        *(
            views.profiles.apply_run(client_id, doc.guards, doc.delta())
            for client_id, doc in run.profiles.items()
        ),
        *(views.facts.apply_run(key, doc.guards, doc.delta()) for key, doc in run.facts.items()),
        *(
            add_to_timeline(views.timelines, client_id, events)
            for client_id, events in per_client.items()
        ),
    )
    return left
