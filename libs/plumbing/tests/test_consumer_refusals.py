"""What a consumer refuses, and that no message stops it: huge and undecodable messages,
a DLQ that refuses records, unknown types, reused event ids, handlers that hang, and
what the log says of each. Against the real Kafka and FerretDB."""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
from collections.abc import Iterator
from typing import Any

import pytest
from aiokafka.errors import MessageSizeTooLargeError
from plumbing import applying, dlq, processed_events, redrive
from plumbing import consumer as consumer_module
from plumbing.envelope import Envelope
from plumbing.event_handlers import Handler, Rejected
from plumbing.kafka import KafkaPublisher
from plumbing.mongo import Doc
from plumbing.processed_events import PROCESSED
from plumbing.testing import eventually
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import WriteError

from .kafka_reading import read_json
from .test_consumer import TYPE, consuming, counting_handler, send, stat, visit, visits

HUGE = b"\xff\xfe\xfd" + os.urandom(400_000)  # 400 KB, not UTF-8


class Log:
    """Stands in for a module's structlog logger: every line with its level."""

    def __init__(self) -> None:
        self.lines: list[tuple[str, str, dict[str, Any]]] = []

    def _at(self, level: str) -> Any:
        def write(event: str, **fields: Any) -> None:
            self.lines.append((level, event, fields))

        return write

    def __getattr__(self, level: str) -> Any:
        return self._at(level)

    def at(self, *levels: str) -> list[tuple[str, str, dict[str, Any]]]:
        return [line for line in self.lines if line[0] in levels]


@pytest.fixture
def logs(monkeypatch: pytest.MonkeyPatch) -> Iterator[Log]:
    log = Log()
    for module in (consumer_module, applying, redrive):
        monkeypatch.setattr(module, "log", log)
    monkeypatch.setattr(dlq, "log", log)
    yield log


async def test_a_huge_undecodable_message_is_parked_small_and_the_next_is_applied(
    db: AsyncDatabase[Doc], topic: str, publisher: KafkaPublisher
) -> None:
    async with consuming(db, topic, publisher, {TYPE: counting_handler(db)}) as consumer:
        await send(publisher, topic, HUGE, visit())
        await eventually(stat(consumer, "handled"), until=lambda n: n == 1, timeout=10)
        assert consumer.stats.parked == 1
    [parked] = await eventually(lambda: read_json(f"{topic}.dlq"), until=lambda p: len(p) == 1)
    assert parked["code"] == "INVALID_ENVELOPE"
    assert parked["size"] == len(HUGE)
    assert parked["sha256"] == hashlib.sha256(HUGE).hexdigest()
    assert parked["consumer"] == consumer._group
    assert await visits(db) == 1


class DlqRefused:
    """A publisher whose DLQ topics refuse every record as too large."""

    def __init__(self, inner: KafkaPublisher) -> None:
        self.inner = inner
        self.refused = 0

    async def publish(self, topic: str, key: bytes, value: bytes) -> None:
        if topic.endswith(".dlq"):
            self.refused += 1
            raise MessageSizeTooLargeError()
        await self.inner.publish(topic, key, value)


async def test_a_dlq_record_kafka_refuses_is_logged_once_and_skipped(
    db: AsyncDatabase[Doc], topic: str, publisher: KafkaPublisher, logs: Log
) -> None:
    refusing = DlqRefused(publisher)
    async with consuming(
        db, topic, publisher, {TYPE: counting_handler(db)}, dlq_publisher=refusing
    ) as consumer:
        await send(publisher, topic, b"not json", visit())
        await eventually(stat(consumer, "handled"), until=lambda n: n == 1, timeout=10)
    assert refusing.refused == 1  # not retried: it would be refused again
    assert [event for _, event, _ in logs.at("error")] == ["dlq_publish_failed"]


