"""Idempotent event consumer.

- Offsets are committed only after the effect is written (manual commit), so a crash
  replays messages rather than losing them.
- Replays have no second effect: a handler either writes its effect keyed by the event
  (an insert whose `_id` derives from the event id), or guards a state update with the
  event id (`plumbing.event_handlers.once`), and the processed id is also recorded
  (`plumbing.processed_events`) so a replayed event is dropped before any work.
- What cannot be handled goes to `<topic>.dlq` (`plumbing.dlq`: a bounded record with a
  machine code and the reason), and the partition moves on: permanently bad messages
  at once, transient failures after retries (`plumbing.applying`). Nothing one message
  does holds a partition for long: handlers have a deadline, and a DLQ record Kafka
  refuses is skipped after a few tries. Only an outage (database, broker) makes the
  consumer wait.
- A fact whose prerequisite has not arrived yet (a cancellation before its booking)
  raises `Pending` in its handler: it waits in `_waiting` and is tried again
  (`plumbing.redrive`) until its window ends, then parked (`PREREQUISITE_MISSING`).
- Throughput: a service may give an event type a batch handler as well. Consecutive
  messages of that type on one partition are then applied together (a few bulk writes
  instead of several writes per event). The run's ids are recorded in
  `_processed_events` with one insert first (duplicates and conflicts are taken out
  there); a batch handler is idempotent by its own keys and hands back the events it
  leaves to the one-at-a-time handler: the rare cases (a conflict, a replay, a
  rejection), all of one subject's events if any of them. If it fails, the whole run
  goes through the one-at-a-time handler, which waits for the database and retries.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Collection, Mapping
from typing import Any, Protocol

from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition
from opentelemetry.trace import SpanKind
from pymongo.asynchronous.database import AsyncDatabase

from plumbing import dlq, event_types, fact_reports, topics
from plumbing.admission import refusal
from plumbing.applying import (
    DATABASE_DOWN,
    HANDLER_SECONDS,
    Applier,
    ConsumerStats,
    Record,
)
from plumbing.envelope import Envelope
from plumbing.event_handlers import BatchHandler, Handler
from plumbing.logs import get_logger
from plumbing.metrics import CONSUMER_LAG, EVENT_SECONDS, EVENTS_HANDLED
from plumbing.mongo import Doc
from plumbing.processed_events import content_hash
from plumbing.redrive import Redrive
from plumbing.tracing import from_kafka_headers, span_from
from plumbing.waiting import Waiting

# Messages fetched at once (over all partitions): the most a batch handler sees.
FETCH_MAX = 1000
# How long a fact may wait for its prerequisite (`CONSUMER_WAIT_SECONDS`).
WAIT_SECONDS = 600.0
# The most one run's batch handler may take (one event's: `HANDLER_SECONDS`).
BATCH_SECONDS = 120.0

log = get_logger("plumbing.consumer")


class Publisher(Protocol):
    async def publish(self, topic: str, key: bytes, value: bytes) -> None: ...


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
        wait_seconds: float = WAIT_SECONDS,
        known_types: Collection[str] | None = None,
        kafka_options: Mapping[str, Any] | None = None,
        reports: fact_reports.FactReports | None = None,
    ) -> None:
        self._bootstrap = bootstrap
        # SASL settings (`plumbing.kafka.client_options`), passed to every consumer made.
        self._kafka_options = dict(kafka_options or {})
        self._group = group
        self._topics = topics_
        # Each batch handler stands beside a one-at-a-time handler of the same type.
        self._batch = {t: h for t, h in (batch_handlers or {}).items() if t in handlers}
        self.stats = ConsumerStats()
        self._applier = Applier(
            db=db,
            group=group,
            handlers=handlers,
            known_types=known_types if known_types is not None else event_types.KNOWN,
            dead_letters=dlq.DeadLetters(dlq_publisher, group),
            waiting=Waiting(
                db,
                group,
                window_seconds=wait_seconds,
                # A try is every attempt of the handler at its deadline, and the pauses.
                stale_claim_seconds=max_attempts * (HANDLER_SECONDS + 5.0) + 60.0,
            ),
            max_attempts=max_attempts,
            retry_base_seconds=retry_base_seconds,
            stats=self.stats,
        )
        self._redrive = Redrive(self._applier)
        if reports is not None:
            self._applier.reports = fact_reports.SettledFacts(reports, dlq_publisher)
        self.ready = asyncio.Event()
        # Fault-test hook: runs after an effect, before its offset is committed.
        self.after_effect: Callable[[], Awaitable[None]] | None = None

    async def run(self, stop: asyncio.Event) -> None:
        # Waiting facts are tried again beside the partitions, never in their way.
        redriving = asyncio.create_task(self._redrive.run(stop), name=f"redrive-{self._group}")
        settled = self._applier.reports
        reporting = (
            asyncio.create_task(settled.run(stop), name=f"reports-{self._group}")
            if settled is not None
            else None
        )
        try:
            await self._consume(stop)
        finally:
            if reporting is not None:
                try:
                    await asyncio.wait_for(reporting, 10)
                except (Exception, asyncio.CancelledError) as exc:
                    log.warning("reports_stop_failed", consumer=self._group, error=repr(exc))
            try:
                await asyncio.wait_for(redriving, 10)
            except (Exception, asyncio.CancelledError) as exc:
                log.warning("redrive_stop_failed", consumer=self._group, error=repr(exc))

    async def _consume(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            consumer = AIOKafkaConsumer(
                bootstrap_servers=self._bootstrap,
                group_id=self._group,
                enable_auto_commit=False,
                auto_offset_reset="earliest",
                max_poll_records=FETCH_MAX,
                session_timeout_ms=10_000,
                heartbeat_interval_ms=1_000,
                request_timeout_ms=15_000,
                retry_backoff_ms=200,
                # A partner topic made while the consumer runs is read within seconds.
                metadata_max_age_ms=10_000,
                **self._kafka_options,
            )
            # The consumed topics, and the partner topics beside each consumed ingest topic.
            consumer.subscribe(pattern=topics.subscription(self._topics))
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
            async with self._applier.lock:
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
            await self._applier.handle(record)
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
        except Exception:
            return None  # the one-at-a-time path parks it with the reason
        if refusal(record.topic, record.key, envelope) is not None:
            return None  # the one-at-a-time path parks it with the reason
        return envelope if envelope.type in self._batch else None

    async def _apply_run(self, run: list[tuple[Record, Envelope]]) -> None:
        """Apply a run of one type through its batch handler; what it leaves (or all of
        it, if it fails) goes through the one-at-a-time path, in the original order."""
        delay = self._applier.retry_base
        while True:
            try:
                run = await self._recorded(run)
                break
            except DATABASE_DOWN as exc:
                log.warning("consumer_waiting_for_database", topic=run[0][0].topic, error=repr(exc))
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)
            except Exception as exc:
                # A record the database refuses (an id it cannot store): each message goes
                # through the one-at-a-time path, which parks what it cannot record.
                log.warning("batch_record_failed", consumer=self._group, error=repr(exc))
                for record, _ in run:
                    await self._applier.handle(record)
                return
        if not run:
            return
        topic, kind = run[0][0].topic, run[0][1].type
        events = [envelope for _, envelope in run]
        started = time.perf_counter()
        try:
            async with asyncio.timeout(BATCH_SECONDS):
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
                await self._applier.handle(record)
            else:
                self._applier.signals.nudge(envelope)
                self._applier.settled(envelope, fact_reports.APPLIED)
        if self.after_effect is not None:
            await self.after_effect()

    async def _recorded(self, run: list[tuple[Record, Envelope]]) -> list[tuple[Record, Envelope]]:
        """The run without duplicates and conflicts, its ids recorded with one insert
        (`ProcessedEvents.record_run`)."""
        envelopes = [envelope for _, envelope in run]
        verdicts = await self._applier.processed.record_run(
            envelopes, [content_hash(envelope) for envelope in envelopes]
        )
        if not verdicts:
            return run
        kept: list[tuple[Record, Envelope]] = []
        for i, (record, envelope) in enumerate(run):
            verdict = verdicts.get(i, "new")
            if verdict == "conflict":
                await self._applier.conflict(record, envelope)
            elif verdict == "duplicate":
                self._applier.duplicate(record, envelope)
            else:
                kept.append((record, envelope))
        return kept

    async def handle(self, record: ConsumerRecord[bytes, bytes]) -> None:
        """Apply one message (`Applier.handle`)."""
        await self._applier.handle(record)

    async def redrive_due(self, stop: asyncio.Event | None = None) -> float:
        """One pass over the waiting facts (`Redrive.due`)."""
        return await self._redrive.due(stop)
