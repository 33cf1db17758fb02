"""The FerretDB implementation's own mechanics: packed states, heads as hints, old states
deleted once their events are out, bulk saves, and what loyalty's own chain wrote (top-level
fields, packed and top-level fields together, fields on the head) still read."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from plumbing.mongo import Doc
from plumbing.outbox import BATCH_FIELD, OUTBOX_FIELD
from plumbing.packed import pack
from plumbing.storage import Aggregates, Conflict
from plumbing.storage.ferretdb import FerretStorage
from plumbing.storage.insert_chain import HEAD_LAG, PACKED, ChainRepository
from plumbing.testing import scratch_database, unique_tenant
from pymongo.asynchronous.database import AsyncDatabase

from .model import TALLIES, Published, Tally, TallyCodec, counted


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


async def test_states_with_packed_and_top_level_fields_load_merged(
    db: AsyncDatabase[Doc],
) -> None:
    tenant = unique_tenant()
    # loyalty's chain packed some fields and kept the others beside `packed`.
    await db["tallies_states"].insert_one(
        {
            "_id": f"{tenant}:mixed#1",
            "tenant": tenant,
            "count": 12,
            PACKED: pack({"notes": ["packed"], "at": None}),
            "written_at": datetime.now(UTC),
            OUTBOX_FIELD: [],
        }
    )
    tallies = FerretStorage(db).repository(TALLIES, tenant)
    loaded = await tallies.load("mixed")
    assert (loaded.version, loaded.state) == (1, Tally(12, ["packed"]))
    await tallies.save(loaded, Tally(13))
    assert (await tallies.load("mixed")).state == Tally(13)


class NotedCodec(TallyCodec):
    """A state made of what the head alone holds counts from 0."""

    def load(self, doc: Doc) -> Tally:
        return super().load({"count": 0, **doc})


NOTED = Aggregates("tallies", NotedCodec(), indexed=("count",), from_head=("notes",))


async def test_fields_kept_on_the_head_by_an_earlier_layout_reach_the_state(
    db: AsyncDatabase[Doc],
) -> None:
    tenant = unique_tenant()
    tallies = FerretStorage(db).repository(NOTED, tenant)
    # A head alone (no state yet) holding a field, and a state without it.
    await db["tallies_heads"].insert_many(
        [
            {"_id": f"{tenant}:bare", "tenant": tenant, "local": "bare", "v": 0, "notes": ["h"]},
            {"_id": f"{tenant}:old", "tenant": tenant, "local": "old", "v": 1, "notes": ["h"]},
        ]
    )
    await db["tallies_states"].insert_one(
        {"_id": f"{tenant}:old#1", "tenant": tenant, PACKED: pack({"count": 4})}
    )
    bare = await tallies.load("bare")
    assert (bare.version, bare.state) == (0, Tally(0, ["h"]))
    old = await tallies.load("old")
    assert (old.version, old.state) == (1, Tally(4, ["h"]))
    # Once a state holds the field, the head's copy no longer counts.
    await tallies.save(old, Tally(5, ["mine"]))
    assert (await tallies.load("old")).state == Tally(5, ["mine"])
    saved = await tallies.save(bare, Tally(1, []))
    assert (saved.version, (await tallies.load("bare")).state) == (1, Tally(1, []))


async def test_save_many_batches_the_events_and_moves_heads_only_when_needed(
    db: AsyncDatabase[Doc],
) -> None:
    storage = FerretStorage(db)
    tenant = unique_tenant()
    tallies = storage.repository(TALLIES, tenant)
    held = {k: await tallies.load(k) for k in ("a", "b")}
    for round_ in range(1, HEAD_LAG + 2):
        many = await tallies.save_many(
            [(held[k], Tally(1), [counted(tenant, k, round_)]) for k in held]
        )
        assert many.lost == set()
        held = many.saved
    # The states hold no events of their own: one outbox batch per call holds them.
    state = await db["tallies_states"].find_one({"_id": f"{tenant}:a#2"})
    assert state is not None and state[OUTBOX_FIELD] == [] and state[BATCH_FIELD]
    # The hint (count 1) changed once, at the first save: the head then moved only when
    # it fell HEAD_LAG states behind.
    head = await db["tallies_heads"].find_one({"_id": tallies.head_id("a")})
    assert head is not None and head["v"] == 1 + HEAD_LAG
    assert (await tallies.load("a")).version == HEAD_LAG + 1
    published = Published()
    await storage.relay(published, [TALLIES]).drain()
    assert len(published.messages) == 2 * (HEAD_LAG + 1)