async def test_an_unknown_type_is_parked_and_a_known_type_nobody_here_reads_is_skipped(
    db: AsyncDatabase[Doc], topic: str, publisher: KafkaPublisher, logs: Log
) -> None:
    def typed(name: str) -> Envelope:
        return Envelope(type=name, source="tests", tenant="t1", subject="c1", data={})

    teleported, newer = typed("test.visit_teleported.v1"), typed("test.visit_recorded.v2")
    known_elsewhere = typed("test.note_added.v1")
    async with consuming(
        db,
        topic,
        publisher,
        {TYPE: counting_handler(db)},
        known_types={"test.note_added.v1"},
    ) as consumer:
        await send(publisher, topic, teleported, known_elsewhere, newer, visit())
        await eventually(stat(consumer, "handled"), until=lambda n: n == 1)
        await eventually(stat(consumer, "parked"), until=lambda n: n == 2)
        assert consumer.stats.skipped == 1
    parked = await eventually(lambda: read_json(f"{topic}.dlq"), until=lambda p: len(p) == 2)
    assert [(p["code"], p["type"]) for p in parked] == [
        ("UNKNOWN_TYPE", "test.visit_teleported.v1"),
        ("UNKNOWN_TYPE", "test.visit_recorded.v2"),
    ]
    # One WARNING line per park, naming the consumer group and the code.
    warnings = logs.at("warning")
    assert [(e, f["code"], f["consumer"]) for _, e, f in warnings] == [
        ("event_parked", "UNKNOWN_TYPE", consumer._group)
    ] * 2


async def test_the_same_id_with_other_content_is_applied_once_and_parked_as_a_conflict(
    db: AsyncDatabase[Doc], topic: str, publisher: KafkaPublisher
) -> None:
    first = visit()
    reused = Envelope(
        id=first.id,
        type=TYPE,
        source="tests",
        tenant="t1",
        subject="c1",
        data={"client_id": "c1", "extra_visit": True},
    )
    async with consuming(db, topic, publisher, {TYPE: counting_handler(db)}) as consumer:
        await send(publisher, topic, first, reused, first)
        await eventually(stat(consumer, "conflicts"), until=lambda n: n == 1)
        await eventually(stat(consumer, "skipped"), until=lambda n: n == 1)  # the replay
        assert consumer.stats.handled == 1
    assert await visits(db) == 1
    [parked] = await eventually(lambda: read_json(f"{topic}.dlq"), until=lambda p: len(p) == 1)
    assert (parked["code"], parked["event_id"]) == ("EVENT_ID_CONFLICT", first.id)
    record = await db[PROCESSED].find_one({"_id": f"{consumer._group}:{first.id}"})
    assert record is not None and len(record["hash"]) == 64


async def test_the_batch_path_takes_out_a_reused_id_and_a_replay_before_its_handler(
    db: AsyncDatabase[Doc], topic: str, publisher: KafkaPublisher
) -> None:
    batched: list[list[str]] = []
    single: list[str] = []

    async def batch(events: list[Envelope]) -> list[Envelope]:
        batched.append([e.data["n"] for e in events])
        return [e for e in events if e.data.get("leave")]

    async def one(event: Envelope) -> None:
        single.append(event.data["n"])

    a, b = visit(n="a"), visit(n="b", leave=True)
    a_reused = Envelope(
        id=a.id, type=TYPE, source="tests", tenant="t1", subject="c1", data={"n": "a2"}
    )
    async with consuming(
        db, topic, publisher, {TYPE: one}, batch_handlers={TYPE: batch}
    ) as consumer:
        await send(publisher, topic, a, b, a_reused)
        await eventually(stat(consumer, "conflicts"), until=lambda n: n == 1)
        await eventually(stat(consumer, "handled"), until=lambda n: n == 2)
        # b was applied one at a time (its record says so): a replay of it is dropped.
        await send(publisher, topic, b)
        await eventually(stat(consumer, "skipped"), until=lambda n: n == 1)
    assert batched == [["a", "b"]]
    assert single == ["b"]
    [parked] = await eventually(lambda: read_json(f"{topic}.dlq"), until=lambda p: len(p) == 1)
    assert parked["code"] == "EVENT_ID_CONFLICT"


