"""Idempotent event consumer.

- Offsets are committed only after the effect is written (manual commit), so a crash
  replays messages rather than losing them.
- Replays have no second effect: a handler either writes its effect keyed by the event
  (an insert whose `_id` derives from the event id), or guards a state update with the
  event id (`once`), and the processed id is also recorded in `_processed_events`
  (unique `_id`) so a replayed event is dropped before any work.
- What cannot be handled goes to `<topic>.dlq` with the reason, and the partition
  moves on: permanently bad messages at once, transient failures after retries.
- Events without a tenant are refused (never applied to "no tenant").
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition
from opentelemetry.trace import SpanKind
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import (
    ConnectionFailure,
    DuplicateKeyError,
    NetworkTimeout,
    ServerSelectionTimeoutError,
)

from plumbing import topics
from plumbing.envelope import Envelope, InvalidEnvelope
from plumbing.logs import get_logger
from plumbing.metrics import CONSUMER_LAG, DLQ_EVENTS, EVENT_SECONDS, EVENTS_HANDLED
from plumbing.mongo import Doc, write_gate
from plumbing.tracing import from_kafka_headers, span_from

PROCESSED = "_processed_events"
SEEN_FIELD = "_events"
SEEN_KEEP = 64

log = get_logger("plumbing.consumer")

Handler = Callable[[Envelope], Awaitable[None]]


class Rejected(Exception):
    """The event can never be applied (unknown client, invalid data): park it on the DLQ."""


class Publisher(Protocol):
    async def publish(self, topic: str, key: bytes, value: bytes) -> None: ...


def once(event_id: str) -> tuple[Doc, Doc]:
    """Filter and update fragments that apply a state update at most once per event.

    The filter matches only documents that have not seen the event; the update records
    it, in the same single-document write as the effect. The list keeps the last
    `SEEN_KEEP` ids: replays arrive close to the original on the same partition.
    """
    return (
        {SEEN_FIELD: {"$ne": event_id}},
        {"$push": {SEEN_FIELD: {"$each": [event_id], "$slice": -SEEN_KEEP}}},
    )


def merge(*updates: Mapping[str, Any]) -> Doc:
    """Merge MongoDB update documents operator by operator."""
    merged: Doc = {}
    for update in updates:
        for op, fields in update.items():
            merged.setdefault(op, {}).update(fields)
    return merged


@dataclass
class ConsumerStats:
    handled: int = 0
    skipped: int = 0
    parked: int = 0


class EventConsumer:
    """Consumes topics for one service; handlers are looked up by event type."""

    def __init__(
        self,
        *,
        db: AsyncDatabase[Doc],
        bootstrap: str,
        group: str,
        topics_: list[str],
        handlers: Mapping[str, Handler],
        dlq_publisher: Publisher,
        max_attempts: int = 5,
        retry_base_seconds: float = 0.2,
    ) -> None:
        self._db = db
        self._bootstrap = bootstrap
        self._group = group
        self._topics = topics_
        self._handlers = dict(handlers)
        self._dlq = dlq_publisher
        self._max_attempts = max_attempts
        self._retry_base = retry_base_seconds
        self.stats = ConsumerStats()
        self.ready = asyncio.Event()
        # Fault-test hook: runs after an effect, before its offset is committed.
        self.after_effect: Callable[[], Awaitable[None]] | None = None

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            consumer = AIOKafkaConsumer(
                *self._topics,
                bootstrap_servers=self._bootstrap,
                group_id=self._group,
                enable_auto_commit=False,
                auto_offset_reset="earliest",
                max_poll_records=500,
                session_timeout_ms=10_000,
                heartbeat_interval_ms=1_000,
                request_timeout_ms=15_000,
                retry_backoff_ms=200,
            )
            try:
                await asyncio.wait_for(consumer.start(), 60)
                self.ready.set()
                await self._loop(consumer, stop)
            except Exception as exc:  # broker gone: start over on a fresh connection
                log.warning("consumer_restarting", group=self._group, error=repr(exc))
                await asyncio.sleep(1.0)
            finally:
                self.ready.clear()
                try:
                    await asyncio.wait_for(consumer.stop(), 15)
                except Exception as exc:
                    log.warning("consumer_stop_failed", error=repr(exc))

    async def _loop(self, consumer: AIOKafkaConsumer, stop: asyncio.Event) -> None:
        while not stop.is_set():
            # Deadlines on every broker call: after a broker restart an aiokafka call can
            # wait forever without raising; a timeout makes `run` start over cleanly
            # (uncommitted messages come again and are dropped as duplicates).
            batches: dict[
                TopicPartition, list[ConsumerRecord[bytes, bytes]]
            ] = await asyncio.wait_for(consumer.getmany(timeout_ms=200, max_records=500), 30)
            if not batches:
                continue
            # One partition after another: handlers may read-modify-write a read model that
            # events from several topics touch (a client's profile), which is only safe
            # when one event at a time is applied per process.
            for records in batches.values():
                await self._apply(records)
            await asyncio.wait_for(
                consumer.commit({tp: records[-1].offset + 1 for tp, records in batches.items()}),
                30,
            )
            for tp, records in batches.items():
                highwater = consumer.highwater(tp)
                if highwater is not None:
                    CONSUMER_LAG.labels(tp.topic, str(tp.partition)).set(
                        max(highwater - records[-1].offset - 1, 0)
                    )

    async def _apply(self, records: list[ConsumerRecord[bytes, bytes]]) -> None:
        for record in records:
            await self.handle(record)
            if self.after_effect is not None:
                await self.after_effect()

    async def handle(self, record: ConsumerRecord[bytes, bytes]) -> None:
        """Apply one message. While the database is unreachable the message is retried
        (the partition waits), never parked: an outage must not turn effects into DLQ
        entries."""
        delay = self._retry_base
        while True:
            try:
                await self._handle(record)
                return
            except (ConnectionFailure, NetworkTimeout, ServerSelectionTimeoutError) as exc:
                log.warning("consumer_waiting_for_database", topic=record.topic, error=repr(exc))
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)

    async def _handle(self, record: ConsumerRecord[bytes, bytes]) -> None:
        started = time.perf_counter()
        try:
            envelope = Envelope.from_bytes(record.value)
        except InvalidEnvelope as exc:
            await self._park(record, None, f"invalid envelope: {exc}")
            return
        handler = self._handlers.get(envelope.type)
        if handler is None:
            # Not ours (or a newer version nobody here reads yet): nothing to do.
            self.stats.skipped += 1
            return
        if await self._db[PROCESSED].find_one({"_id": self._processed_id(envelope)}, {"_id": 1}):
            self.stats.skipped += 1
            EVENTS_HANDLED.labels(record.topic, envelope.type, "duplicate").inc()
            return
        for attempt in range(1, self._max_attempts + 1):
            try:
                with span_from(
                    from_kafka_headers(record.headers),
                    f"consume {envelope.type}",
                    SpanKind.CONSUMER,
                    **{
                        "messaging.destination": record.topic,
                        "event.id": envelope.id,
                        "tenant": envelope.tenant,
                    },
                ):
                    await handler(envelope)
                break
            except Rejected as exc:
                await self._park(record, envelope, str(exc))
                return
            except (ConnectionFailure, NetworkTimeout, ServerSelectionTimeoutError):
                raise  # infrastructure, not this message: wait for it in `handle`
            except Exception as exc:
                log.warning(
                    "event_handler_failed",
                    event_id=envelope.id,
                    type=envelope.type,
                    tenant=envelope.tenant,
                    attempt=attempt,
                    error=repr(exc),
                )
                if attempt == self._max_attempts:
                    await self._park(record, envelope, f"failed {attempt} times: {exc!r}")
                    return
                await asyncio.sleep(self._retry_base * 2 ** (attempt - 1))
        await self._mark_processed(envelope)
        self.stats.handled += 1
        EVENTS_HANDLED.labels(record.topic, envelope.type, "applied").inc()
        EVENT_SECONDS.labels(record.topic).observe(time.perf_counter() - started)

    def _processed_id(self, envelope: Envelope) -> str:
        return f"{self._group}:{envelope.id}"

    async def _mark_processed(self, envelope: Envelope) -> None:
        try:
            async with write_gate(self._db):
                await self._db[PROCESSED].insert_one(
                    {
                        "_id": self._processed_id(envelope),
                        "tenant": envelope.tenant,
                        "type": envelope.type,
                        "at": datetime.now(UTC),
                    }
                )
        except DuplicateKeyError:
            pass

    async def _park(
        self, record: ConsumerRecord[bytes, bytes], envelope: Envelope | None, reason: str
    ) -> None:
        self.stats.parked += 1
        DLQ_EVENTS.labels(record.topic).inc()
        log.warning(
            "event_parked",
            topic=record.topic,
            offset=record.offset,
            event_id=envelope.id if envelope else None,
            tenant=envelope.tenant if envelope else None,
            reason=reason,
        )
        payload = {
            "reason": reason,
            "consumer": self._group,
            "topic": record.topic,
            "partition": record.partition,
            "offset": record.offset,
            "event_id": envelope.id if envelope else None,
            "tenant": envelope.tenant if envelope else None,
            "type": envelope.type if envelope else None,
            "value": (record.value or b"").decode("utf-8", errors="replace"),
            "parked_at": datetime.now(UTC).isoformat(),
        }
        # Parking must not be lost either: retry until Kafka takes it.
        while True:
            try:
                await self._dlq.publish(
                    topics.dlq(record.topic),
                    record.key or b"",
                    json.dumps(payload).encode(),
                )
                return
            except Exception as exc:
                log.warning("dlq_publish_failed", error=repr(exc))
                await asyncio.sleep(1.0)
