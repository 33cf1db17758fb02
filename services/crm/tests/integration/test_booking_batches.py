"""The bulk path for bookings and sales against the real FerretDB: the same read models
as one fact at a time, what it cannot decide handed back, and replays that change
nothing."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any, cast

import pytest
from crm.adapters.timelines import PagedTimelines
from crm.entrypoints.consumer import batch_handlers, handlers
from crm.testing import runtime_of
from plumbing.envelope import Envelope
from plumbing.event_handlers import Pending, Rejected
from plumbing.mongo import Doc, create_client, detect_backend
from plumbing.testing import MONGO_URL
from pymongo.asynchronous.database import AsyncDatabase

TENANT = "t-bookings"
DAY = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=3)
# Booked and sold before today (a fact from the future is refused: FUTURE_TIME), for
# sessions on DAY.
BOOKED = DAY - timedelta(days=4)


@pytest.fixture
async def client() -> AsyncIterator[Any]:
    mongo = create_client(MONGO_URL)
    await detect_backend(mongo)  # as the service does: bounded lists on FerretDB
    yield mongo
    for name in _made:  # the databases `fresh` made for this test
        await mongo.drop_database(name)
    _made.clear()
    await mongo.close()


_made: list[str] = []


def fresh(mongo: Any) -> AsyncDatabase[Doc]:
    name = f"crm_bookings_{uuid.uuid4().hex[:10]}"
    _made.append(name)
    return cast(AsyncDatabase[Doc], mongo[name])


def event(kind: str, subject: str | None, data: Doc) -> Envelope:
    return Envelope(type=kind, source="test", tenant=TENANT, subject=subject, data=data)


def card(client_id: str) -> Envelope:
    return event(
        "clients.client_created.v1",
        client_id,
        {"client_id": client_id, "first_name": "A", "last_name": client_id, "gender": "FEMALE"},
    )


def session(session_id: str, hour: int, branch: str | None = None) -> Envelope:
    return event(
        "ingest.session_scheduled.v1",
        None,
        {
            "session_id": session_id,
            "service_id": "yoga",
            "professional_id": "ana",
            "branch_id": branch,
            "starts_at": (DAY + timedelta(hours=hour)).isoformat(),
            "capacity": 10,
        },
    )


def credits(client_id: str) -> Envelope:
    return event(
        "ingest.membership_reported.v1",
        client_id,
        {
            "membership_id": f"m-{client_id}",
            "client_id": client_id,
            "plan": "10 classes",
            "status": "ACTIVE",
            "valid_from": "2026-01-01",
            "credits": [{"credit_id": "c1", "kind": "CLASS", "status": "AVAILABLE"}],
            "reported_at": "2026-01-01T00:00:00+00:00",
        },
    )


def booking(booking_id: str, client_id: str, session_id: str, *, app: bool = False) -> Envelope:
    return event(
        "ingest.booking_made.v1",
        client_id,
        {
            "booking_id": booking_id,
            "client_id": client_id,
            "session_id": session_id,
            "from_app": app,
            "balance_kind": "CREDIT",
            "occurred_at": BOOKED.isoformat(),
        },
    )


def cancel(booking_id: str, client_id: str, session_id: str) -> Envelope:
    return event(
        "ingest.booking_cancelled.v1",
        client_id,
        {
            "booking_id": booking_id,
            "client_id": client_id,
            "session_id": session_id,
            "balance_kind": "CREDIT",
            "occurred_at": (BOOKED - timedelta(days=1)).isoformat(),
        },
    )


def setup() -> list[Envelope]:
    return [
        *(card(c) for c in ("ana", "bea", "cris", "dan")),
        credits("bea"),
        session("s9", 9),
        session("s18", 18, branch="north"),
        booking("old", "dan", "s9"),
        cancel("old", "dan", "s9"),  # dan has a cancellation on record
    ]


def run() -> list[Envelope]:
    return [
        booking("b1", "ana", "s9", app=True),
        booking("b2", "bea", "s9"),
        booking("b3", "bea", "s18", app=True),
        booking("b4", "cris", "s18"),
        booking("b5", "ana", "nope"),  # unknown session: waits in the one-at-a-time path
        booking("b6", "dan", "s9"),  # dan may recover a cancellation
        booking("b1", "ana", "s9"),  # the same booking reported again
        booking("b7", "zoe", "s9"),  # unknown client: waits for the card
    ]


async def one_at_a_time(db: AsyncDatabase[Doc], events: list[Envelope]) -> None:
    table = handlers(runtime_of(db))
    for e in events:
        try:
            await table[e.type](e)
        except (Rejected, Pending):  # parked, or kept waiting, by the consumer: nothing written
            pass


async def in_bulk(db: AsyncDatabase[Doc], events: list[Envelope]) -> list[Envelope]:
    table = batch_handlers(runtime_of(db))
    return await table[events[0].type](events)


def sale(invoice: str, client_id: str, amount: str, paid: str) -> Envelope:
    return event(
        "ingest.purchase_recorded.v1",
        client_id,
        {
            "invoice_number": invoice,
            "client_id": client_id,
            "occurred_at": BOOKED.isoformat(),
            "lines": [{"category": "SERVICE", "item_id": "yoga", "name": "Yoga", "amount": amount}],
            "payments": [{"method": "CARD", "amount": paid}] if paid != "0" else [],
        },
    )


async def read_models(db: AsyncDatabase[Doc]) -> dict[str, Any]:
    """Everything the bookings wrote, without the guard lists and timestamps of writes."""
    out: dict[str, Any] = {}
    for name in ("periods", "profiles", "marks", "facts"):
        docs = (
            await db[name]
            .find({}, {"_events": 0, "_outbox": 0, "event_id": 0, "created_by": 0})
            .to_list()
        )
        out[name] = {d["_id"]: d for d in docs}
    store = PagedTimelines(db, TENANT)
    heads = await db["timelines"].find({}, {"client_id": 1}).to_list()
    out["timelines"] = {
        d["_id"]: sorted(
            e["type"] + "/" + str(e["data"].get("booking_id"))
            for e in await store.every(d["client_id"])
        )
        for d in heads
    }
    return out


async def test_a_run_in_bulk_leaves_the_read_models_one_at_a_time_would(client: Any) -> None:
    single, bulk = fresh(client), fresh(client)
    await one_at_a_time(single, setup())
    await one_at_a_time(bulk, setup())
    events = run()

    await one_at_a_time(single, events)
    left = await in_bulk(bulk, events)
    assert [e.data["booking_id"] for e in left] == ["b5", "b6", "b1", "b7"]
    await one_at_a_time(bulk, left)  # what the consumer does with them

    expected, got = await read_models(single), await read_models(bulk)
    assert got == expected
    day = got["periods"][f"{TENANT}:D~*~{DAY.date().isoformat()}"]
    assert day["occ"]["all"]["h09"] == {"o": 10, "b": 3}  # b1, b2, b6 (old was cancelled)
    assert day["app"] == 2
    assert day["bwb"] == 1  # bea has a balance and booked: counted once a day


async def test_a_replayed_run_changes_nothing(client: Any) -> None:
    db = fresh(client)
    await one_at_a_time(db, setup())
    events = run()[:4]  # b1 to b4: all of them for the bulk path
    assert await in_bulk(db, events) == []
    before = await read_models(db)

    # The same run again, after a crash before the offsets were committed: every claim
    # exists, so all of it goes to the one-at-a-time path, whose guards skip it.
    left = await in_bulk(db, events)
    assert left == events
    await one_at_a_time(db, left)
    assert await read_models(db) == before
    timeline = await PagedTimelines(db, TENANT).every("bea")
    assert [e["data"]["booking_id"] for e in timeline if "booking_id" in e["data"]] == ["b2", "b3"]


async def test_a_run_of_sales_in_bulk_leaves_the_read_models_one_at_a_time_would(
    client: Any,
) -> None:
    single, bulk = fresh(client), fresh(client)
    await one_at_a_time(single, setup())
    await one_at_a_time(bulk, setup())
    sales = [
        sale("F-1", "ana", "20.00", "20.00"),
        sale("F-2", "bea", "30.00", "10.00"),  # 20.00 still owed
        sale("F-3", "bea", "15.00", "0"),  # all of it owed
        sale("F-1", "ana", "20.00", "20.00"),  # the same invoice reported again
        sale("F-4", "zoe", "5.00", "5.00"),  # unknown client
        sale("F-5", "cris", "5.00", "9.00"),  # paid more than the total
    ]
    await one_at_a_time(single, sales)
    left = await in_bulk(bulk, sales)
    assert [e.data["invoice_number"] for e in left] == ["F-1", "F-4", "F-5"]
    await one_at_a_time(bulk, left)

    expected, got = await read_models(single), await read_models(bulk)
    assert got == expected
    assert got["periods"][f"{TENANT}:unpaid"]["clients"] == {"bea": 2}
    sales_of_bea = got["profiles"][f"{TENANT}:bea"]["sales"]
    assert {k: v["due"] for k, v in sales_of_bea.items()} == {"F-2": "20.00", "F-3": "15.00"}

    # Replayed: every claim exists, and the one-at-a-time path's guards skip them all.
    again = await in_bulk(bulk, sales[:3])
    assert again == sales[:3]
    await one_at_a_time(bulk, again)
    assert await read_models(bulk) == expected


async def test_a_message_delivered_twice_in_one_run_counts_once(client: Any) -> None:
    single, bulk = fresh(client), fresh(client)
    await one_at_a_time(single, setup())
    await one_at_a_time(bulk, setup())
    b1, b2 = booking("b1", "bea", "s9"), booking("b2", "cris", "s18")
    await one_at_a_time(single, [b1, b2])

    again = dataclasses.replace(b1)  # the same message again (a redelivery)
    left = await in_bulk(bulk, [b1, b2, again])
    assert [e is again for e in left] == [True]
    await one_at_a_time(bulk, left)
    assert await read_models(bulk) == await read_models(single)
