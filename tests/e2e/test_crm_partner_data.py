"""What partners report and correct, through the gateway and straight from Kafka.

- Seed 001, "Actividad de pago: revise todos los intentos de pago correctos y fallidos
  asociados a la afiliación"; "Editar: … ajuste la próxima fecha de pago" (C11).
- Seed 003, "In coda: … Cliccando su questo elenco è possibile accedere direttamente alla
  sessione per cui il cliente sta aspettando" (K2).
- A partner fixing its own data: a session re-reported with another time, capacity or
  professional is a correction; the same invoice with other content is FACT_CONFLICT."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from aiokafka import AIOKafkaProducer
from plumbing import topics
from plumbing.envelope import Envelope
from plumbing.testing import Graph, eventually, seed_studio

from ..journeys import DlqTap, codes, crm_client, crm_knows, iso, new_client

MEMBERSHIP = """
mutation($input: MembershipInput!) {
  recordMembership(input: $input) { accepted status eventId userErrors { code field message } }
}"""
NEXT_PAYMENT = """
mutation($c: ID!, $m: ID!, $d: Date!) {
  setMembershipNextPayment(clientId: $c, membershipId: $m, nextPaymentOn: $d) {
    accepted status eventId userErrors { code field message }
  }
}"""
CARD = """
query($id: ID!) { client(id: $id) { activity { memberships {
  id plan nextPaymentOn nextPaymentSetBy
  paymentActivity { id at amount { amount currency } outcome method reason }
} } } }"""
SESSION = """
mutation($id: ID!, $at: DateTime!, $cap: Int!, $pro: ID) {
  recordSession(id: $id, serviceId: "pilates", serviceName: "Pilates", startsAt: $at,
                capacity: $cap, professionalId: $pro) {
    accepted status corrects eventId userErrors { code field message }
  }
}"""
BOOKING = """
mutation($id: ID!, $c: ID!, $s: ID!, $st: BookingStatus!, $at: DateTime!) {
  recordBooking(id: $id, clientId: $c, sessionId: $s, status: $st, fromApp: false,
                occurredAt: $at) { accepted status userErrors { code } }
}"""
PURCHASE = """
mutation($input: PurchaseInput!) {
  recordPurchase(input: $input) { accepted status eventId userErrors { code field message } }
}"""
DAY = """
query($d: Date!) { crmSummary(date: $d) {
  onWaitlist { count }
  waitlistEntries { id clientId sessionId startsAt serviceId serviceName professionalId converted }
  occupancy { at placesOffered placesBooked }
  proOne: occupancy(professionalId: "pro-1") { placesOffered }
  proTwo: occupancy(professionalId: "pro-2") { placesOffered placesBooked }
} }"""


@pytest.fixture
async def sales_dlq() -> AsyncIterator[DlqTap]:
    tap = DlqTap(topics.INGEST_SALES)
    await tap.open()
    yield tap
    await tap.consumer.stop()


def membership(client: str, reported: datetime, **more: Any) -> dict[str, Any]:
    return {
        "id": "M-1",
        "clientId": client,
        "plan": "Ilimitada mensual",
        "status": "ACTIVE",
        "validFrom": (reported.date() - timedelta(days=60)).isoformat(),
        "reportedAt": iso(reported),
        **more,
    }


async def test_c11_payment_activity_and_the_next_payment_date(
    owner: Graph, producer: AIOKafkaProducer, graphs: Any
) -> None:
    await seed_studio(producer, owner.tenant, "Europe/Madrid", "es")
    partner = graphs(owner.tenant, "PARTNER", subject="billing")
    ana = await new_client(owner, "Ana")  # the card is read through the clients service
    await crm_knows(owner, 1)
    now = datetime.now(UTC).replace(microsecond=0)
    due = (now + timedelta(days=5)).date()
    payments = [
        {"id": "P-1", "at": iso(now - timedelta(days=30)), "amount": "39.90",
         "outcome": "SUCCEEDED", "method": "CARD"},
        {"id": "P-2", "at": iso(now - timedelta(hours=2)), "amount": "39.90",
         "outcome": "FAILED", "method": "CARD", "reason": "tarjeta caducada"},
    ]  # fmt: skip
    first = membership(ana, now - timedelta(hours=1), nextPaymentOn=due.isoformat(),
                       payments=payments)  # fmt: skip
    recorded = await partner(MEMBERSHIP, {"input": first})
    assert recorded["recordMembership"]["status"] == "ACCEPTED"
    card = await eventually(
        lambda: owner(CARD, {"id": ana}),
        until=lambda c: bool(c["client"]["activity"]["memberships"]),
    )
    [kept] = card["client"]["activity"]["memberships"]
    assert kept["nextPaymentOn"] == due.isoformat()
    assert [(p["id"], p["outcome"], p["reason"]) for p in kept["paymentActivity"]] == [
        ("P-2", "FAILED", "tarjeta caducada"),  # newest first
        ("P-1", "SUCCEEDED", None),
    ]
    assert kept["paymentActivity"][0]["amount"] == {"amount": "39.90", "currency": "EUR"}

    # Staff move the next payment ("ajuste la próxima fecha de pago").
    later = (now + timedelta(days=12)).date().isoformat()
    moved = await owner(NEXT_PAYMENT, {"c": ana, "m": "M-1", "d": later})
    assert moved["setMembershipNextPayment"]["accepted"] is True
    card = await eventually(
        lambda: owner(CARD, {"id": ana}),
        until=lambda c: c["client"]["activity"]["memberships"][0]["nextPaymentOn"] == later,
    )
    assert card["client"]["activity"]["memberships"][0]["nextPaymentSetBy"]
    past = await owner(NEXT_PAYMENT, {"c": ana, "m": "M-1", "d": "2020-01-01"})
    assert codes(past["setMembershipNextPayment"]) == ["PAST_DATE"]
    other = await owner(NEXT_PAYMENT, {"c": ana, "m": "M-404", "d": later})
    assert codes(other["setMembershipNextPayment"]) == ["UNKNOWN_MEMBERSHIP"]
    forbidden = await partner.raw(NEXT_PAYMENT, {"c": ana, "m": "M-1", "d": later})
    assert forbidden["errors"][0]["extensions"]["code"] == "FORBIDDEN"

    # The billing partner's next report (from Kafka, made after staff's change) wins again.
    report = Envelope(
        type="ingest.membership_reported.v1", source="partners/billing", tenant=owner.tenant,
        subject=ana,
        data={"membership_id": "M-1", "client_id": ana, "plan": "Ilimitada mensual",
              "status": "ACTIVE", "valid_from": first["validFrom"],
              "next_payment_on": (now + timedelta(days=20)).date().isoformat(),
              "reported_at": iso(datetime.now(UTC) + timedelta(seconds=1))},
    )  # fmt: skip
    await producer.send_and_wait(topics.INGEST_SALES, report.to_bytes(), key=report.key.encode())
    await eventually(
        lambda: owner(CARD, {"id": ana}),
        until=lambda c: (
            c["client"]["activity"]["memberships"][0]["nextPaymentOn"]
            == (now + timedelta(days=20)).date().isoformat()
        ),
    )


async def test_k2_the_waitlist_leads_to_the_session_and_corrections_move_it(
    owner: Graph, producer: AIOKafkaProducer, graphs: Any
) -> None:
    partner = graphs(owner.tenant, "PARTNER", subject="scheduler")
    ana = await crm_client(owner, producer, "Ana")
    bea = await crm_client(owner, producer, "Bea", count=2)
    now = datetime.now(UTC).replace(microsecond=0)
    nine = (now + timedelta(days=2)).replace(hour=9, minute=0, second=0)  # UTC studio
    day = nine.date().isoformat()
    s1 = await partner(SESSION, {"id": "S-1", "at": iso(nine), "cap": 1, "pro": "pro-1"})
    assert s1["recordSession"]["status"] == "ACCEPTED"
    booked = await partner(BOOKING, {"id": "B-1", "c": ana, "s": "S-1", "st": "BOOKED",
                                     "at": iso(now)})  # fmt: skip
    waiting = await partner(BOOKING, {"id": "W-1", "c": bea, "s": "S-1", "st": "WAITLISTED",
                                      "at": iso(now)})  # fmt: skip
    assert booked["recordBooking"]["accepted"] and waiting["recordBooking"]["accepted"]
    summary = await eventually(
        lambda: owner(DAY, {"d": day}),
        until=lambda s: (
            s["crmSummary"]["onWaitlist"]["count"] == 1
            and [(p["placesOffered"], p["placesBooked"]) for p in s["crmSummary"]["occupancy"]]
            == [(1, 1)]
        ),
    )
    [entry] = summary["crmSummary"]["waitlistEntries"]
    assert entry == {
        "id": "W-1", "clientId": bea, "sessionId": "S-1", "startsAt": entry["startsAt"],
        "serviceId": "pilates", "serviceName": "Pilates", "professionalId": "pro-1",
        "converted": False,
    }  # fmt: skip
    assert datetime.fromisoformat(entry["startsAt"]) == nine

    # The scheduler fixes its session: an hour later, a bigger room, another teacher.
    eleven = nine + timedelta(hours=2)
    fixed = await partner(SESSION, {"id": "S-1", "at": iso(eleven), "cap": 3, "pro": "pro-2"})
    assert fixed["recordSession"]["status"] == "CORRECTED"
    assert fixed["recordSession"]["corrects"] == s1["recordSession"]["eventId"]
    summary = await eventually(
        lambda: owner(DAY, {"d": day}),
        until=lambda s: [p["placesOffered"] for p in s["crmSummary"]["occupancy"]] == [3],
    )
    [point] = summary["crmSummary"]["occupancy"]
    assert datetime.fromisoformat(point["at"]) == eleven and point["placesBooked"] == 1
    assert summary["crmSummary"]["proOne"] == []
    assert summary["crmSummary"]["proTwo"] == [{"placesOffered": 3, "placesBooked": 1}]


async def test_the_same_invoice_with_other_content_is_a_conflict(
    owner: Graph, producer: AIOKafkaProducer, graphs: Any, sales_dlq: DlqTap
) -> None:
    partner = graphs(owner.tenant, "PARTNER", subject="till")
    ana = await crm_client(owner, producer, "Ana")
    now = datetime.now(UTC).replace(microsecond=0)
    sale: dict[str, Any] = {
        "clientId": ana, "invoiceNumber": "FV-1", "channel": "IN_STUDIO",
        "occurredAt": iso(now),
        "lines": [{"category": "SERVICE", "itemId": "yoga", "name": "Yoga", "amount": "20.00"}],
        "payments": [{"method": "CASH", "amount": "20.00"}],
    }  # fmt: skip
    first = await partner(PURCHASE, {"input": sale})
    again = await partner(PURCHASE, {"input": sale})
    assert first["recordPurchase"]["eventId"] == again["recordPurchase"]["eventId"]
    other = {**sale, "lines": [{**sale["lines"][0], "amount": "25.00"}]}
    conflict = await partner(PURCHASE, {"input": other})
    payload = conflict["recordPurchase"]
    assert payload["status"] == "REFUSED" and payload["eventId"] is None
    assert [(e["code"], e["field"]) for e in payload["userErrors"]] == [
        ("FACT_CONFLICT", ["invoiceNumber"])
    ]
    assert first["recordPurchase"]["eventId"] in payload["userErrors"][0]["message"]

    # Straight from Kafka: parked, with a reason that starts with the code.
    envelope = Envelope(
        type="ingest.purchase_recorded.v1", source="partners/till", tenant=owner.tenant,
        subject=ana,
        data={"invoice_number": "FV-1", "client_id": ana, "occurred_at": iso(now),
              "lines": [{"category": "SERVICE", "item_id": "yoga", "name": "Yoga",
                         "amount": "30.00"}],
              "payments": []},
    )  # fmt: skip
    await producer.send_and_wait(
        topics.INGEST_SALES, envelope.to_bytes(), key=envelope.key.encode()
    )
    parked = await eventually(
        lambda: sales_dlq.parked(owner.tenant),
        until=lambda p: any(x.get("reason", "").startswith("FACT_CONFLICT") for x in p),
    )
    assert parked
