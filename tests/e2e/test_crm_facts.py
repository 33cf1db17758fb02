"""K7: partner facts through the graph and straight from Kafka; C9: the timeline; the
client card's activity (bookings, unpaid sales, memberships, gift cards, app)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from aiokafka import AIOKafkaProducer
from plumbing import topics
from plumbing.envelope import Envelope
from plumbing.testing import (
    Graph,
    eventually,
    seed_studio,
)

from ..journeys import DlqTap, codes, crm_client, iso

CREATE_CLIENT = """
mutation($f: String!, $l: String!) {
  createClient(input: {firstName: $f, lastName: $l}) { client { id } userErrors { code } }
}"""
SESSION = """
mutation($id: ID!, $svc: ID!, $at: DateTime!, $cap: Int!, $pro: ID) {
  recordSession(id: $id, serviceId: $svc, startsAt: $at, capacity: $cap, professionalId: $pro) {
    accepted eventId userErrors { code field message }
  }
}"""
BOOKING = """
mutation($id: ID!, $c: ID!, $s: ID!, $st: BookingStatus!, $app: Boolean!, $k: String, $at: DateTime!) {
  recordBooking(id: $id, clientId: $c, sessionId: $s, status: $st, fromApp: $app,
                balanceKind: $k, occurredAt: $at) {
    accepted status waitingFor { code field } eventId userErrors { code field message }
  }
}"""
PURCHASE = """
mutation($input: PurchaseInput!) {
  recordPurchase(input: $input) { accepted eventId userErrors { code field message } }
}"""
REFUND = """
mutation($inv: String!, $at: DateTime!) {
  refundPurchase(invoiceNumber: $inv, occurredAt: $at) {
    accepted status waitingFor { code } eventId userErrors { code }
  }
}"""
APP = """
mutation($c: ID!, $k: AppEventKind!, $p: AppPlatform, $at: DateTime!) {
  recordAppEvent(clientId: $c, kind: $k, platform: $p, occurredAt: $at) {
    accepted eventId userErrors { code field message }
  }
}"""
VISIT = """
mutation($c: ID!, $s: ID, $at: DateTime!) {
  recordVisit(clientId: $c, sessionId: $s, attendedAt: $at) {
    accepted status waitingFor { code } eventId userErrors { code }
  }
}"""
MEMBERSHIP = """
mutation($input: MembershipInput!) {
  recordMembership(input: $input) { accepted eventId userErrors { code field message } }
}"""
GIFT = """
mutation($id: ID!, $c: ID!, $at: DateTime!) {
  recordGiftCard(id: $id, clientId: $c, code: "GIFT-1", balance: "25.00", currency: "eur",
                 reportedAt: $at) { accepted userErrors { code } }
}"""
# The card as the summary's list of the day links to it (crm resolves all of it).
CARD = """
query($d: Date!) {
  crmSummary(date: $d) { bookedToday { clients {
    id
    activity {
      upcomingBookings { id sessionId serviceId professionalId startsAt status fromApp }
      pastBookings(first: 5) { id status }
      unpaidSales { invoiceNumber total { amount currency } paid { amount } }
      memberships { id plan status validFrom validUntil toleranceDays credits { id kind status } }
      giftCards { code balance { amount currency } }
      hasApp appPlatform
    }
    timeline(first: 50) { edges { node { kind summary source at } } }
  } } }
}"""
SUMMARY = """
query($d: Date!) { crmSummary(date: $d) { bookedToday { count } bookedFromApp
  occupancy { placesOffered placesBooked } } }"""


def pending(payload: dict[str, Any]) -> list[str]:
    """What a fact accepted as PENDING waits for (it is applied once that arrives)."""
    assert payload["accepted"] is True and payload["status"] == "PENDING", payload
    assert payload["userErrors"] == [] and payload["eventId"], payload
    return [w["code"] for w in payload["waitingFor"]]


@pytest.fixture
async def dlq() -> AsyncIterator[DlqTap]:
    tap = DlqTap(topics.INGEST_BOOKINGS)
    await tap.open()
    yield tap
    await tap.consumer.stop()


async def test_k7_bad_facts_are_user_errors_and_good_ones_are_accepted_once(
    owner: Graph, graphs: Callable[..., Graph], producer: AIOKafkaProducer
) -> None:
    partner = graphs(owner.tenant, "PARTNER", subject="partner-1")
    ana = await crm_client(owner, producer, "Ana")
    now = datetime.now(UTC).replace(microsecond=0)  # facts happened now (FUTURE_TIME otherwise)
    start = now + timedelta(days=2)  # the session they book is ahead

    bad_session = await partner(SESSION, {"id": "S1", "svc": "yoga", "at": iso(start), "cap": -1})
    assert codes(bad_session["recordSession"]) == ["BAD_CAPACITY"]
    early = await partner(
        BOOKING, {"id": "B1", "c": ana, "s": "S1", "st": "BOOKED", "app": True, "at": iso(now)}
    )
    # A booking before its session is accepted and waits for the session.
    assert pending(early["recordBooking"]) == ["UNKNOWN_SESSION"]
    assert early["recordBooking"]["waitingFor"][0]["field"] == ["sessionId"]

    ok = await partner(SESSION, {"id": "S1", "svc": "yoga", "at": iso(start), "cap": 8})
    assert ok["recordSession"]["accepted"] is True and ok["recordSession"]["eventId"]
    again = await partner(SESSION, {"id": "S1", "svc": "yoga", "at": iso(start), "cap": 8})
    assert again["recordSession"]["eventId"] == ok["recordSession"]["eventId"]  # same fact

    stranger = await partner(
        BOOKING,
        {"id": "B9", "c": "nobody", "s": "S1", "st": "BOOKED", "app": False, "at": iso(now)},
    )
    assert codes(stranger["recordBooking"]) == ["UNKNOWN_CLIENT"]
    assert stranger["recordBooking"]["status"] == "REFUSED"
    status = await partner.raw(
        BOOKING, {"id": "B1", "c": ana, "s": "S1", "st": "MAYBE", "app": False, "at": iso(now)}
    )
    assert [e["extensions"]["code"] for e in status["errors"]] == ["BAD_USER_INPUT"]
    lower = await partner.raw(
        BOOKING, {"id": "B1", "c": ana, "s": "S1", "st": "booked", "app": False, "at": iso(now)}
    )
    assert [e["extensions"]["code"] for e in lower["errors"]] == ["BAD_USER_INPUT"]
    cancel_unknown = await partner(
        BOOKING,
        {"id": "B7", "c": ana, "s": "S1", "st": "CANCELLED", "app": False, "at": iso(now)},
    )
    assert pending(cancel_unknown["recordBooking"]) == ["UNKNOWN_BOOKING"]
    booked = await partner(
        BOOKING, {"id": "B1", "c": ana, "s": "S1", "st": "BOOKED", "app": True, "at": iso(now)}
    )
    twice = await partner(
        BOOKING, {"id": "B1", "c": ana, "s": "S1", "st": "BOOKED", "app": True, "at": iso(now)}
    )
    assert booked["recordBooking"]["accepted"] and twice["recordBooking"]["accepted"]
    assert booked["recordBooking"]["status"] == "ACCEPTED"
    # The booking accepted while it waited is the same fact: its event, applied once.
    assert twice["recordBooking"]["eventId"] == booked["recordBooking"]["eventId"]
    assert booked["recordBooking"]["eventId"] == early["recordBooking"]["eventId"]

    # Kinds are an enum: a word outside it is refused by the graph itself.
    kind = await partner.raw(APP, {"c": ana, "k": "DANCE", "at": iso(now)})
    assert [e["extensions"]["code"] for e in kind["errors"]] == ["BAD_USER_INPUT"]
    platform = await partner(APP, {"c": ana, "k": "SESSION_STARTED", "at": iso(now)})
    assert codes(platform["recordAppEvent"]) == ["PLATFORM_REQUIRED"]
    # A time without an offset is refused by the DateTime scalar itself, with one code
    # in every service (a top-level error, as for any value its type refuses).
    naive = await partner.raw(APP, {"c": ana, "k": "LOGGED_OUT", "at": "2026-01-01T10:00:00"})
    assert [e["extensions"]["code"] for e in naive["errors"]] == ["NAIVE_TIME"]

    sale = {
        "clientId": ana,
        "invoiceNumber": "INV-1",
        "channel": "IN_STUDIO",
        "occurredAt": iso(now),
        "lines": [{"category": "SERVICE", "itemId": "yoga", "name": "Yoga", "amount": "20.00"}],
        "payments": [{"method": "CASH", "amount": "25.00"}],
    }
    over = await partner(PURCHASE, {"input": sale})
    assert codes(over["recordPurchase"]) == ["OVERPAID"]
    empty = await partner(PURCHASE, {"input": {**sale, "lines": [], "payments": []}})
    assert codes(empty["recordPurchase"]) == ["NO_LINES"]
    mills = [{"category": "SERVICE", "itemId": "yoga", "name": "Yoga", "amount": "10.005"}]
    fractional = await partner(PURCHASE, {"input": {**sale, "lines": mills, "payments": []}})
    assert codes(fractional["recordPurchase"]) == ["BAD_AMOUNT"]
    refund = await partner(REFUND, {"inv": "NOPE", "at": iso(now)})
    assert pending(refund["refundPurchase"]) == ["UNKNOWN_INVOICE"]  # before its sale
    visit = await partner(VISIT, {"c": ana, "s": "S404", "at": iso(now)})
    assert pending(visit["recordVisit"]) == ["UNKNOWN_SESSION"]

    client = graphs(owner.tenant, "CLIENT", client_id=ana)
    forbidden = await client.raw(SESSION, {"id": "S2", "svc": "x", "at": iso(start), "cap": 1})
    assert forbidden["errors"][0]["extensions"]["code"] == "FORBIDDEN"

    day = start.date().isoformat()  # the studio has no time zone set: UTC
    summary = await eventually(
        lambda: owner(SUMMARY, {"d": day}),
        until=lambda s: s["crmSummary"]["bookedToday"]["count"] == 1,
    )
    assert summary["crmSummary"]["bookedFromApp"] == 1  # recorded twice, counted once
    assert summary["crmSummary"]["occupancy"] == [{"placesOffered": 8, "placesBooked": 1}]


async def test_k7_facts_straight_from_kafka_are_checked_parked_and_never_doubled(
    owner: Graph, producer: AIOKafkaProducer, dlq: DlqTap
) -> None:
    tenant = owner.tenant
    bruno = await crm_client(owner, producer, "Bruno")
    now = datetime.now(UTC).replace(microsecond=0)  # facts happened now (FUTURE_TIME otherwise)
    start = now + timedelta(days=3)  # the session they book is ahead

    async def send(type_: str, data: dict[str, Any], subject: str | None = bruno) -> Envelope:
        envelope = Envelope(
            type=type_, source="partners/test", tenant=tenant, subject=subject, data=data
        )
        topic = topics.INGEST_BOOKINGS
        await producer.send_and_wait(topic, envelope.to_bytes(), key=envelope.key.encode())
        return envelope

    booking = {
        "booking_id": "K1",
        "client_id": bruno,
        "session_id": "KS1",
        "from_app": False,
        "occurred_at": iso(now),
    }
    early = await send("ingest.booking_made.v1", booking)  # before its session: it waits
    await send(
        "ingest.session_scheduled.v1",
        {"session_id": "KS1", "service_id": "karate", "starts_at": iso(start), "capacity": -3},
        None,
    )  # negative capacity: parked
    await send(
        "ingest.session_scheduled.v1",
        {"session_id": "KS1", "service_id": "karate", "starts_at": iso(start), "capacity": 6},
        None,
    )
    parked = await eventually(lambda: dlq.parked(tenant), until=lambda p: len(p) >= 1)
    assert parked[0]["code"] == "INVALID_DATA" and "capacity" in parked[0]["reason"]

    day = start.date().isoformat()
    await eventually(
        lambda: owner(SUMMARY, {"d": day}),
        until=lambda s: s["crmSummary"]["bookedToday"]["count"] == 1,
    )  # the early booking, applied once its session came
    await producer.send_and_wait(topics.INGEST_BOOKINGS, early.to_bytes(), key=early.key.encode())
    await send("ingest.booking_made.v1", booking)  # the same booking, another message
    await send(
        "ingest.booking_made.v1", {**booking, "booking_id": "K2", "client_id": "ghost"}, "ghost"
    )  # a client crm has not heard of: it waits for the card
    await send(
        "ingest.session_scheduled.v1",
        {"session_id": "KS2", "service_id": "karate", "starts_at": iso(start), "capacity": 2},
        None,
    )
    summary = await eventually(
        lambda: owner(SUMMARY, {"d": day}),
        until=lambda s: s["crmSummary"]["occupancy"] == [{"placesOffered": 8, "placesBooked": 1}],
    )  # a session sent after the replays and the ghost
    assert summary["crmSummary"]["bookedToday"]["count"] == 1
    # Only the bad session was parked: the early booking and the ghost's waited.
    assert [p["code"] for p in await dlq.parked(tenant)] == ["INVALID_DATA"]


async def test_c9_timeline_and_activity_of_a_client(
    owner: Graph, graphs: Callable[..., Graph], producer: AIOKafkaProducer
) -> None:
    await seed_studio(producer, owner.tenant, "Europe/Madrid", "es")
    carla = await crm_client(owner, producer, "Carla", "Rossi")
    now = datetime.now(UTC).replace(microsecond=0)
    soon, before = now + timedelta(days=1), now - timedelta(days=1)
    for sid, at in (("A1", soon), ("A2", before)):
        data = await owner(
            SESSION, {"id": sid, "svc": "pilates", "at": iso(at), "cap": 3, "pro": "p1"}
        )
        assert data["recordSession"]["accepted"]
    for bid, sid in (("CB1", "A1"), ("CB2", "A2")):
        data = await owner(
            BOOKING,
            {
                "id": bid,
                "c": carla,
                "s": sid,
                "st": "BOOKED",
                "app": True,
                "k": "CREDIT",
                "at": iso(before),
            },
        )
        assert data["recordBooking"]["accepted"]
    sale = {
        "clientId": carla,
        "invoiceNumber": "F-7",
        "channel": "APP",
        "occurredAt": iso(before),
        "lines": [{"category": "PACK", "itemId": "p10", "name": "10 sessions", "amount": "80.00"}],
        "payments": [{"method": "CARD", "amount": "30.00"}],
    }
    assert (await owner(PURCHASE, {"input": sale}))["recordPurchase"]["accepted"]
    membership = {
        "id": "M1",
        "clientId": carla,
        "plan": "Monthly",
        "status": "active",
        "validFrom": before.date().isoformat(),
        "validUntil": (now + timedelta(days=29)).date().isoformat(),
        "toleranceDays": 3,
        "reportedAt": iso(before),
        "credits": [{"id": "c1", "kind": "CLASS", "status": "available"}],
    }
    assert (await owner(MEMBERSHIP, {"input": membership}))["recordMembership"]["accepted"]
    bad = await owner(MEMBERSHIP, {"input": {**membership, "validUntil": "2000-01-01"}})
    assert codes(bad["recordMembership"]) == ["BAD_PERIOD"]
    owner.accept_language = "en"  # this Spanish studio's staff reading the console in English
    try:
        negative = await owner(MEMBERSHIP, {"input": {**membership, "toleranceDays": -1}})
    finally:
        owner.accept_language = None
    [problem] = negative["recordMembership"]["userErrors"]
    assert (problem["code"], problem["field"]) == ("BAD_DAYS", ["input", "toleranceDays"]), problem
    assert problem["message"] == "toleranceDays must be at least 0"
    assert (await owner(GIFT, {"id": "G1", "c": carla, "at": iso(before)}))["recordGiftCard"][
        "accepted"
    ]
    assert (await owner(APP, {"c": carla, "k": "SESSION_STARTED", "p": "IOS", "at": iso(before)}))[
        "recordAppEvent"
    ]["accepted"]
    assert (await owner(VISIT, {"c": carla, "s": "A2", "at": iso(before)}))["recordVisit"][
        "accepted"
    ]

    tomorrow = soon.astimezone(ZoneInfo("Europe/Madrid")).date().isoformat()

    async def card() -> dict[str, Any]:
        listed = (await owner(CARD, {"d": tomorrow}))["crmSummary"]["bookedToday"]["clients"]
        found: dict[str, Any] = next((c for c in listed if c["id"] == carla), {})
        return found

    shown = await eventually(
        card, until=lambda c: bool(c) and len(c["timeline"]["edges"]) >= 8, timeout=30
    )
    activity = shown["activity"]
    assert [b["id"] for b in activity["upcomingBookings"]] == ["CB1"]
    assert activity["upcomingBookings"][0]["fromApp"] is True
    assert activity["upcomingBookings"][0]["professionalId"] == "p1"
    assert activity["pastBookings"] == [{"id": "CB2", "status": "BOOKED"}]
    assert activity["unpaidSales"] == [
        {
            "invoiceNumber": "F-7",
            "total": {"amount": "80.00", "currency": "EUR"},
            "paid": {"amount": "30.00"},
        }
    ]
    assert activity["memberships"][0]["plan"] == "Monthly"
    assert activity["memberships"][0]["credits"] == [
        {"id": "c1", "kind": "CLASS", "status": "AVAILABLE"}
    ]
    assert activity["giftCards"] == [
        {"code": "GIFT-1", "balance": {"amount": "25.00", "currency": "EUR"}}
    ]
    assert (activity["hasApp"], activity["appPlatform"]) == (True, "IOS")

    kinds = [e["node"]["kind"] for e in shown["timeline"]["edges"]]
    for kind in (
        "CLIENT_CREATED",
        "BOOKING_MADE",
        "PURCHASE_RECORDED",
        "MEMBERSHIP_REPORTED",
        "GIFT_CARD_REPORTED",
        "APP_SESSION_STARTED",
        "VISIT_RECORDED",
    ):
        assert kind in kinds, kinds
    summaries = {e["node"]["kind"]: e["node"]["summary"] for e in shown["timeline"]["edges"]}
    assert (
        summaries["PURCHASE_RECORDED"] == "Compra F-7: 80,00 €, 50,00 € pendiente"
    )  # Spanish studio
    assert summaries["APP_SESSION_STARTED"] == "Abrió la app (IOS)"
    # Facts sit on the timeline when they happened, not when they were reported.
    ats = {e["node"]["kind"]: e["node"]["at"] for e in shown["timeline"]["edges"]}
    for kind in ("VISIT_RECORDED", "PURCHASE_RECORDED", "APP_SESSION_STARTED"):
        assert datetime.fromisoformat(ats[kind]) == before, (kind, ats[kind])

    # A refund takes the sale off the unpaid list; CLIENT sees only itself.
    assert (await owner(REFUND, {"inv": "F-7", "at": iso(now)}))["refundPurchase"]["accepted"]
    await eventually(
        card,
        until=lambda c: (
            c["activity"]["unpaidSales"] == []
            and "PURCHASE_REFUNDED" in [e["node"]["kind"] for e in c["timeline"]["edges"]]
        ),
    )
    other = graphs(owner.tenant, "CLIENT", client_id=carla)
    refused = await other.raw(CARD, {"d": tomorrow})
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"  # staff only


async def test_k7_facts_about_a_card_created_a_moment_ago_are_accepted(
    owner: Graph, graphs: Callable[..., Graph]
) -> None:
    partner = graphs(owner.tenant, "PARTNER", subject="partner-1")
    task = 'mutation($c: ID) { createTask(title: "Welcome call", clientId: $c) { userErrors { code } } }'
    now = datetime.now(UTC).replace(microsecond=0)
    for n in range(3):
        # The card's event is still on its way to crm when the facts arrive.
        created = await owner(CREATE_CLIENT, {"f": f"Nueva{n}", "l": "Cliente"})
        client = created["createClient"]["client"]["id"]
        sale = {
            "clientId": client,
            "invoiceNumber": f"NEW-{n}",
            "channel": "IN_STUDIO",
            "occurredAt": iso(now),
            "lines": [{"category": "SERVICE", "itemId": "yoga", "name": "Yoga", "amount": "20.00"}],
            "payments": [{"method": "CASH", "amount": "20.00"}],
        }
        bought = await partner(PURCHASE, {"input": sale})
        assert bought["recordPurchase"]["userErrors"] == [] and bought["recordPurchase"]["accepted"]
        assert (await owner(task, {"c": client}))["createTask"]["userErrors"] == []
    stranger = await partner(
        PURCHASE, {"input": {**sale, "clientId": "nobody", "invoiceNumber": "X"}}
    )
    assert codes(stranger["recordPurchase"]) == ["UNKNOWN_CLIENT"]
