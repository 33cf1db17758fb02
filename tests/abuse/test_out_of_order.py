"""Facts sent out of order end in the same read models as in order: each studio below
gets the same facts, one in the order they happened, the other backwards (a
cancellation before its booking, a visit and bookings before their session, everything
before the client's card, a refund before its sale)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from aiokafka import AIOKafkaProducer
from loyalty.testing import configure, create_client, known
from plumbing.envelope import Envelope
from plumbing.testing import Graph, eventually, unique_tenant

from .pipeline import WAIT, ago, ahead, applied_by, card, databases, fact, produce

DAY = """
query($d: Date!) {
  crmSummary(date: $d) {
    occupancy { placesOffered placesBooked }
    bookedFromApp rebookedWithin7Days
    cancelled { count clients { id } }
    bookedToday { count clients {
      id
      activity { upcomingBookings { id status fromApp startsAt } pastBookings { id status } }
      timeline(first: 30) { edges { node { kind summary } } }
    } }
  }
}"""


DAY_TIMELINE = [
    "CLIENT_CREATED",
    "BOOKING_MADE",
    "BOOKING_MADE",
    "BOOKING_MADE",
    "BOOKING_CANCELLED",
    "VISIT_RECORDED",
]


def bookings_facts(tenant: str, starts: str) -> dict[str, Envelope]:
    """A day of one client at one session: three bookings, the first cancelled and
    re-booked by the third, and a visit."""

    def booking(booking_id: str, minutes_ago: int, from_app: bool = False) -> Envelope:
        data = {
            "booking_id": booking_id,
            "client_id": "ana",
            "session_id": "S1",
            "from_app": from_app,
            "balance_kind": "CREDIT",
            "occurred_at": ago(minutes=minutes_ago),
        }
        return fact(tenant, "booking_made", data, "ana")

    cancel = {
        "booking_id": "B1",
        "client_id": "ana",
        "session_id": "S1",
        "balance_kind": "CREDIT",
        "occurred_at": ago(minutes=30),
    }
    session = {
        "session_id": "S1",
        "service_id": "yoga",
        "starts_at": starts,
        "capacity": 8,
        "professional_id": "p1",
    }
    visit = {"client_id": "ana", "visit_id": "V1", "attended_at": ago(minutes=90)}
    return {
        "card": card(tenant, "ana"),
        "session": fact(tenant, "session_scheduled", session, None),
        "b1": booking("B1", 60),
        "b2": booking("B2", 50, from_app=True),
        "cancel": fact(tenant, "booking_cancelled", cancel, "ana"),
        "b3": booking("B3", 20),
        "visit": fact(tenant, "visit_recorded", visit, "ana"),
    }


def comparable(day: dict[str, Any]) -> dict[str, Any]:
    """The day's summary, each timeline as a sorted list (a card's own entry is dated
    when it was sent)."""
    summary = json.loads(json.dumps(day["crmSummary"]))
    for client in summary["bookedToday"]["clients"]:
        client["timeline"] = sorted(
            (e["node"]["kind"], e["node"]["summary"]) for e in client["timeline"]["edges"]
        )
    return dict(summary)


async def test_bookings_a_cancellation_a_visit_and_a_card_backwards_end_as_in_order(
    graphs: Callable[..., Graph], producer: AIOKafkaProducer
) -> None:
    starts = ahead(days=1)
    day = datetime.fromisoformat(starts).astimezone(UTC).date().isoformat()
    forwards, backwards = unique_tenant("order"), unique_tenant("disorder")
    ahead_of_time = bookings_facts(forwards, starts)
    late = bookings_facts(backwards, starts)
    in_order = ["card", "session", "b1", "b2", "cancel", "b3", "visit"]
    await produce(producer, *(ahead_of_time[k] for k in in_order))
    await produce(producer, *(late[k] for k in reversed(in_order)))

    expected_owner, owner = graphs(forwards, "OWNER"), graphs(backwards, "OWNER")

    def complete(d: dict[str, Any]) -> bool:
        s = d["crmSummary"]
        if s["cancelled"]["count"] != 1 or s["bookedToday"]["count"] != 1:
            return False
        [client] = s["bookedToday"]["clients"]
        kinds = sorted(e["node"]["kind"] for e in client["timeline"]["edges"])
        upcoming = [b["id"] for b in client["activity"]["upcomingBookings"]]
        return sorted(upcoming) == ["B2", "B3"] and kinds == sorted(DAY_TIMELINE)

    expected = await eventually(
        lambda: expected_owner(DAY, {"d": day}), until=complete, timeout=WAIT
    )
    assert expected["crmSummary"]["rebookedWithin7Days"] == 1
    assert expected["crmSummary"]["occupancy"] == [{"placesOffered": 8, "placesBooked": 2}]
    got = await eventually(
        lambda: owner(DAY, {"d": day}),
        until=lambda d: complete(d) and comparable(d) == comparable(expected),
        timeout=WAIT,
    )
    assert comparable(got) == comparable(expected)
    async with databases() as mongo:
        # Ranks counted the visit once the card came (it waited for it, it was not parked).
        assert await applied_by(mongo, "ranks", late["visit"].id)
        assert await applied_by(mongo, "loyalty", late["visit"].id)


TIMELINE = [
    "CLIENT_CREATED",
    "PURCHASE_RECORDED",
    "PURCHASE_RECORDED",
    "PURCHASE_REFUNDED",
    "POINTS_EARNED",
    "POINTS_EARNED",
    "POINTS_REVERSED",
]
CARD = """
query($id: ID!) {
  client(id: $id) {
    activity { unpaidSales { invoiceNumber total { amount } paid { amount } } }
    timeline(first: 20) { edges { node { kind summary } } }
    loyalty { balance ledger(first: 20) { edges { node { kind points invoiceNumber } } } }
  }
}"""


def sale(tenant: str, client: str, invoice: str, paid: str) -> Envelope:
    data = {
        "invoice_number": invoice,
        "client_id": client,
        "channel": "IN_STUDIO",
        "occurred_at": ago(hours=2),
        "lines": [{"category": "PACK", "item_id": "p10", "name": "10 classes", "amount": "80.00"}],
        "payments": [{"method": "CASH", "amount": paid}],
    }
    return fact(tenant, "purchase_recorded", data, client)


def refund(tenant: str, invoice: str) -> Envelope:
    # As a till reports it: the invoice, not the client.
    data = {"invoice_number": invoice, "occurred_at": ago(hours=1)}
    return fact(tenant, "purchase_refunded", data, None)


async def test_a_refund_before_its_sale_ends_as_in_order(
    graphs: Callable[..., Graph], producer: AIOKafkaProducer
) -> None:
    studios: list[tuple[Graph, str]] = []
    for name in ("order", "disorder"):
        owner = graphs(unique_tenant(name), "OWNER")
        await configure(owner, pointValue="0.01", earnPercent="5")
        client = await create_client(owner, "Rita")
        await known(owner, client)
        studios.append((owner, client))
    (forwards, first), (backwards, second) = studios
    await produce(
        producer,
        sale(forwards.tenant, first, "F-1", "30.00"),
        sale(forwards.tenant, first, "F-2", "30.00"),
        refund(forwards.tenant, "F-1"),
    )
    await produce(
        producer,
        refund(backwards.tenant, "F-1"),
        sale(backwards.tenant, second, "F-1", "30.00"),
        sale(backwards.tenant, second, "F-2", "30.00"),
    )

    def comparable(data: dict[str, Any], client: str) -> Any:
        text = re.sub(re.escape(client), "CLIENT", json.dumps(data["client"]))
        shown = json.loads(text)
        shown["timeline"] = sorted(
            (e["node"]["kind"], e["node"]["summary"]) for e in shown["timeline"]["edges"]
        )
        shown["loyalty"]["ledger"] = sorted(
            json.dumps(e["node"], sort_keys=True) for e in shown["loyalty"]["ledger"]["edges"]
        )
        return shown

    def complete(data: dict[str, Any]) -> bool:
        kinds = sorted(e["node"]["kind"] for e in data["client"]["timeline"]["edges"])
        unpaid = [s["invoiceNumber"] for s in data["client"]["activity"]["unpaidSales"]]
        ledger = data["client"]["loyalty"]["ledger"]["edges"]
        # Every effect is in: crm's facts and loyalty's points, and loyalty's events on
        # crm's timeline (two earnings, one reversal).
        return unpaid == ["F-2"] and len(ledger) == 3 and kinds == sorted(TIMELINE)

    expected = await eventually(lambda: forwards(CARD, {"id": first}), until=complete, timeout=WAIT)
    got = await eventually(
        lambda: backwards(CARD, {"id": second}),
        until=lambda d: complete(d) and comparable(d, second) == comparable(expected, first),
        timeout=WAIT,
    )
    assert comparable(got, second) == comparable(expected, first)
