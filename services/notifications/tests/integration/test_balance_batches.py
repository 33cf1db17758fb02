"""A run of points movements against the real FerretDB: each client's newest balance is
the one kept, as one movement at a time would leave it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any, cast

import pytest
from notifications.adapters.recipients import recipients
from notifications.entrypoints.consumer import batch_handlers
from plumbing.app import Runtime
from plumbing.envelope import Envelope
from plumbing.mongo import Doc
from plumbing.testing import scratch_database
from pymongo.asynchronous.database import AsyncDatabase

TENANT = "t-balances"
EARNED = "loyalty.points_earned.v1"
T0 = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


@pytest.fixture
async def db() -> AsyncIterator[AsyncDatabase[Doc]]:
    async with scratch_database("notifications_balances") as scratch:
        yield scratch


def earned(client: str, balance: int | None, seconds: int) -> Envelope:
    return Envelope(
        type=EARNED,
        source="test",
        tenant=TENANT,
        subject=client,
        time=T0 + timedelta(seconds=seconds),
        data={
            "client_id": client,
            "points": 10,
            "value": "1.00",
            "balance_after": balance,
            "currency": "EUR",
        },
    )


async def balance_of(db: AsyncDatabase[Doc], client: str) -> Any:
    doc = await recipients(db, TENANT).get(client)
    return (doc or {}).get("balance", {}).get("points")


async def test_the_newest_balance_of_each_client_is_kept(db: AsyncDatabase[Doc]) -> None:
    handle = batch_handlers(cast(Runtime, SimpleNamespace(db=db)))[EARNED]
    bad = Envelope(type=EARNED, source="test", tenant=TENANT, subject="x", data={"points": 1})
    run = [
        earned("ana", 10, 1),
        earned("bea", 10, 2),
        earned("ana", 30, 5),
        earned("ana", 20, 3),  # older than the one before it
        earned("bea", None, 9),  # no balance: changes nothing
        bad,
    ]
    assert await handle(run) == [bad]  # parked with its reason by the one-at-a-time path
    assert await balance_of(db, "ana") == 30
    assert await balance_of(db, "bea") == 10

    # A later run with an older movement (a replay) leaves the newest in place.
    assert await handle([earned("ana", 5, 4), earned("bea", 40, 10)]) == []
    assert await balance_of(db, "ana") == 30
    assert await balance_of(db, "bea") == 40
