"""The FerretDB implementation's own mechanics: packed states, heads as hints, old states
deleted once their events are out, states written by loyalty's `Chain` still read."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from plumbing.mongo import Doc
from plumbing.outbox import OUTBOX_FIELD
from plumbing.storage import Conflict
from plumbing.storage.ferretdb import FerretStorage
from plumbing.storage.insert_chain import PACKED, ChainRepository
from plumbing.testing import scratch_database, unique_tenant
from pymongo.asynchronous.database import AsyncDatabase

from .model import TALLIES, Published, Tally, counted


@pytest.fixture
async def db() -> AsyncIterator[AsyncDatabase[Doc]]:
    async with scratch_database("storage_chain") as database:
        yield database


async def saved_times(tallies: ChainRepository[Tally], key: str, times: int) -> None:
    for _ in range(times):
        current = await tallies.load(key)
        count = current.state.count if current.state else 0
        await tallies.save(current, Tally(count + 1), [counted(tallies.tenant, key, count + 1)])


async def state_ids(db: AsyncDatabase[Doc]) -> list[str]:
    ids = [str(d["_id"]) for d in await db["tallies_states"].find({}, {"_id": 1}).to_list()]
    return sorted(ids, key=lambda i: int(i.rsplit("#", 1)[1]))


async def test_a_state_is_one_packed_field_and_the_head_carries_the_indexed_hints(
    db: AsyncDatabase[Doc],
) -> None:
    tenant = unique_tenant()
    tallies = FerretStorage(db).repository(TALLIES, tenant)
    await tallies.save(await tallies.load("a"), Tally(4, ["x", "y"]), [counted(tenant, "a", 4)])
    state = await db["tallies_states"].find_one({"_id": f"{tenant}:a#1"})
    assert state is not None
    assert set(state) == {"_id", "tenant", PACKED, "written_at", OUTBOX_FIELD}
    assert isinstance(state[PACKED], str) and len(state[OUTBOX_FIELD]) == 1
    head = await db["tallies_heads"].find_one({"_id": f"{tenant}:a"})
    assert head is not None
    assert {k: head[k] for k in ("v", "tenant", "local", "count")} == {
        "v": 1,
        "tenant": tenant,
        "local": "a",
        "count": 4,
    }


async def test_a_head_that_lags_or_is_missing_costs_reads_not_answers(
    db: AsyncDatabase[Doc],
) -> None:
    tallies = FerretStorage(db).repository(TALLIES, unique_tenant())
    await saved_times(tallies, "a", 6)
    head_id = tallies.head_id("a")
    # A head write lost to another process leaves the hint behind; a crash right after
    # the first insert leaves no head at all.
    await db["tallies_heads"].update_one({"_id": head_id}, {"$set": {"v": 2, "count": 2}})
    loaded = await tallies.load("a")
    assert (loaded.version, loaded.state) == (6, Tally(6))
    head = await db["tallies_heads"].find_one({"_id": head_id})
    assert head is not None and (head["v"], head["count"]) == (6, 6)  # repaired by the read
    await db["tallies_heads"].delete_one({"_id": head_id})
    assert (await tallies.load("a")).version == 6
    assert (await tallies.save(loaded, Tally(7))).version == 7
    with pytest.raises(Conflict):
        await tallies.save(loaded, Tally(0))


async def test_old_states_go_once_their_events_are_out_and_the_newest_two_stay(
    db: AsyncDatabase[Doc],
) -> None:
    storage = FerretStorage(db, keep_recent=timedelta(0))
    tenant = unique_tenant()
    tallies = storage.repository(TALLIES, tenant)
    await saved_times(tallies, "a", 5)
    assert len(await state_ids(db)) == 5  # every state's events still wait for the relay
    relay = storage.relay(Published(), [TALLIES])
    assert await relay.drain() == 5
    await saved_times(tallies, "a", 1)  # the save after them deletes what it may
    assert await state_ids(db) == [f"{tenant}:a#5", f"{tenant}:a#6"]
    assert (await tallies.load("a")).state == Tally(6)
    assert await relay.drain() == 1
    assert await storage.tidy(TALLIES) == 0  # nothing more may go
    assert await state_ids(db) == [f"{tenant}:a#5", f"{tenant}:a#6"]


async def test_recent_states_wait_for_the_periodic_job(db: AsyncDatabase[Doc]) -> None:
    storage = FerretStorage(db)  # states are kept 10 minutes
    tenant = unique_tenant()
    tallies = storage.repository(TALLIES, tenant)
    await saved_times(tallies, "a", 4)
    await storage.relay(Published(), [TALLIES]).drain()
    assert await storage.tidy(TALLIES) == 0
    assert len(await state_ids(db)) == 4
    storage.keep_recent = timedelta(0)
    assert await storage.tidy(TALLIES) == 2  # all but the newest two
    assert await state_ids(db) == [f"{tenant}:a#3", f"{tenant}:a#4"]
    head = await db["tallies_heads"].find_one({"_id": tallies.head_id("a")})
    assert head is not None and head["gc"] == 2


async def test_a_head_naming_a_deleted_state_still_finds_the_newest(
    db: AsyncDatabase[Doc],
) -> None:
    storage = FerretStorage(db, keep_recent=timedelta(0))
    tallies = storage.repository(TALLIES, unique_tenant())
    await saved_times(tallies, "a", 6)
    await storage.relay(Published(), [TALLIES]).drain()
    await storage.tidy(TALLIES)  # states 1-4 go
    await db["tallies_heads"].update_one({"_id": tallies.head_id("a")}, {"$set": {"v": 2}})
    loaded = await tallies.load("a")
    assert (loaded.version, loaded.state) == (6, Tally(6))


async def test_states_written_by_the_chain_of_loyalty_load_as_they_are(
    db: AsyncDatabase[Doc],
) -> None:
    tenant = unique_tenant()
    tallies = FerretStorage(db).repository(TALLIES, tenant)
    # loyalty's `Chain`: the state's fields at the top level, the head's `v` as the hint.
    await db["tallies_states"].insert_one(
        {
            "_id": f"{tenant}:old#1",
            "tenant": tenant,
            "count": 12,
            "notes": ["kept"],
            "at": None,
            "written_at": datetime.now(UTC),
            OUTBOX_FIELD: [],
        }
    )
    await db["tallies_heads"].insert_one(
        {"_id": f"{tenant}:old", "tenant": tenant, "local": "old", "v": 1}
    )
    loaded = await tallies.load("old")
    assert (loaded.version, loaded.state) == (1, Tally(12, ["kept"]))
    saved = await tallies.save(loaded, Tally(13))
    assert (await tallies.load("old")).state == saved.state == Tally(13)
