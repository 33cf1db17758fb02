"""A consumer reports what it did with each fact (applied, waiting, parked), one report
per studio per burst (`plumbing.fact_reports`). Against the real Kafka and FerretDB; the
reports and dead letters are caught by the publisher the consumer is given."""

from __future__ import annotations

import json
from typing import Any

from plumbing.envelope import Envelope
from plumbing.event_handlers import Handler, Rejected
from plumbing.fact_reports import PER_REPORT, FactReports, SettledFacts
from plumbing.kafka import KafkaPublisher
from plumbing.mongo import Doc
from plumbing.testing import eventually
from pymongo.asynchronous.database import AsyncDatabase

from .test_consumer import consuming, send
from .test_waiting import BOOKING, Letters, booking, booking_handlers, session

REPORTS = FactReports(
    event_type="test.facts_settled.v1",
    topic="test.reports",
    source="tests",
    about=lambda kind: kind == BOOKING,
)


def reported(letters: Letters) -> list[dict[str, Any]]:
    facts: list[dict[str, Any]] = []
    for topic, key, value in letters.sent:
        if topic != REPORTS.topic:
            continue
        report = Envelope.from_bytes(value)
        assert report.type == REPORTS.event_type and key == f"{report.tenant}:".encode()
        facts.extend(report.data["facts"])
    return facts


async def test_each_fact_is_reported_as_it_settles_waiting_then_applied_or_parked(
    db: AsyncDatabase[Doc], topic: str, publisher: KafkaPublisher
) -> None:
    applied: list[str] = []
    handlers: dict[str, Handler] = booking_handlers(db, applied)
    checked = handlers[BOOKING]

    async def refusing(event: Envelope) -> None:
        if event.data.get("bad"):
            raise Rejected("the booking names no client", code="INVALID_DATA")
        await checked(event)

    handlers[BOOKING] = refusing
    letters = Letters()
    waits, bad = booking("B1"), booking("B2", bad=True)
    async with consuming(
        db, topic, publisher, handlers, dlq_publisher=letters, reports=REPORTS
    ) as consumer:
        await send(publisher, topic, waits, bad)
        await eventually(lambda: _of(letters), until=lambda f: len(f) == 2)
        await send(publisher, topic, session("S1"))  # sessions are not reported
        await eventually(lambda: _of(letters), until=lambda f: len(f) == 3)
        assert consumer.stats.redriven == 1
    by_fact = [(f["event_id"], f["outcome"], f["code"]) for f in reported(letters)]
    assert by_fact == [
        (waits.id, "WAITING", "UNKNOWN_SESSION"),
        (bad.id, "PARKED", "INVALID_DATA"),
        (waits.id, "APPLIED", None),
    ]
    assert applied == ["B1"]


async def _of(letters: Letters) -> list[dict[str, Any]]:
    return reported(letters)


async def test_reports_are_gathered_by_studio_and_split_when_large() -> None:
    letters = Letters()
    facts = SettledFacts(REPORTS, letters)
    for n in range(PER_REPORT + 1):
        facts.note(booking(f"B{n}"), "APPLIED")
    other = Envelope(type=BOOKING, source="tests", tenant="t2", data={"booking_id": "X"})
    facts.note(other, "PARKED", "INVALID_DATA", "x" * 1000)
    facts.note(session("S1"), "APPLIED")  # not a reported type
    await facts.flush()
    sizes = [
        (json.loads(v)["tenant"], len(json.loads(v)["data"]["facts"])) for _, _, v in letters.sent
    ]
    assert sizes == [("t1", PER_REPORT), ("t1", 1), ("t2", 1)]
    [parked] = json.loads(letters.sent[2][2])["data"]["facts"]
    assert parked["code"] == "INVALID_DATA" and len(parked["reason"]) == 300
    await facts.flush()
    assert len(letters.sent) == 3  # nothing new, nothing sent


async def test_a_fact_refused_for_the_studio_it_claims_is_parked_unreported(
    db: AsyncDatabase[Doc], topic: str, publisher: KafkaPublisher
) -> None:
    applied: list[str] = []
    letters = Letters()
    claims_another = Envelope(
        type=BOOKING, source="tests", tenant="t2", subject="c1", data={"booking_id": "B3"}
    )
    async with consuming(
        db, topic, publisher, booking_handlers(db, applied), dlq_publisher=letters, reports=REPORTS
    ) as consumer:
        await send(publisher, topic, claims_another)  # keyed t1:c1, so TENANT_MISMATCH
        fine = booking("B4")
        await send(publisher, topic, session("S1"), fine)
        await eventually(lambda: _of(letters), until=lambda f: len(f) == 1)
        assert consumer.stats.parked == 1
    assert [(f["event_id"], f["outcome"]) for f in reported(letters)] == [(fine.id, "APPLIED")]
    assert applied == ["B4"]
