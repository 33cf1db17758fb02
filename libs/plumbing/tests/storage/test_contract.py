"""What every implementation of the storage port promises, checked on each of them."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import time
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import pytest
from plumbing.storage import (
    HOLD_LIMIT,
    Aggregates,
    Change,
    Conflict,
    Decision,
    Delta,
    DocCodec,
    Keep,
    Loaded,
    Many,
    Outgoing,
    Refuse,
    Repository,
    Save,
    Storage,
    TooManyConflicts,
    change,
)
from plumbing.testing import unique_tenant

from .conftest import needs_bounded_pushes, needs_isolated_updates
from .model import TALLIES, TOPIC, Published, Tally, counted


def add_one(current: Loaded[Tally]) -> Decision[Tally, int]:
    tally = current.state or Tally()
    tally.count += 1
    return Save(tally, tally.count)


async def test_a_missing_aggregate_loads_as_version_0_without_state(storage: Storage) -> None:
    tallies = storage.repository(TALLIES, unique_tenant())
    missing = await tallies.load("nobody")
    assert (missing.version, missing.state, missing.exists) == (0, None, False)


async def test_a_saved_state_loads_back_at_the_next_version(storage: Storage) -> None:
    tallies = storage.repository(TALLIES, unique_tenant())
    at = datetime(2026, 5, 1, 10, 30, 15, 123456, tzinfo=UTC)
    saved = await tallies.save(await tallies.load("a"), Tally(3, ["x"], at))
    assert saved.version == 1
    loaded = await tallies.load("a")
    # Datetimes come back as stored: milliseconds, aware UTC, in every implementation.
    stored_at = at.replace(microsecond=123000)
    assert (loaded.version, loaded.state) == (1, Tally(3, ["x"], stored_at))
    assert saved.state == loaded.state
    again = await tallies.save(loaded, Tally(4))
    assert (again.version, (await tallies.load("a")).state) == (2, Tally(4))


async def test_a_save_from_a_stale_version_is_a_conflict(storage: Storage) -> None:
    tallies = storage.repository(TALLIES, unique_tenant())
    first, second = await tallies.load("a"), await tallies.load("a")
    await tallies.save(first, Tally(1))
    with pytest.raises(Conflict):
        await tallies.save(second, Tally(2))  # both started from version 0
    one = await tallies.load("a")
    other = await tallies.load("a")
    await tallies.save(one, Tally(10))
    with pytest.raises(Conflict):
        await tallies.save(other, Tally(20))  # both started from version 1
    assert (await tallies.load("a")).state == Tally(10)


async def test_a_state_held_too_long_is_not_saved(storage: Storage) -> None:
    tallies = storage.repository(TALLIES, unique_tenant())
    loaded = await tallies.load("a")
    old = dataclasses.replace(loaded, read_at=time.monotonic() - HOLD_LIMIT - 1)
    with pytest.raises(Conflict):
        await tallies.save(old, Tally(1))
    assert (await tallies.load("a")).version == 0


async def test_a_forgotten_state_keeps_its_version(storage: Storage) -> None:
    tallies = storage.repository(TALLIES, unique_tenant())
    saved = await tallies.save(await tallies.load("a"), Tally(5, ["personal"]))
    gone = await tallies.save(saved, None)
    loaded = await tallies.load("a")
    assert (gone.version, loaded.version, loaded.state) == (2, 2, None)
    with pytest.raises(Conflict):
        await tallies.save(saved, Tally(6))  # nobody goes back to before the erasure
    assert await tallies.find() == []
    back = await tallies.save(loaded, Tally(1))
    assert (back.version, (await tallies.load("a")).state) == (3, Tally(1))


async def test_change_retries_and_converges_under_concurrent_writers(storage: Storage) -> None:
    needs_isolated_updates(storage)
    tallies = storage.repository(TALLIES, unique_tenant())

    async def writer() -> int:
        attempts = 0
        for _ in range(10):
            attempts += (await change(tallies, "hot", add_one)).attempts
        return attempts

    attempts = await asyncio.gather(*(writer() for _ in range(5)))
    loaded = await tallies.load("hot")
    assert loaded.state is not None
    assert (loaded.state.count, loaded.version) == (50, 50)  # not one increment lost
    assert sum(attempts) > 50  # the writers did collide, and retried


async def test_change_keeps_and_refuses_without_writing(storage: Storage) -> None:
    tallies = storage.repository(TALLIES, unique_tenant())
    await change(tallies, "a", add_one)

    def at_most_one(current: Loaded[Tally]) -> Decision[Tally, str]:
        if current.state is not None and current.state.count >= 1:
            return Refuse("LIMIT_REACHED")
        return Save(Tally(1), "saved")

    refused = await change(tallies, "a", at_most_one)
    kept = await change(tallies, "a", lambda current: Keep(current.version))
    assert (refused.result, refused.refused, refused.saved) == ("LIMIT_REACHED", True, False)
    assert (kept.result, kept.saved, kept.refused) == (1, False, False)
    assert (await tallies.load("a")).version == 1


async def test_a_domain_error_in_decide_reaches_the_caller_at_once(storage: Storage) -> None:
    tallies = storage.repository(TALLIES, unique_tenant())
    calls = 0

    def refuse(current: Loaded[Tally]) -> Decision[Tally, None]:
        nonlocal calls
        calls += 1
        raise ValueError("not allowed")

    with pytest.raises(ValueError, match="not allowed"):
        await change(tallies, "a", refuse)
    assert calls == 1


class Overtaken:
    """The aggregates as a writer sees them when another always saves just before it."""

    def __init__(self, inner: Repository[Tally]) -> None:
        self.inner = inner

    @property
    def tenant(self) -> str:
        return self.inner.tenant

    @property
    def name(self) -> str:
        return self.inner.name

    async def load(self, key: str) -> Loaded[Tally]:
        return await self.inner.load(key)

    async def save(
        self, current: Loaded[Tally], state: Tally | None, events: Sequence[Outgoing] = ()
    ) -> Loaded[Tally]:
        rival = await self.inner.load(current.key)
        await self.inner.save(rival, Tally((rival.state or Tally()).count + 1))
        return await self.inner.save(current, state, events)

    async def find(
        self, where: Mapping[str, Any] | None = None, *, limit: int = 0
    ) -> list[Loaded[Tally]]:
        return await self.inner.find(where, limit=limit)

    async def save_many(self, changes: Sequence[Change[Tally]]) -> Many[Tally]:
        return await self.inner.save_many(changes)


async def test_change_gives_up_after_its_attempts(storage: Storage) -> None:
    tallies = storage.repository(TALLIES, unique_tenant())
    with pytest.raises(TooManyConflicts):
        await change(Overtaken(tallies), "a", lambda _: Save(Tally(100), None), attempts=3)
    loaded = await tallies.load("a")
    assert loaded.state == Tally(3)  # the rival's three saves, none of the loser's


async def test_events_saved_with_a_state_are_published_once(storage: Storage) -> None:
    tenant = unique_tenant()
    tallies = storage.repository(TALLIES, tenant)
    first = await tallies.save(await tallies.load("a"), Tally(1), [counted(tenant, "a", 1)])
    await tallies.save(first, Tally(2), [counted(tenant, "a", 2), counted(tenant, "a", 22)])
    await tallies.save(await tallies.load("b"), Tally(7), [counted(tenant, "b", 7)])

    published = Published()
    relay = storage.relay(published, [TALLIES])
    assert await relay.drain() == 4
    assert await relay.drain() == 0  # exactly once: nothing left to send
    by_key: dict[bytes, list[int]] = {}
    for message in published.messages:
        assert message[0] == TOPIC
        by_key.setdefault(message[1], []).append(json.loads(message[2])["data"]["count"])
    # One aggregate's events stay in the order they were saved (one partition per key).
    assert by_key == {f"{tenant}:a".encode(): [1, 2, 22], f"{tenant}:b".encode(): [7]}


async def test_tenants_never_see_each_other(storage: Storage) -> None:
    mine, theirs = unique_tenant("mine"), unique_tenant("theirs")
    my_tallies = storage.repository(TALLIES, mine)
    their_tallies = storage.repository(TALLIES, theirs)
    await my_tallies.save(await my_tallies.load("same"), Tally(1))
    assert (await their_tallies.load("same")).version == 0
    await their_tallies.save(await their_tallies.load("same"), Tally(50))
    assert [t.state for t in await my_tallies.find()] == [Tally(1)]
    assert [t.state for t in await their_tallies.find({"count": {"$gte": 0}})] == [Tally(50)]
    with pytest.raises(ValueError):
        await their_tallies.save(await my_tallies.load("same"), Tally(2))
    with pytest.raises(ValueError):
        storage.repository(TALLIES, "a:b")  # a colon would reach into another's keys

    mine_views, their_views = storage.read_model("views", mine), storage.read_model("views", theirs)
    await mine_views.apply_once("same", "e1", Delta(inc={"n": 1}))
    assert await their_views.get("same") is None
    assert await their_views.apply_once("same", "e1", Delta(inc={"n": 5}))
    assert await mine_views.get("same") == {"n": 1}


async def test_find_filters_on_declared_fields_only(storage: Storage) -> None:
    tallies = storage.repository(TALLIES, unique_tenant())
    for key, count in (("a", 1), ("b", 5), ("c", 9)):
        await tallies.save(await tallies.load(key), Tally(count))
    assert [t.key for t in await tallies.find()] == ["a", "b", "c"]
    assert sorted(t.key for t in await tallies.find({"count": {"$gte": 5}})) == ["b", "c"]
    assert [t.key for t in await tallies.find({"count": 5})] == ["b"]
    assert sorted(t.key for t in await tallies.find({"count": {"$in": [1, 9]}})) == ["a", "c"]
    assert len(await tallies.find(limit=2)) == 2
    with pytest.raises(ValueError):
        await tallies.find({"notes": "x"})  # not indexed: no query without its index
    with pytest.raises(ValueError):
        await tallies.find({"count": {"$ne": 1}})  # no index serves $ne


async def test_a_read_model_applies_each_event_once(storage: Storage) -> None:
    views = storage.read_model("views", unique_tenant())
    delta = Delta(set={"last": "visit"}, inc={"visits": 1, "totals.minutes": 30})
    assert await views.apply_once("c1", "e1", delta)
    assert not await views.apply_once("c1", "e1", delta)  # a replay: no second effect
    assert await views.apply_once("c1", "e2", Delta(inc={"visits": 1}, max={"best": 7}))
    assert not await views.apply_once("c1", "e2", Delta(inc={"visits": 1}))
    assert await views.apply_once("c1", "e3", Delta(max={"best": 3}, min={"first": 2}))
    assert await views.get("c1") == {
        "last": "visit",
        "visits": 2,
        "totals": {"minutes": 30},
        "best": 7,
        "first": 2,
    }
    assert await views.get_many(["c1", "c2", "c1"]) == {"c1": await views.get("c1")}


async def test_a_read_model_counts_concurrent_events_of_one_document(storage: Storage) -> None:
    needs_isolated_updates(storage)
    views = storage.read_model("views", unique_tenant())
    applied = await asyncio.gather(
        *(views.apply_once("day", f"e{i % 20}", Delta(inc={"n": 1})) for i in range(40))
    )
    assert sum(applied) == 20  # each of the 20 events once, its copy dropped
    assert await views.get("day") == {"n": 20}


async def test_a_save_replaces_the_whole_state(storage: Storage) -> None:
    documents = storage.repository(Aggregates("documents", DocCodec()), unique_tenant())
    first = await documents.save(await documents.load("d"), {"a": 1, "b": {"c": 2}})
    await documents.save(first, {"a": 2})
    assert (await documents.load("d")).state == {"a": 2}
    with pytest.raises(ValueError):
        await documents.save(await documents.load("d"), {"version": 3})  # reserved


async def test_a_read_model_sets_on_creation_removes_and_keeps_the_last_values(
    storage: Storage,
) -> None:
    needs_bounded_pushes(storage)
    views = storage.read_model("views", unique_tenant())
    created = Delta(set_on_insert={"since": "e1"}, set={"flags.a": 1, "flags.b": 1})
    assert await views.apply_once("c1", "e1", created)
    later = Delta(
        set_on_insert={"since": "e2"},
        unset=("flags.a",),
        append={"recent": (["x", "y"], 3)},
    )
    assert await views.apply_once("c1", "e2", later)
    assert await views.apply_once("c1", "e3", Delta(append={"recent": (["z", "w"], 3)}))
    assert not await views.apply_once("c1", "e3", Delta(append={"recent": (["z", "w"], 3)}))
    assert await views.get("c1") == {"since": "e1", "flags": {"b": 1}, "recent": ["y", "z", "w"]}


async def test_save_many_saves_each_or_reports_it_lost(storage: Storage) -> None:
    tenant = unique_tenant()
    tallies = storage.repository(TALLIES, tenant)
    b = await tallies.save(await tallies.load("b"), Tally(1))
    stale_c = await tallies.load("c")
    await tallies.save(await tallies.load("c"), Tally(50))  # another writer, first
    changes: list[Change[Tally]] = [
        (await tallies.load("a"), Tally(1), [counted(tenant, "a", 1)]),
        (b, Tally(2), [counted(tenant, "b", 2), counted(tenant, "b", 22)]),
        (stale_c, Tally(9), [counted(tenant, "c", 9)]),
    ]
    many = await tallies.save_many(changes)
    assert (sorted(many.saved), many.lost) == (["a", "b"], {"c"})
    assert {k: (one.version, one.state) for k, one in many.saved.items()} == {
        "a": (1, Tally(1)),
        "b": (2, Tally(2)),
    }
    assert (await tallies.load("c")).state == Tally(50)  # the loser wrote nothing
    # What a bulk writer holds after saving is what it saves from next (no read between).
    again = await tallies.save_many([(many.saved["a"], Tally(3), [counted(tenant, "a", 3)])])
    assert again.saved["a"].version == 2
    with pytest.raises(ValueError):
        await tallies.save_many([changes[0], changes[0]])  # one change per key

    published = Published()
    await storage.relay(published, [TALLIES]).drain()
    by_key: dict[bytes, list[int]] = {}
    for message in published.messages:
        by_key.setdefault(message[1], []).append(json.loads(message[2])["data"]["count"])
    # Each saved state's events once, in order per aggregate; the loser's never.
    assert by_key == {f"{tenant}:a".encode(): [1, 3], f"{tenant}:b".encode(): [2, 22]}
    assert await storage.relay(published, [TALLIES]).drain() == 0


async def test_save_many_is_safe_against_a_concurrent_writer(storage: Storage) -> None:
    needs_isolated_updates(storage)
    tallies = storage.repository(TALLIES, unique_tenant())
    start = await tallies.save(await tallies.load("hot"), Tally(0))

    async def bulk() -> int:
        many = await tallies.save_many([(start, Tally(100), [])])
        return len(many.saved)

    async def single() -> int:
        return len([await change(tallies, "hot", add_one)])

    results = await asyncio.gather(bulk(), single())
    loaded = await tallies.load("hot")
    assert loaded.state is not None
    # Both started from version 1: either the bulk save won and the single one decided
    # again on top of it, or the bulk save lost. Never both from version 1.
    if results[0]:
        assert (loaded.version, loaded.state.count) == (3, 101)
    else:
        assert (loaded.version, loaded.state.count) == (2, 1)


async def test_jobs_find_candidates_across_tenants(storage: Storage) -> None:
    first, second = unique_tenant("first"), unique_tenant("second")
    for tenant, count in ((first, 3), (second, 7), (second, 1)):
        tallies = storage.repository(TALLIES, tenant)
        await tallies.save(await tallies.load(f"k{count}"), Tally(count))
    gone = storage.repository(TALLIES, first)
    await gone.save(await gone.save(await gone.load("gone"), Tally(5)), None)
    found = await storage.across_tenants(TALLIES, {"count": {"$gte": 3}})
    ours = [tuple(c) for c in found if c.tenant in (first, second)]
    assert ours == sorted([(first, "k3", {"count": 3}), (second, "k7", {"count": 7})])
    with pytest.raises(ValueError):
        await storage.across_tenants(TALLIES, {"notes": "x"})
