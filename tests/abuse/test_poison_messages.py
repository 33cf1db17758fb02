"""A message no consumer can use never stops one: it is parked once per reader, small,
with a machine code that says why, and the next fact is applied within seconds."""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
from aiokafka import AIOKafkaProducer
from loyalty.testing import configure, create_client, known
from plumbing import topics
from plumbing.envelope import Envelope
from plumbing.testing import ROOT, Graph, eventually

from .pipeline import (
    PARKERS,
    READERS,
    WAIT,
    DeadLetters,
    ago,
    applied_everywhere,
    card,
    databases,
    fact,
    new_id,
    produce,
)

BOOKINGS_READERS = READERS[topics.INGEST_BOOKINGS]
BOOKINGS_PARKERS = PARKERS[topics.INGEST_BOOKINGS]


@pytest.fixture
async def letters() -> AsyncIterator[DeadLetters]:
    tap = DeadLetters()
    await tap.open()
    yield tap
    await tap.close()


def visit(tenant: str, client: str, **data: Any) -> Envelope:
    body = {"client_id": client, "visit_id": new_id("v"), "attended_at": ago(hours=1), **data}
    return fact(tenant, "visit_recorded", body, client)


async def test_a_400_kb_undecodable_message_is_parked_small_and_the_next_fact_applied(
    tenant: str, producer: AIOKafkaProducer, letters: DeadLetters
) -> None:
    client = new_id("c")
    async with databases() as mongo:
        the_card = card(tenant, client)
        await produce(producer, the_card)
        await applied_everywhere(mongo, the_card, BOOKINGS_READERS)
        garbage = b"\xff\xfe\xfd" + os.urandom(400_000)
        # On the partition of the good fact that follows it.
        await producer.send_and_wait(
            topics.INGEST_BOOKINGS, garbage, key=f"{tenant}:{client}".encode()
        )
        good = visit(tenant, client)
        started = time.monotonic()
        await produce(producer, good)
        await applied_everywhere(mongo, good, BOOKINGS_READERS)
        assert time.monotonic() - started < 20.0
    digest = hashlib.sha256(garbage).hexdigest()
    parked = await eventually(
        lambda: letters.records(sha256=digest),
        until=lambda r: len(r) == len(BOOKINGS_PARKERS),
        timeout=WAIT,
    )
    assert sorted(r["consumer"] for r in parked) == sorted(BOOKINGS_PARKERS)
    for record in parked:
        assert (record["code"], record["size"], record["excerpt_encoding"]) == (
            "INVALID_ENVELOPE",
            len(garbage),
            "base64",
        )
        assert (record["topic"], record["truncated"]) == (topics.INGEST_BOOKINGS, True)


def parked_lines(service: str, event_id: str) -> list[str]:
    log = Path(ROOT, ".data", "logs", f"{service}.log")
    return [
        line
        for line in log.read_text(errors="replace").splitlines()
        if event_id in line and "event_parked" in line
    ]


async def test_types_no_catalog_knows_are_parked_once_per_reader_as_unknown_type(
    tenant: str, producer: AIOKafkaProducer, letters: DeadLetters
) -> None:
    client = new_id("c")
    body = {
        "booking_id": new_id("b"),
        "client_id": client,
        "session_id": "S1",
        "occurred_at": ago(hours=1),
    }
    teleported = fact(tenant, "booking_teleported", body, client)
    newer = Envelope(
        type="ingest.booking_made.v2", source="p", tenant=tenant, subject=client, data=body
    )
    await produce(producer, teleported, newer)
    for event in (teleported, newer):
        parked = await eventually(
            lambda e=event: letters.records(event_id=e.id),  # type: ignore[misc]
            until=lambda r: len(r) == len(BOOKINGS_PARKERS),
            timeout=WAIT,
        )
        assert sorted(r["consumer"] for r in parked) == sorted(BOOKINGS_PARKERS)
        assert {(r["code"], r["type"]) for r in parked} == {("UNKNOWN_TYPE", event.type)}
        # One WARNING line per park, in the log of the consumer that parked it.
        for service in BOOKINGS_PARKERS:
            [line] = parked_lines(service, event.id)
            assert "UNKNOWN_TYPE" in line and service in line


INVOICES = """
query($id: ID!) {
  client(id: $id) {
    activity { unpaidSales { invoiceNumber total { amount } } }
    loyalty { balance ledger(first: 100) { edges { node { invoiceNumber points } } } }
  }
}"""


def purchase(tenant: str, client: str, invoice: str, **extra: Any) -> Envelope:
    data = {
        "invoice_number": invoice,
        "client_id": client,
        "channel": "IN_STUDIO",
        "occurred_at": ago(hours=2),
        "lines": [{"category": "SERVICE", "item_id": "s", "name": "Class", "amount": "20.00"}],
        "payments": [{"method": "CASH", "amount": "5.00"}],
        "amount_due": "15.00",
    }
    return fact(tenant, "purchase_recorded", data, client, **extra)


async def test_an_event_id_reused_with_other_data_is_applied_once_and_parked_as_a_conflict(
    owner: Graph, graphs: Callable[..., Graph], producer: AIOKafkaProducer, letters: DeadLetters
) -> None:
    await configure(owner, pointValue="0.01", earnPercent="5")
    client = await create_client(owner, "Reuse")
    await known(owner, client)
    # A burst, so that the bulk paths (crm's and loyalty's) take it: the twentieth message
    # reuses the first one's id for another sale.
    sales = [purchase(owner.tenant, client, f"R-{i}") for i in range(19)]
    reused = purchase(owner.tenant, client, "R-REUSED", id=sales[0].id)
    for event in [*sales, reused]:  # sent without waiting for each: one burst
        await producer.send(topics.INGEST_SALES, event.to_bytes(), key=event.key.encode())
    await producer.flush()
    # A single fact reused too, for the one-at-a-time path of every reader of bookings.
    first = visit(owner.tenant, client)
    other = Envelope(
        id=first.id,
        type=first.type,
        source=first.source,
        tenant=first.tenant,
        subject=first.subject,
        data={**first.data, "visit_id": new_id("v")},
    )
    await produce(producer, first)
    async with databases() as mongo:
        await applied_everywhere(mongo, first, BOOKINGS_READERS)
    await produce(producer, other, first)  # the other content, then a plain replay

    expected = sorted(e.data["invoice_number"] for e in sales)

    async def state() -> dict[str, Any]:
        data = await owner(INVOICES, {"id": client})
        return dict(data["client"])

    def settled(s: dict[str, Any]) -> bool:
        unpaid = sorted(x["invoiceNumber"] for x in s["activity"]["unpaidSales"])
        ledger = sorted(e["node"]["invoiceNumber"] for e in s["loyalty"]["ledger"]["edges"])
        return unpaid == expected and ledger == expected

    await eventually(state, until=settled, timeout=WAIT)
    conflicts = await eventually(
        lambda: letters.records(event_id=sales[0].id),
        until=lambda r: len(r) == 2,
        timeout=WAIT,
    )
    assert sorted(r["consumer"] for r in conflicts) == ["crm", "loyalty"]
    assert {r["code"] for r in conflicts} == {"EVENT_ID_CONFLICT"}
    visits = await eventually(
        lambda: letters.records(event_id=first.id), until=lambda r: len(r) == 3, timeout=WAIT
    )
    assert sorted(r["consumer"] for r in visits) == sorted(BOOKINGS_READERS)
    assert {r["code"] for r in visits} == {"EVENT_ID_CONFLICT"}
    # Nothing of the other content was applied, and the replay was a plain duplicate.
    assert settled(await state())
