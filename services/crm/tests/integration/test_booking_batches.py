"""The bulk booking path against the real FerretDB: the same read models as one booking
at a time, what it cannot decide handed back, and replays that change nothing."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any, cast

import pytest
from crm.adapters.store import Store
from crm.entrypoints.consumer import batch_handlers, handlers
from plumbing.app import Runtime
from plumbing.envelope import Envelope
from plumbing.mongo import Doc, create_client, detect_backend
from plumbing.testing import MONGO_URL
from pymongo.asynchronous.database import AsyncDatabase

TENANT = "t-bookings"
DAY = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=3)


@pytest.fixture
async def client() -> AsyncIterator[Any]:
    mongo = create_client(MONGO_URL)
    await detect_backend(mongo)  # as the service does: bounded lists on FerretDB
    yield mongo
    await mongo.close()


def fresh(mongo: Any) -> AsyncDatabase[Doc]:
    return cast(AsyncDatabase[Doc], mongo[f"crm_bookings_{uuid.uuid4().hex[:10]}"])


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
            "occurred_at": (DAY - timedelta(days=1)).isoformat(),
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
            "occurred_at": (DAY - timedelta(days=2)).isoformat(),
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
        booking("b5", "ana", "nope"),  # unknown session: parked by the one-at-a-time path
        booking("b6", "dan", "s9"),  # dan may recover a cancellation
        booking("b1", "ana", "s9"),  # the same booking reported again
        booking("b7", "zoe", "s9"),  # unknown client
    ]


async def one_at_a_time(db: AsyncDatabase[Doc], events: list[Envelope]) -> None:
    table = handlers(cast(Runtime, SimpleNamespace(db=db)))
    for e in events:
        try:
            await table[e.type](e)
        except Exception as exc:  # parked by the consumer; nothing written
            assert "Rejected" in type(exc).__name__, exc


async def in_bulk(db: AsyncDatabase[Doc], events: list[Envelope]) -> list[Envelope]:
    return cast(
        list[Envelope],
        await batch_handlers(cast(Runtime, SimpleNamespace(db=db)))["ingest.booking_made.v1"](
            events
        ),
    )


async def read_models(db: AsyncDatabase[Doc]) -> dict[str, Any]:
    """Everything the bookings wrote, without the guard lists and timestamps of writes."""
    out: dict[str, Any] = {}
    for name in ("periods", "profiles", "marks", "facts"):
        docs = await db[name].find({}, {"_events": 0, "_outbox": 0, "event_id": 0}).to_list()
        out[name] = {d["_id"]: d for d in docs}
    timelines = await db["timelines"].find({}).to_list()
    out["timelines"] = {
        d["_id"]: sorted(e["type"] + "/" + str(e["data"].get("booking_id")) for e in d["entries"])
        for d in timelines
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
    timeline = await Store(db, TENANT).timeline_of("bea")
    assert [e["data"]["booking_id"] for e in timeline if "booking_id" in e["data"]] == ["b2", "b3"]
