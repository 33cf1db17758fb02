"""The idempotent consumer against the real Kafka and FerretDB."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager

from plumbing.consumer import EventConsumer, Publisher
from plumbing.envelope import Envelope
from plumbing.event_handlers import Handler, Rejected, merge, newest_per_key, once
from plumbing.kafka import KafkaPublisher
from plumbing.mongo import Doc
from plumbing.tenant_collection import TenantCollection
from plumbing.testing import KAFKA_BOOTSTRAP, eventually, kafka_options
from pymongo.asynchronous.database import AsyncDatabase

from .kafka_reading import read_json

TYPE = "test.visit_recorded.v1"


def visit(tenant: str = "t1", client: str = "c1", **extra: object) -> Envelope:
    return Envelope(
        type=TYPE,
        source="tests",
        tenant=tenant,
        subject=client,
        data={"client_id": client, **extra},
    )


async def send(publisher: KafkaPublisher, topic: str, *items: Envelope | bytes) -> None:
    await publisher.publish_many(
        [
            (topic, b"t1:c1", item.to_bytes() if isinstance(item, Envelope) else item)
            for item in items
        ]
    )


def counting_handler(db: AsyncDatabase[Doc]) -> Handler:
    """Adds one visit per event, guarded by the event id in the same write."""

    async def handle(event: Envelope) -> None:
        if event.data.get("unknown_client"):
            raise Rejected(f"unknown client {event.data['client_id']}")
        members = TenantCollection(db["members"], event.tenant)
        guard, record = once(event.id)
        if (
            await members.update(
                {"_id": event.subject, **guard}, merge({"$inc": {"visits": 1}}, record)
            )
            is None
        ):
            await members.update(
                {"_id": event.subject},
                {"$setOnInsert": {"visits": 0}},
                upsert=True,
            )
            await members.update(
                {"_id": event.subject, **guard}, merge({"$inc": {"visits": 1}}, record)
            )

    return handle


@asynccontextmanager
async def consuming(
    db: AsyncDatabase[Doc],
    topic: str,
    publisher: KafkaPublisher,
    handlers: Mapping[str, Handler],
    dlq_publisher: Publisher | None = None,
    **options: object,
) -> AsyncIterator[EventConsumer]:
    consumer = EventConsumer(
        db=db,
        bootstrap=KAFKA_BOOTSTRAP,
        kafka_options=kafka_options(),
        group=f"test-{uuid.uuid4().hex[:8]}",
        topics_=[topic],
        handlers=handlers,
        dlq_publisher=dlq_publisher or publisher,
        retry_base_seconds=0.01,
        **options,  # type: ignore[arg-type]
    )
    stop = asyncio.Event()
    task = asyncio.create_task(consumer.run(stop))
    try:
        yield consumer
    finally:
        stop.set()
        await task


async def visits(db: AsyncDatabase[Doc], client: str = "c1") -> int:
    doc = await TenantCollection(db["members"], "t1").get(client)
    return int(doc["visits"]) if doc else 0


def stat(consumer: EventConsumer, name: str) -> Callable[[], Awaitable[int]]:
    async def probe() -> int:
        return int(getattr(consumer.stats, name))

    return probe


async def test_the_same_event_twice_has_one_effect(
    db: AsyncDatabase[Doc], topic: str, publisher: KafkaPublisher
) -> None:
    first, second = visit(), visit()
    async with consuming(db, topic, publisher, {TYPE: counting_handler(db)}) as consumer:
        await send(publisher, topic, first, first, second, first)
        await eventually(stat(consumer, "handled"), until=lambda n: n == 2)
        await eventually(stat(consumer, "skipped"), until=lambda n: n == 2)
    assert await visits(db) == 2


async def test_what_cannot_be_handled_is_parked_with_its_reason_and_the_partition_moves_on(
    db: AsyncDatabase[Doc], topic: str, publisher: KafkaPublisher
) -> None:
    no_tenant = b'{"specversion":"1.0","id":"x","type":"test.visit_recorded.v1","source":"s","time":"2025-01-01T00:00:00Z","data":{}}'
    async with consuming(db, topic, publisher, {TYPE: counting_handler(db)}) as consumer:
        await send(publisher, topic, b"not json", no_tenant, visit(unknown_client=True), visit())
        await eventually(stat(consumer, "handled"), until=lambda n: n == 1)
        await eventually(stat(consumer, "parked"), until=lambda n: n == 3)
    assert await visits(db) == 1
    parked = await eventually(lambda: read_json(f"{topic}.dlq"), until=lambda p: len(p) == 3)
    reasons = [p["reason"] for p in parked]
    assert "invalid envelope" in reasons[0] and "JSON" in reasons[0]
    assert "tenant" in reasons[1]
    assert reasons[2] == "unknown client c1"
    assert all(p["topic"] == topic and p["excerpt"] and p["sha256"] for p in parked)
    assert [p["code"] for p in parked] == ["INVALID_ENVELOPE", "INVALID_ENVELOPE", "INVALID_DATA"]


async def test_transient_failures_are_retried_then_parked(
    db: AsyncDatabase[Doc], topic: str, publisher: KafkaPublisher
) -> None:
    calls: dict[str, int] = {}

    async def flaky(event: Envelope) -> None:
        calls[event.id] = calls.get(event.id, 0) + 1
        if event.data.get("always_fails") or calls[event.id] < 3:
            raise ConnectionError("database briefly away")

    recovering, hopeless = visit(), visit(always_fails=True)
    async with consuming(db, topic, publisher, {TYPE: flaky}, max_attempts=4) as consumer:
        await send(publisher, topic, recovering, hopeless)
        await eventually(stat(consumer, "parked"), until=lambda n: n == 1)
    assert consumer.stats.handled == 1
    assert calls == {recovering.id: 3, hopeless.id: 4}
    [parked] = await eventually(lambda: read_json(f"{topic}.dlq"), until=lambda p: len(p) == 1)
    assert parked["event_id"] == hopeless.id and "failed 4 times" in parked["reason"]


async def test_a_consumer_killed_between_effect_and_commit_applies_nothing_twice(
    db: AsyncDatabase[Doc], topic: str, publisher: KafkaPublisher
) -> None:
    crashes = {"left": 1}

    async def crash_once() -> None:
        if crashes["left"]:
            crashes["left"] -= 1
            raise RuntimeError("killed before the offset commit")

    async with consuming(db, topic, publisher, {TYPE: counting_handler(db)}) as consumer:
        consumer.after_effect = crash_once
        await send(publisher, topic, visit(), visit(), visit())
        await eventually(stat(consumer, "handled"), until=lambda n: n == 3, timeout=30)
        await eventually(stat(consumer, "skipped"), until=lambda n: n >= 1, timeout=30)
    assert await visits(db) == 3


async def test_a_batch_handler_takes_runs_and_hands_back_what_it_leaves_in_order(
    db: AsyncDatabase[Doc], topic: str, publisher: KafkaPublisher
) -> None:
    other = "test.other_happened.v1"
    seen_in_batches: list[list[str]] = []
    one_at_a_time: list[str] = []

    async def batch(events: list[Envelope]) -> list[Envelope]:
        seen_in_batches.append([e.data["n"] for e in events])
        return [e for e in events if e.data.get("leave")]

    async def single(event: Envelope) -> None:
        one_at_a_time.append(event.data["n"])

    items = [
        visit(n="a"),
        visit(n="b", leave=True),
        visit(n="c"),
        Envelope(type=other, source="tests", tenant="t1", subject="c1", data={"n": "x"}),
        visit(n="d"),
    ]
    async with consuming(
        db, topic, publisher, {TYPE: single, other: single}, batch_handlers={TYPE: batch}
    ) as consumer:
        await send(publisher, topic, *items)
        await eventually(stat(consumer, "handled"), until=lambda n: n == 5)
    # Runs are cut by the other type; what the batch left comes one at a time, in order.
    assert seen_in_batches == [["a", "b", "c"], ["d"]]
    assert one_at_a_time == ["b", "x"]


async def test_a_failing_batch_handler_leaves_everything_to_the_one_at_a_time_path(
    db: AsyncDatabase[Doc], topic: str, publisher: KafkaPublisher
) -> None:
    async def broken(events: list[Envelope]) -> list[Envelope]:
        raise RuntimeError("bulk write failed")

    async with consuming(
        db, topic, publisher, {TYPE: counting_handler(db)}, batch_handlers={TYPE: broken}
    ) as consumer:
        first = visit()
        await send(publisher, topic, first, visit(), first)
        await eventually(stat(consumer, "handled"), until=lambda n: n == 2)
        await eventually(stat(consumer, "skipped"), until=lambda n: n == 1)
    assert await visits(db) == 2


def test_newest_per_key_keeps_the_newest_event_of_each_thing() -> None:
    from datetime import UTC, datetime, timedelta

    t0 = datetime(2026, 1, 1, tzinfo=UTC)

    def at(seconds: int) -> Envelope:
        return Envelope(
            type="t.x.v1", source="test", tenant="t", data={}, time=t0 + timedelta(seconds=seconds)
        )

    a1, a3, a2, b1, b1_again = at(1), at(3), at(2), at(1), at(1)
    items = [("a", a1, 1), ("a", a3, 3), ("b", b1, 10), ("a", a2, 2), ("b", b1_again, 11)]
    newest = newest_per_key(items)
    assert [(e.id, v) for e, v in newest] == [(a3.id, 3), (b1_again.id, 11)]
