"""A partner fixing its own data: a session re-reported with another time, capacity or
professional is applied as a correction; the same invoice with other content is a
conflict (FACT_CONFLICT), on Kafka and through the graph."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from crm.events import (
    BookingCancelled,
    BookingMade,
    Payment,
    PurchaseLine,
    PurchaseRecorded,
    PurchaseRefunded,
    SessionScheduled,
    WaitlistConverted,
    WaitlistJoined,
)
from crm.service_layer.bulk import facts_in_bulk
from crm.service_layer.ingest import record
from crm.service_layer.profile_entries import moment
from crm.service_layer.summary import load
from crm.testing import MemoryCrm, MemoryRecordedFacts
from crm.testing_events import TENANT, booking, card, consume, fact, views
from plumbing import readers
from plumbing.envelope import Envelope
from plumbing.event_handlers import Rejected

NINE = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)
AT = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
DAY = NINE.date()


def session(
    starts_at: datetime, capacity: int = 10, professional: str | None = "pro-1"
) -> Envelope:
    return fact(
        SessionScheduled(
            session_id="s1",
            service_id="yoga",
            professional_id=professional,
            starts_at=starts_at,
            capacity=capacity,
        )
    )


def erased(client: str) -> Envelope:
    return Envelope(
        type=readers.CLIENT_ERASED,
        source="clients",
        tenant=TENANT,
        subject=client,
        data={"client_id": client},
    )


def sale(amount: str, at: datetime = AT) -> Envelope:
    data = PurchaseRecorded(
        invoice_number="F-1",
        client_id="ana",
        occurred_at=at,
        lines=[PurchaseLine(category="SERVICE", item_id="x", name="X", amount=Decimal(amount))],
        payments=[Payment(method="CASH", amount=Decimal(amount))],
    )
    return fact(data, "ana")


async def hours(crm: MemoryCrm, day: date = DAY) -> dict[int, tuple[int, int]]:
    view = await load(views(crm), day, "DAY", None, crm.studio(TENANT).zone)
    return {at.hour: (p.offered, p.booked) for at, p in view.occupancy(None, None)}


async def by_professional(crm: MemoryCrm, professional: str) -> int:
    view = await load(views(crm), NINE.date(), "DAY", None, crm.studio(TENANT).zone)
    return sum(p.offered for _, p in view.occupancy(None, professional))


async def test_a_new_capacity_time_and_professional_move_the_places() -> None:
    crm = MemoryCrm(zone="UTC")
    await consume(crm, card("ana"), card("bea"), session(NINE))
    await consume(crm, booking("b1", "ana", "s1", AT), booking("b2", "bea", "s1", AT))
    cancel = BookingCancelled(booking_id="b2", client_id="bea", session_id="s1", occurred_at=AT)
    await consume(crm, fact(cancel, "bea"))
    assert await hours(crm) == {9: (10, 1)}
    moved = session(NINE + timedelta(hours=2), capacity=12, professional="pro-2")
    await consume(crm, moved, moved)  # a replay moves nothing more
    assert await hours(crm) == {11: (12, 1)}
    assert (await by_professional(crm, "pro-1"), await by_professional(crm, "pro-2")) == (0, 12)
    profile = await views(crm).profiles.get("ana") or {}
    assert profile["bookings"]["b1"]["starts_at"] == NINE + timedelta(hours=2)
    # A cancellation now gives the place back where the session is.
    later = BookingCancelled(booking_id="b1", client_id="ana", session_id="s1", occurred_at=AT)
    await consume(crm, fact(later, "ana"))
    assert await hours(crm) == {11: (12, 0)}


async def test_a_move_to_another_day_moves_the_booked_clients() -> None:
    crm = MemoryCrm(zone="UTC")
    await consume(crm, card("ana"), session(NINE), booking("b1", "ana", "s1", AT))
    await consume(crm, session(NINE + timedelta(days=1)))
    zone = crm.studio(TENANT).zone
    first = await load(views(crm), NINE.date(), "DAY", None, zone)
    second = await load(views(crm), NINE.date() + timedelta(days=1), "DAY", None, zone)
    assert (first.list_of("booked"), second.list_of("booked")) == ([], ["ana"])
    assert await hours(crm, NINE.date() + timedelta(days=1)) == {9: (10, 1)}


async def test_a_move_to_another_day_moves_the_app_count_waitlist_and_cancellations() -> None:
    """Point 7: every list of the day goes with the session: the app bookings, the
    cancelled clients, the waitlist with its entries (and their conversions); an erasure
    afterwards finds the client on the new day (B9)."""
    crm = MemoryCrm(zone="UTC")
    await consume(crm, card("ana"), card("bea"), card("cleo"), session(NINE))
    from_app = BookingMade(
        booking_id="b1", client_id="ana", session_id="s1", from_app=True, occurred_at=AT
    )
    await consume(crm, fact(from_app, "ana"), booking("b2", "bea", "s1", AT))
    cancel = BookingCancelled(booking_id="b2", client_id="bea", session_id="s1", occurred_at=AT)
    joined = WaitlistJoined(entry_id="w1", client_id="cleo", session_id="s1", occurred_at=AT)
    converted = WaitlistConverted(
        entry_id="w1", client_id="cleo", session_id="s1", booking_id="w1", occurred_at=AT
    )
    await consume(crm, fact(cancel, "bea"), fact(joined, "cleo"), fact(converted, "cleo"))
    zone = crm.studio(TENANT).zone
    lists = ("booked", "canc", "wait")
    before = await load(views(crm), DAY, "DAY", None, zone)
    assert [before.list_of(n) for n in lists] == [["ana"], ["bea"], ["cleo"]]
    assert (before.count("app"), before.count("conv")) == (1, 1)
    later = NINE + timedelta(days=1, hours=2)
    await consume(crm, session(later), session(later))  # a replay moves nothing more
    first = await load(views(crm), DAY, "DAY", None, zone)
    second = await load(views(crm), later.date(), "DAY", None, zone)
    assert [first.list_of(n) for n in lists] == [[], [], []]
    assert (first.count("app"), first.count("conv"), first.waitlist_entries()) == (0, 0, [])
    assert [second.list_of(n) for n in lists] == [["ana"], ["bea"], ["cleo"]]
    assert (second.count("app"), second.count("conv")) == (1, 1)
    [entry] = second.waitlist_entries()
    assert (entry["entry_id"], moment(entry["starts_at"])) == ("w1", later)
    await consume(crm, erased("bea"), erased("cleo"))
    after = await load(views(crm), later.date(), "DAY", None, zone)
    assert [after.list_of(n) for n in lists] == [["ana"], [], []]
    assert [after.listed(n) for n in lists] == [1, 1, 1]


async def test_bookings_in_bulk_are_moved_too() -> None:
    crm = MemoryCrm(zone="UTC")
    await consume(crm, card("ana"), card("bea"), session(NINE))

    async def open_run(tenant: str):  # type: ignore[no-untyped-def]
        return crm.views(tenant), crm.studio(tenant).zone

    run = [booking("b1", "ana", "s1", AT), booking("b2", "bea", "s1", AT)]
    assert await facts_in_bulk(open_run, run) == []
    await consume(crm, session(NINE + timedelta(hours=1), capacity=5))
    assert await hours(crm) == {10: (5, 2)}


async def test_the_same_time_in_another_offset_is_no_correction() -> None:
    crm = MemoryCrm(zone="UTC")
    await consume(crm, session(NINE))
    await consume(crm, session(NINE.astimezone(timezone(timedelta(hours=1)))))
    assert await hours(crm) == {9: (10, 0)}
    assert "corrected_by" not in (await views(crm).facts.get("session:s1") or {})


async def test_an_invoice_with_other_content_is_a_conflict_on_kafka() -> None:
    crm = MemoryCrm(zone="UTC")
    await consume(crm, card("ana"), sale("20.00"))
    await consume(crm, sale("20.0"))  # the same sale, said otherwise: nothing to say
    with pytest.raises(Rejected, match=r"^FACT_CONFLICT: sale 'F-1' was reported before"):
        await consume(crm, sale("25.00"))


async def test_the_graph_answers_a_conflict_and_a_correction() -> None:
    crm = MemoryCrm(zone="UTC")
    await consume(crm, card("ana"))
    recorded = MemoryRecordedFacts()
    first = await record(views(crm), recorded, [_data(sale("20.00"))])
    again = await record(views(crm), recorded, [_data(sale("20.00"))])
    other = await record(views(crm), recorded, [_data(sale("25.00"))])
    assert first.event_id == again.event_id and first.accepted and again.accepted
    assert not other.accepted
    assert [(p.code, p.field) for p in other.problems] == [("FACT_CONFLICT", ("invoiceNumber",))]
    assert first.event_id is not None and first.event_id in other.problems[0].message

    s1 = await record(views(crm), recorded, [_data(session(NINE))])
    fixed = await record(views(crm), recorded, [_data(session(NINE, capacity=8))])
    same_fix = await record(views(crm), recorded, [_data(session(NINE, capacity=8))])
    assert fixed.accepted and fixed.corrects == s1.event_id
    assert same_fix.event_id == fixed.event_id  # the same correction sent twice is one
    await consume(crm, *recorded.events)
    assert await hours(crm) == {9: (8, 0)}


def _data(event: Envelope) -> PurchaseRecorded | SessionScheduled:
    data = PurchaseRecorded if event.type.endswith("purchase_recorded.v1") else SessionScheduled
    return data.model_validate(event.data)


async def test_a_refund_sent_again_later_is_the_same_refund() -> None:
    crm = MemoryCrm(zone="UTC")
    await consume(crm, card("ana"), sale("20.00"))
    for minutes in (0, 5):
        refund = PurchaseRefunded(
            invoice_number="F-1", client_id="ana", occurred_at=AT + timedelta(minutes=minutes)
        )
        await consume(crm, fact(refund, "ana"))  # no FACT_CONFLICT for the retry
