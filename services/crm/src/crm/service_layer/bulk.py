"""Partner facts in bulk: the consumer's path for a run of bookings or of sales.

One at a time a booking costs some 25 database calls (`Projector.booking_made`), a sale
about 10. A run of them costs, whatever its length: one read of each session, client and
fact that could change the outcome (an earlier cancellation or refund); one
`insert_many` of the claims and one of the set-membership marks; one write per day and
month document (their counters summed over the run), per client's profile and per
client's timeline, and one of the `unpaid` list.

The effects are the one-at-a-time path's, with the same guards, so either path can take
over from the other: a fact whose claim is inserted here was never applied (the claim is
the first write of both paths), and every document written here records the event ids
it applied, as `Store.apply_once` does. What this path does not decide is handed back to
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
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from plumbing.contracts import EventData
from plumbing.envelope import Envelope

from crm.adapters.store import Store, period_id
from crm.domain import rules
from crm.events import BookingMade, PurchaseRecorded, catalog
from crm.service_layer.ingest import fact_key, problems_of
from crm.service_layer.projections import (
    balance_booked_mark,
    booking_entry,
    moment,
    sale_entry,
)

Doc = dict[str, Any]
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

    def update(self) -> Doc:
        out: Doc = {}
        if self.inc:
            out["$inc"] = dict(self.inc)
        if self.sets:
            out["$set"] = self.sets
        return out


@dataclass
class _Run:
    """The documents a run writes, keyed by `_id`, and the marks it claims."""

    zone: ZoneInfo
    periods: dict[str, _Doc] = field(default_factory=lambda: defaultdict(_Doc))
    profiles: dict[str, _Doc] = field(default_factory=lambda: defaultdict(_Doc))
    marks: dict[str, tuple[_Fact, str]] = field(default_factory=dict)  # -> first fact, period


# What one kind of fact needs: the checks beyond `problems_of` (None: hand it back), and
# its effects on the run's documents.
Check = Callable[["Store", Any, Doc], Awaitable[Doc | None]]
Effects = Callable[[_Fact, _Run], None]


async def _booking_check(store: Store, data: BookingMade, profile: Doc) -> Doc | None:
    session, cancelled = await asyncio.gather(
        store.fact(f"session:{data.session_id}"), store.fact(f"cancel:{data.booking_id}")
    )
    if session is None or cancelled is not None or profile.get("cancels"):
        return None
    body: Doc = {name: session.get(name) for name in _FROM_SESSION}
    body["status"] = "BOOKED"
    return body


_FROM_SESSION = ("starts_at", "service_id", "service_name", "professional_id", "branch_id")


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


async def _sale_check(store: Store, data: PurchaseRecorded, profile: Doc) -> Doc | None:
    if await store.fact(f"refund:{data.invoice_number}") is not None:
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
        unpaid = run.periods["unpaid"]
        unpaid.inc[f"clients.{rules.safe_key(data.client_id)}"] += 1
        unpaid.guards.append(fact.event.id)


KINDS: dict[str, tuple[type[EventData], Check, Effects]] = {
    BOOKING_MADE: (BookingMade, _booking_check, _booking_effects),
    PURCHASE_RECORDED: (PurchaseRecorded, _sale_check, _sale_effects),
}


async def facts_in_bulk(
    run_store: Callable[[str], Store], events: Sequence[Envelope]
) -> list[Envelope]:
    """Apply what can be applied of a run of one kind of fact; returns the events left to
    the one-at-a-time path, in their order. `run_store(tenant)` gives a store that reads
    each profile and fact once for the run (`RunStore`)."""
    by_tenant: dict[str, list[Envelope]] = defaultdict(list)
    for event in events:
        by_tenant[event.tenant].append(event)
    left: set[int] = set()
    for tenant, run in by_tenant.items():
        left |= {id(e) for e in await _tenant_run(run_store(tenant), run)}
    return [e for e in events if id(e) in left]


async def _plain(store: Store, event: Envelope) -> _Fact | None:
    """The fact as the one-at-a-time path would claim it, if this path can apply it."""
    model, check, _ = KINDS[event.type]
    try:
        data = catalog.read(event)
    except Exception:
        return None
    if not isinstance(data, model) or await problems_of(store, data):
        return None
    client_id = str(getattr(data, "client_id", ""))
    profile = await store.profile(client_id)
    if profile is None:
        return None
    extra = await check(store, data, profile)
    if extra is None:
        return None
    body = {"type": event.type, **data.model_dump(mode="json"), **extra}
    return _Fact(event, data, body, profile)


async def _tenant_run(store: Store, events: list[Envelope]) -> list[Envelope]:
    zone = (await store.studio()).zone
    decided = await asyncio.gather(*(_plain(store, event) for event in events))
    plain = [f for f in decided if f is not None]
    left = [event for event, f in zip(events, decided, strict=True) if f is None]

    claimed = await store.facts.insert_new(
        [{"_id": fact_key(f.data), "event_id": f.event.id, **f.body} for f in plain]
    )
    left += [plain[i].event for i in claimed]
    facts = [f for i, f in enumerate(plain) if i not in claimed]
    if not facts:
        return left

    run = _Run(zone)
    per_client: dict[str, list[Envelope]] = defaultdict(list)
    for f in facts:
        KINDS[f.event.type][2](f, run)
        per_client[str(f.body["client_id"])].append(f.event)

    names = list(run.marks)
    existed = await store.marks.insert_new(
        [{"_id": name, "event_id": run.marks[name][0].event.id} for name in names]
    )
    for i, name in enumerate(names):
        f, period = run.marks[name]
        if i not in existed:
            run.periods[period].inc["bwb"] += 1
            run.periods[period].guards.append(f"{f.event.id}#bwb")

    await asyncio.gather(
        *(
            store.apply_guarded(store.periods, doc_id, doc.update(), doc.guards)
            for doc_id, doc in run.periods.items()
        ),
        *(
            store.apply_guarded(store.profiles, client_id, doc.update(), doc.guards)
            for client_id, doc in run.profiles.items()
        ),
        *(store.add_timelines(client_id, events) for client_id, events in per_client.items()),
    )
    return left