async def test_a_refusal_is_one_warning_and_a_bug_keeps_its_traceback(
    db: AsyncDatabase[Doc], topic: str, publisher: KafkaPublisher, logs: Log
) -> None:
    async def handler(event: Envelope) -> None:
        if event.data.get("refuse"):
            raise Rejected("BAD_AMOUNT: lines.0.amount is negative")
        raise KeyError("a bug")

    async with consuming(db, topic, publisher, {TYPE: handler}, max_attempts=2) as consumer:
        await send(publisher, topic, visit(refuse=True), visit())
        await eventually(stat(consumer, "parked"), until=lambda n: n == 2)
    parked = await eventually(lambda: read_json(f"{topic}.dlq"), until=lambda p: len(p) == 2)
    assert [p["code"] for p in parked] == ["INVALID_DATA", "HANDLER_FAILED"]
    assert parked[0]["reason"] == "BAD_AMOUNT: lines.0.amount is negative"
    assert [(level, event) for level, event, _ in logs.lines] == [
        ("warning", "event_parked"),  # the refusal: one line, no traceback
        ("exception", "event_handler_failed"),  # the bug, with its traceback
        ("warning", "event_handler_failed"),  # its retry
        ("warning", "event_parked"),
    ]


async def test_a_handler_that_hangs_is_a_failure_not_a_stopped_partition(
    db: AsyncDatabase[Doc],
    topic: str,
    publisher: KafkaPublisher,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(applying, "HANDLER_SECONDS", 0.2)
    counting = counting_handler(db)

    async def handler(event: Envelope) -> None:
        if event.data.get("hang"):
            await asyncio.Event().wait()
        await counting(event)

    handlers: dict[str, Handler] = {TYPE: handler}
    async with consuming(db, topic, publisher, handlers, max_attempts=2) as consumer:
        await send(publisher, topic, visit(hang=True), visit())
        await eventually(stat(consumer, "handled"), until=lambda n: n == 1)
        assert consumer.stats.parked == 1
    [parked] = await eventually(lambda: read_json(f"{topic}.dlq"), until=lambda p: len(p) == 1)
    assert parked["code"] == "HANDLER_FAILED" and "TimeoutError" in parked["reason"]


async def test_messages_that_break_parsing_or_storage_stop_nothing(
    db: AsyncDatabase[Doc], topic: str, publisher: KafkaPublisher
) -> None:
    counting = counting_handler(db)

    async def batch(events: list[Envelope]) -> list[Envelope]:
        for event in events:
            await counting(event)
        return []

    deep = b"[" * 100_000 + b"]" * 100_000
    # A lone surrogate is valid JSON but no database can store it: refused on reading.
    unstorable = json.dumps(
        {**visit().to_dict(), "id": "lone-surrogate", "tenant": "\ud800"}
    ).encode()
    async with consuming(
        db, topic, publisher, {TYPE: counting}, batch_handlers={TYPE: batch}, max_attempts=2
    ) as consumer:
        await publisher.publish_many(
            [
                (topic, b"t1:c1", deep),
                (topic, b"", unstorable),
                (topic, b"t1:c1", visit().to_bytes()),
            ]
        )  # without a key, so that the key names no other tenant
        await eventually(stat(consumer, "parked"), until=lambda n: n == 2, timeout=10)
        await eventually(lambda: visits(db), until=lambda n: n == 1)
    parked = await eventually(lambda: read_json(f"{topic}.dlq"), until=lambda p: len(p) == 2)
    assert [p["code"] for p in parked] == ["INVALID_ENVELOPE", "INVALID_ENVELOPE"]


async def test_a_run_whose_ids_cannot_be_recorded_goes_one_at_a_time(
    db: AsyncDatabase[Doc],
    topic: str,
    publisher: KafkaPublisher,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    counting = counting_handler(db)
    batched: list[int] = []

    async def batch(events: list[Envelope]) -> list[Envelope]:
        batched.append(len(events))
        return events

    async def refused(*_: object) -> set[int]:
        raise WriteError("invalid value", 2)

    monkeypatch.setattr(processed_events, "insert_new", refused)
    async with consuming(
        db, topic, publisher, {TYPE: counting}, batch_handlers={TYPE: batch}
    ) as consumer:
        await send(publisher, topic, visit(), visit())
        await eventually(lambda: visits(db), until=lambda n: n == 2)
        assert consumer.stats.parked == 0
    assert batched == []  # never reached: each message went one at a time
