"""The outbox against the real FerretDB and Kafka: nothing lost, order kept, replays safe."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

import pytest
from plumbing.contracts import Catalog, EventData
from plumbing.kafka import KafkaPublisher
from plumbing.mongo import Doc
from plumbing.outbox import (
    BATCH_FIELD,
    HINTS,
    OUTBOX_FIELD,
    STALE_BATCH,
    Outbox,
    batch_groups,
    stored,
    with_events,
)
from plumbing.outbox_relay import OutboxRelay
from plumbing.tenant_collection import TenantCollection
from plumbing.testing import eventually
from pymongo.asynchronous.database import AsyncDatabase

from .kafka_reading import read_all

catalog = Catalog(source="services/test")


@catalog.event("test.counter_bumped.v1", topic="unused")
class CounterBumped(EventData):
    value: int


async def bump(
    things: TenantCollection, outbox: Outbox, topic: str, value: int, *, hint: bool = True
) -> None:
    """A state change and its event in one single-document write."""
    event = catalog.envelope(CounterBumped(value=value), tenant=things.tenant, subject="c1")
    doc = await things.update(
        {"_id": "c1"}, with_events({"$set": {"value": value}}, [stored(event, topic)]), upsert=True
    )
    assert doc is not None
    if hint:
        await outbox.written(things.name, doc["_id"])


def values_on(records: list[tuple[bytes | None, bytes | None]]) -> list[int]:
    return [json.loads(v or b"")["data"]["value"] for _, v in records]


async def test_state_and_events_are_written_together_then_published_in_order(
    db: AsyncDatabase[Doc], topic: str, publisher: KafkaPublisher
) -> None:
    things = TenantCollection(db["things"], "t1")
    outbox = Outbox(db)
    for value in (1, 2, 3):
        await bump(things, outbox, topic, value)
    stored_doc = await things.get("c1")
    assert (
        stored_doc is not None and stored_doc["value"] == 3 and len(stored_doc[OUTBOX_FIELD]) == 3
    )

    relay = OutboxRelay(db, publisher, ["things"], outbox=outbox)
    assert await relay.drain() == 3
    records = await read_all(topic)
    assert values_on(records) == [1, 2, 3]
    assert {k for k, _ in records} == {b"t1:c1"}
    assert (await things.get("c1"))[OUTBOX_FIELD] == []  # type: ignore[index]
    assert await db[HINTS].count_documents({}) == 0
    assert await relay.drain() == 0


async def test_a_relay_that_dies_before_marking_sent_publishes_again_with_the_same_ids(
    db: AsyncDatabase[Doc], topic: str, publisher: KafkaPublisher
) -> None:
    things = TenantCollection(db["things"], "t1")
    outbox = Outbox(db)
    await bump(things, outbox, topic, 7)
    dying = OutboxRelay(db, publisher, ["things"], outbox=outbox)

    async def crash() -> None:
        raise RuntimeError("killed between publishing and marking sent")

    dying.before_mark = crash
    with pytest.raises(RuntimeError):
        await dying.drain()
    assert len((await things.get("c1"))[OUTBOX_FIELD]) == 1  # type: ignore[index]

    assert await OutboxRelay(db, publisher, ["things"], outbox=outbox).drain() == 1
    records = await read_all(topic)
    ids = [json.loads(v or b"")["id"] for _, v in records]
    assert len(ids) == 2 and ids[0] == ids[1]  # at least once, same id: consumers drop the copy
    assert (await things.get("c1"))[OUTBOX_FIELD] == []  # type: ignore[index]


async def test_the_sweep_finds_events_whose_hint_was_never_written(
    db: AsyncDatabase[Doc], topic: str, publisher: KafkaPublisher
) -> None:
    things = TenantCollection(db["things"], "t1")
    outbox = Outbox(db)
    await bump(things, outbox, topic, 5, hint=False)  # the process died right after the write
    relay = OutboxRelay(db, publisher, ["things"], outbox=outbox)
    assert await relay.drain() == 0
    assert await relay.sweep() == 1
    assert await relay.drain() == 1
    assert values_on(await read_all(topic)) == [5]


async def test_an_event_written_while_the_relay_works_is_not_stranded(
    db: AsyncDatabase[Doc], topic: str, publisher: KafkaPublisher
) -> None:
    things = TenantCollection(db["things"], "t1")
    outbox = Outbox(db)
    await bump(things, outbox, topic, 1)
    relay = OutboxRelay(db, publisher, ["things"], outbox=outbox)

    async def concurrent_write() -> None:
        relay.before_mark = None
        await bump(things, outbox, topic, 2)

    relay.before_mark = concurrent_write
    assert await relay.drain() == 1
    assert len((await things.get("c1"))[OUTBOX_FIELD]) == 1  # type: ignore[index]
    assert await relay.drain() == 1
    assert values_on(await read_all(topic)) == [1, 2]
    assert await db[HINTS].count_documents({}) == 0


async def published_by_the_running_relay(
    relay: OutboxRelay, write: Callable[[], Awaitable[object]]
) -> None:
    """Start the relay (polling every 5 s), `write` once it went idle, and expect the
    event out within 3 s: the write must have woken it."""
    stop = asyncio.Event()
    task = asyncio.create_task(relay.run(stop))
    try:
        await eventually(lambda: asyncio.sleep(0, relay.stats.rounds), until=lambda n: n >= 1)
        await write()
        await eventually(
            lambda: asyncio.sleep(0, relay.stats.published), until=lambda n: n == 1, timeout=3
        )
    finally:
        stop.set()
        await task


async def test_the_running_relay_publishes_soon_after_a_write(
    db: AsyncDatabase[Doc], topic: str, publisher: KafkaPublisher
) -> None:
    things = TenantCollection(db["things"], "t1")
    outbox = Outbox(db)
    relay = OutboxRelay(db, publisher, ["things"], outbox=outbox, poll_seconds=5)
    await published_by_the_running_relay(relay, lambda: bump(things, outbox, topic, 9))
    assert values_on(await read_all(topic)) == [9]


async def _batch_of(
    db: AsyncDatabase[Doc], outbox: Outbox, topic: str, values: dict[str, int]
) -> str:
    """Begin a batch holding one event per document (`doc id -> value`)."""
    return await outbox.begin_batch(
        "things",
        {
            doc_id: [
                stored(catalog.envelope(CounterBumped(value=v), tenant="t1", subject=doc_id), topic)
            ]
            for doc_id, v in values.items()
        },
    )


async def test_a_batch_is_published_once_ready_without_its_lost_documents(
    db: AsyncDatabase[Doc], topic: str, publisher: KafkaPublisher
) -> None:
    outbox = Outbox(db)
    relay = OutboxRelay(db, publisher, ["things"], outbox=outbox)
    batch = await _batch_of(db, outbox, topic, {"a": 1, "b": 2, "c": 3})
    assert await relay.drain() == 0  # not ready: its documents may not be written yet
    await db["things"].insert_many([{"_id": d, BATCH_FIELD: batch} for d in ("a", "c")])
    await outbox.commit_batch(batch, lost=["b"])
    assert await relay.drain() == 2
    assert sorted(values_on(await read_all(topic))) == [1, 3]
    assert await db[HINTS].count_documents({}) == 0
    assert not await outbox.pending(batch)


async def test_a_batch_written_through_another_outbox_wakes_the_running_relay(
    db: AsyncDatabase[Doc], topic: str, publisher: KafkaPublisher
) -> None:
    relay = OutboxRelay(db, publisher, ["things"], outbox=Outbox(db), poll_seconds=5)

    async def write() -> None:
        writer = Outbox(db)  # a writer's own, as a store builds it: not the relay's
        batch = await _batch_of(db, writer, topic, {"a": 4})
        await db["things"].insert_one({"_id": "a", BATCH_FIELD: batch})
        await writer.commit_batch(batch, lost=[])

    await published_by_the_running_relay(relay, write)
    assert values_on(await read_all(topic)) == [4]


async def test_a_batch_hint_written_before_packing_is_still_published(
    db: AsyncDatabase[Doc], topic: str, publisher: KafkaPublisher
) -> None:
    outbox = Outbox(db)
    relay = OutboxRelay(db, publisher, ["things"], outbox=outbox)
    batch = await _batch_of(db, outbox, topic, {"a": 1, "b": 2})
    hint = await db[HINTS].find_one({"_id": batch})
    assert hint is not None and isinstance(hint["groups"], str)
    # The groups as sub-documents, as batches were written before they were packed.
    await db[HINTS].update_one({"_id": batch}, {"$set": {"groups": batch_groups(hint)}})
    await db["things"].insert_many([{"_id": d, BATCH_FIELD: batch} for d in ("a", "b")])
    await outbox.commit_batch(batch, lost=[])
    assert await relay.drain() == 2
    assert sorted(values_on(await read_all(topic))) == [1, 2]


async def test_a_batch_whose_writer_died_publishes_what_was_written_once_stale(
    db: AsyncDatabase[Doc], topic: str, publisher: KafkaPublisher
) -> None:
    outbox = Outbox(db)
    relay = OutboxRelay(db, publisher, ["things"], outbox=outbox)
    batch = await _batch_of(db, outbox, topic, {"a": 1, "b": 2, "c": 3})
    # Written: a; c exists but belongs to someone else; b never came. No ready marker.
    await db["things"].insert_many([{"_id": "a", BATCH_FIELD: batch}, {"_id": "c"}])
    assert await relay.drain() == 0
    await db[HINTS].update_one(
        {"_id": batch}, {"$set": {"at": datetime.now(UTC) - STALE_BATCH - timedelta(seconds=1)}}
    )
    assert await relay.drain() == 1
    assert values_on(await read_all(topic)) == [1]
    assert await db[HINTS].count_documents({}) == 0


async def test_a_ready_marker_left_alone_by_a_dying_relay_is_dropped(
    db: AsyncDatabase[Doc], topic: str, publisher: KafkaPublisher
) -> None:
    outbox = Outbox(db)
    batch = await _batch_of(db, outbox, topic, {"a": 1})
    await db["things"].insert_one({"_id": "a", BATCH_FIELD: batch})
    await outbox.commit_batch(batch, lost=[])
    await db[HINTS].delete_one({"_id": batch})  # the relay died between its two deletes
    relay = OutboxRelay(db, publisher, ["things"], outbox=outbox)
    assert await relay.drain() == 0
    assert await db[HINTS].count_documents({}) == 0
