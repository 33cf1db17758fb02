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
- Throughput: a service may give an event type a batch handler as well. Consecutive
  messages of that type on one partition are then applied together (a few bulk writes
  instead of several writes per event). A batch handler is idempotent by its own keys
  (no `_processed_events` record is written for what it applied) and hands back the
  events it leaves to the one-at-a-time handler: the rare cases (a conflict, a replay,
  a rejection), all of one subject's events if any of them. If it fails, the whole run
  goes through the one-at-a-time handler, which waits for the database and retries.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol, TypeAlias, TypeVar

from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition
from opentelemetry.trace import SpanKind
from pydantic import BaseModel, ValidationError
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
# Messages fetched at once (over all partitions): the most a batch handler sees.
FETCH_MAX = 1000

log = get_logger("plumbing.consumer")

Handler = Callable[[Envelope], Awaitable[None]]
Record: TypeAlias = "ConsumerRecord[bytes, bytes]"
# Applies what it can of a run of events of one type; returns those it left.
BatchHandler = Callable[[list[Envelope]], Awaitable[list[Envelope]]]


class Rejected(Exception):
    """The event can never be applied (unknown client, invalid data): park it on the DLQ."""


class Publisher(Protocol):
    async def publish(self, topic: str, key: bytes, value: bytes) -> None: ...


T = TypeVar("T")


def newest_per_key(items: Iterable[tuple[Hashable, Envelope, T]]) -> list[tuple[Envelope, T]]:
    """Of a run's events about the same thing (`key`), the newest by event time (the
    later in the run on a tie): for read models where the newest wins anyway, a run
    then costs one write per thing, not one per event."""
    newest: dict[Hashable, tuple[Envelope, T]] = {}
    for key, envelope, value in items:
        if key not in newest or newest[key][0].time <= envelope.time:
            newest[key] = (envelope, value)
    return list(newest.values())


M = TypeVar("M", bound=BaseModel)


def newest_per_client(
    model: type[M],
    apply: Callable[[Envelope, M], Awaitable[None]],
    *,
    wanted: Callable[[M], bool] = lambda _: True,
) -> BatchHandler:
    """A batch handler for a read model that keeps only each client's newest value: of a
    run, each `(tenant, client_id)`'s newest event (`newest_per_key`) is applied. Events
    whose data is not a `model` are left to the one-at-a-time path (which parks them
    with their reason); those not `wanted` change nothing."""

    async def handle(events: list[Envelope]) -> list[Envelope]:
        readable: list[tuple[Hashable, Envelope, M]] = []
        left: list[Envelope] = []
        for event in events:
            try:
                data = model.model_validate(event.data)
            except ValidationError:
                left.append(event)
                continue
            if wanted(data):
                readable.append(((event.tenant, getattr(data, "client_id", None)), event, data))
        await asyncio.gather(*(apply(e, d) for e, d in newest_per_key(readable)))
        return left

    return handle


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
        batch_handlers: Mapping[str, BatchHandler] | None = None,
        max_attempts: int = 5,
        retry_base_seconds: float = 0.2,
    ) -> None:
        self._db = db
        self._bootstrap = bootstrap
        self._group = group
        self._topics = topics_
        self._handlers = dict(handlers)
        # Each batch handler stands beside a one-at-a-time handler of the same type.
        self._batch = {t: h for t, h in (batch_handlers or {}).items() if t in self._handlers}
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
                max_poll_records=FETCH_MAX,
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
            ] = await asyncio.wait_for(consumer.getmany(timeout_ms=200, max_records=FETCH_MAX), 30)
            if not batches:
                continue
            # One partition after another: handlers may read-modify-write a read model that
            # events from several topics touch (a client's profile), which is only safe
            # when one event at a time is applied per process.
            # Each message is read once here for the batch handlers (`_batchable`).
            fetched = [[(r, self._batchable(r)) for r in records] for records in batches.values()]
            merged = self._one_run(fetched)
            if merged is not None:
                await self._apply_run(merged)
            else:
                for parsed in fetched:
                    await self._apply(parsed)
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

    async def _apply(self, records: list[tuple[Record, Envelope | None]]) -> None:
        run: list[tuple[Record, Envelope]] = []
        for record, envelope in records:
            if run and (envelope is None or envelope.type != run[0][1].type):
                await self._apply_run(run)
                run = []
            if envelope is not None:
                run.append((record, envelope))
                continue
            await self.handle(record)
            if self.after_effect is not None:
                await self.after_effect()
        if run:
            await self._apply_run(run)

    def _one_run(
        self, fetched: list[list[tuple[Record, Envelope | None]]]
    ) -> list[tuple[Record, Envelope]] | None:
        """All the messages fetched, as one run, when they are all of one batched type
        (a burst on one topic): a subject's events live on one partition, so joining the
        partitions' runs keeps each subject's order, and the batch gets larger."""
        if not self._batch or len(fetched) < 2:
            return None
        run: list[tuple[Record, Envelope]] = []
        for records in fetched:
            for record, envelope in records:
                if envelope is None or (run and envelope.type != run[0][1].type):
                    return None
                run.append((record, envelope))
        return run

    def _batchable(self, record: Record) -> Envelope | None:
        if not self._batch:
            return None
        try:
            envelope = Envelope.from_bytes(record.value)
        except InvalidEnvelope:
            return None  # the one-at-a-time path parks it with the reason
        return envelope if envelope.type in self._batch else None

    async def _apply_run(self, run: list[tuple[Record, Envelope]]) -> None:
        """Apply a run of one type through its batch handler; what it leaves (or all of
        it, if it fails) goes through the one-at-a-time path, in the original order."""
        topic, kind = run[0][0].topic, run[0][1].type
        events = [envelope for _, envelope in run]
        started = time.perf_counter()
        try:
            with span_from(
                from_kafka_headers(run[0][0].headers),
                f"consume {kind} x{len(run)}",
                SpanKind.CONSUMER,
                **{"messaging.destination": topic, "messaging.batch.message_count": len(run)},
            ):
                left = await self._batch[kind](events)
        except Exception as exc:
            log.warning("batch_handler_failed", type=kind, events=len(run), error=repr(exc))
            left = events
        left_ids = {id(envelope) for envelope in left}
        applied = len(run) - len(left_ids)
        if applied:
            self.stats.handled += applied
            EVENTS_HANDLED.labels(topic, kind, "applied").inc(applied)
            per_event = (time.perf_counter() - started) / len(run)
            for _ in range(applied):
                EVENT_SECONDS.labels(topic).observe(per_event)
        for record, envelope in run:
            if id(envelope) in left_ids:
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
