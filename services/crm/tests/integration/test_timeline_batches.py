"""The bulk timeline path against the real FerretDB: one write per client for a run of
events, in order, and nothing added twice however the run is replayed."""

from __future__ import annotations

from collections.abc import AsyncIterator
from types import SimpleNamespace
from typing import Any, cast

import pytest
from crm.adapters.store import Store
from crm.entrypoints.consumer import batch_handlers
from plumbing.app import Runtime
from plumbing.envelope import Envelope
from plumbing.mongo import Doc
from plumbing.testing import scratch_database
from pymongo.asynchronous.database import AsyncDatabase

TENANT = "t-timeline"
EARNED = "loyalty.points_earned.v1"


@pytest.fixture
async def db() -> AsyncIterator[AsyncDatabase[Doc]]:
    async with scratch_database("crm_timeline") as scratch:
        yield scratch


def earned(client: str, points: int) -> Envelope:
    return Envelope(
        type=EARNED,
        source="test",
        tenant=TENANT,
        subject=client,
        data={"client_id": client, "points": points},
    )


def bulk(db: AsyncDatabase[Doc]) -> Any:
    runtime = cast(Runtime, SimpleNamespace(db=db))
    return batch_handlers(runtime)[EARNED]


async def points_on(db: AsyncDatabase[Doc], client: str) -> list[int]:
    entries = await Store(db, TENANT).timeline_of(client)
    return [int(e["data"]["points"]) for e in entries]


async def test_a_run_lands_in_order_per_client_and_a_replay_adds_nothing(
    db: AsyncDatabase[Doc],
) -> None:
    run = [earned("a", 1), earned("b", 10), earned("a", 2), earned("a", 3), earned("b", 20)]
    assert await bulk(db)(run) == []
    assert await points_on(db, "a") == [1, 2, 3]
    assert await points_on(db, "b") == [10, 20]

    # The same run again (a crash before the offsets were committed), then a run that
    # overlaps it, then one event through the one-at-a-time path.
    assert await bulk(db)(run) == []
    later = earned("a", 4)
    assert await bulk(db)([run[3], later, run[4]]) == []
    await Store(db, TENANT).add_timeline(later, "a")
    assert await points_on(db, "a") == [1, 2, 3, 4]
    assert await points_on(db, "b") == [10, 20]


async def test_a_long_run_for_one_client_is_recognised_whole_when_replayed(
    db: AsyncDatabase[Doc],
) -> None:
    run = [earned("c", n) for n in range(150)]  # more than the guard list's usual length
    await bulk(db)(run)
    await bulk(db)(run)
    for event in run[:5]:
        await Store(db, TENANT).add_timeline(event, "c")
    assert await points_on(db, "c") == list(range(150))
