"""`Recent`: configuration remembered for a few seconds, never past this process's own
writes."""

from __future__ import annotations

import asyncio

from plumbing.config_cache import Recent


class Source:
    def __init__(self) -> None:
        self.value = "v1"
        self.reads = 0
        self.gate: asyncio.Event | None = None

    async def load(self) -> str:
        self.reads += 1
        value = self.value
        if self.gate is not None:
            await self.gate.wait()
        return value


async def test_a_value_is_read_once_within_its_seconds_then_again() -> None:
    recent: Recent[str] = Recent(seconds=0.2)
    source = Source()
    assert [await recent.get("t1", source.load) for _ in range(3)] == ["v1"] * 3
    assert source.reads == 1
    source.value = "v2"  # changed by another process: seen once the seconds are over
    assert await recent.get("t1", source.load) == "v1"
    await asyncio.sleep(0.25)
    assert await recent.get("t1", source.load) == "v2"
    assert source.reads == 2


async def test_keys_are_apart_and_a_drop_is_seen_at_once() -> None:
    recent: Recent[str] = Recent(seconds=60)
    one, other = Source(), Source()
    other.value = "other"
    assert await recent.get(("db", "t1"), one.load) == "v1"
    assert await recent.get(("db", "t2"), other.load) == "other"
    one.value = "v2"
    recent.drop(("db", "t1"))
    assert await recent.get(("db", "t1"), one.load) == "v2"
    assert await recent.get(("db", "t2"), other.load) == "other"
    assert (one.reads, other.reads) == (2, 1)


async def test_a_read_that_overlaps_a_write_is_not_remembered() -> None:
    recent: Recent[str] = Recent(seconds=60)
    source = Source()
    source.gate = asyncio.Event()
    reading = asyncio.create_task(recent.get("t1", source.load))  # reads "v1"...
    await asyncio.sleep(0)
    source.value = "v2"  # ...while this process writes "v2" and drops the key
    recent.drop("t1")
    source.gate.set()
    assert await reading == "v1"
    source.gate = None
    assert await recent.get("t1", source.load) == "v2"


async def test_the_oldest_keys_go_beyond_the_size() -> None:
    recent: Recent[str] = Recent(seconds=60, size=2)
    source = Source()
    for key in ("a", "b", "c"):
        await recent.get(key, source.load)
    await recent.get("a", source.load)
    assert source.reads == 4  # "a" was pushed out by "c"
