"""Idempotent event consumer.

- Offsets are committed only after the effect is written (manual commit), so a crash
  replays messages rather than losing them.
- Replays have no second effect: a handler either writes its effect keyed by the event
  (an insert whose `_id` derives from the event id), or guards a state update with the
  event id (`once`), and the processed id is also recorded in `_processed_events`
  (unique `_id`, with a hash of what the event says) so a replayed event is dropped
  before any work. The same id with other content is another event reusing the id: the
  first is kept, the other parked (`EVENT_ID_CONFLICT`).
- What cannot be handled goes to `<topic>.dlq` (`plumbing.dlq`: a bounded record with a
  machine code and the reason), and the partition moves on: permanently bad messages
  at once, transient failures after retries. Nothing one message does holds a partition
  for long: handlers have a deadline, and a DLQ record Kafka refuses is skipped after a
  few tries. Only an outage (database, broker) makes the consumer wait.
- A type no catalog of the platform knows is parked (`UNKNOWN_TYPE`); a known type this
  consumer does not read is skipped (a topic carries many types).
- A fact whose prerequisite has not arrived yet (a cancellation before its booking)
  raises `Pending` in its handler: it waits in `_waiting` and is tried again
  (`plumbing.waiting`) until its window ends, then parked (`PREREQUISITE_MISSING`).
- Events without a tenant are refused (never applied to "no tenant").
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
import contextlib
import hashlib
import json
import time
from collections.abc import Awaitable, Callable, Collection, Hashable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
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

from plumbing import dlq, event_types, topics
from plumbing.admission import refusal
from plumbing.envelope import Envelope, InvalidEnvelope
from plumbing.logs import get_logger
from plumbing.metrics import (
    CONSUMER_LAG,
    EVENT_ID_CONFLICTS,
    EVENT_SECONDS,
    EVENTS_HANDLED,
    EVENTS_WAITING,
)
from plumbing.mongo import Doc, insert_new, write_gate
from plumbing.tracing import from_kafka_headers, span_from
from plumbing.waiting import Entry, Waiting, pause_after

PROCESSED = "_processed_events"
SEEN_FIELD = "_events"
SEEN_KEEP = 64
# Messages fetched at once (over all partitions): the most a batch handler sees.
FETCH_MAX = 1000
# How long a fact may wait for its prerequisite (`CONSUMER_WAIT_SECONDS`).
WAIT_SECONDS = 600.0
# The most one event's handler, and one run's batch handler, may take: a handler that
# hangs is a failure (retried, then parked), never a partition stopped for good.
HANDLER_SECONDS = 60.0
BATCH_SECONDS = 120.0
# Waiting facts: at most one pass every REDRIVE_EVERY (a pass comes that soon after an
# event of the same studio is applied), and one at least every IDLE_PASS (to see what
# other replicas left waiting).
REDRIVE_EVERY = 0.5
IDLE_PASS = 5.0
# The longest a pass applies waiting facts before the partitions have their turn again.
REDRIVE_SLICE = 0.5
_DATABASE_DOWN = (ConnectionFailure, NetworkTimeout, ServerSelectionTimeoutError)
# What `_handle` did with a message.
APPLIED = "applied"
DUPLICATE = "duplicate"
SKIPPED = "skipped"
PARKED = "parked"
WAITING = "waiting"

log = get_logger("plumbing.consumer")

Handler = Callable[[Envelope], Awaitable[None]]
Record: TypeAlias = "ConsumerRecord[bytes, bytes]"
# Applies what it can of a run of events of one type; returns those it left.
BatchHandler = Callable[[list[Envelope]], Awaitable[list[Envelope]]]


class Rejected(Exception):
    """The event can never be applied (invalid data): park it on the DLQ at once."""

    def __init__(self, reason: str, code: str = dlq.INVALID_DATA) -> None:
        super().__init__(reason)
        self.reason = reason
        self.code = code


class Pending(Exception):
    """The event needs something that has not arrived yet (its session, its booking, the
    client's card): it waits and is tried again (`plumbing.waiting`). Raise it before
    writing anything. `code` names what is missing (`UNKNOWN_SESSION`…)."""

    def __init__(self, reason: str, code: str) -> None:
        super().__init__(f"{code}: {reason}")
        self.reason = reason
        self.code = code


def content_hash(envelope: Envelope) -> str:
    """What an event says, whatever its id and time: the same id with another hash is
    another event reusing the id."""
    canonical = json.dumps(
        {
            "type": envelope.type,
            "tenant": envelope.tenant,
            "subject": envelope.subject,
            "data": envelope.data,
        },
        sort_keys=True,
        separators=(",", ":"),
        default=str,
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


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
    waiting: int = 0  # facts put aside for a missing prerequisite
    redriven: int = 0  # waiting facts applied later
    conflicts: int = 0  # event ids reused with other content


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
    ) -> None:
        self._db = db
        self._bootstrap = bootstrap
        # SASL settings (`plumbing.kafka.client_options`), passed to every consumer made.
        self._kafka_options = dict(kafka_options or {})
        self._group = group
        self._topics = topics_
        self._handlers = dict(handlers)
        # Each batch handler stands beside a one-at-a-time handler of the same type.
        self._batch = {t: h for t, h in (batch_handlers or {}).items() if t in self._handlers}
        self._dead_letters = dlq.DeadLetters(dlq_publisher, group)
        # Types of the platform's contract: those this consumer does not read are skipped.
        self._known = frozenset(known_types if known_types is not None else event_types.KNOWN)
        self._waiting = Waiting(
            db,
            group,
            window_seconds=wait_seconds,
            # A try is every attempt of the handler at its deadline, and the pauses.
            stale_claim_seconds=max_attempts * (HANDLER_SECONDS + 5.0) + 60.0,
        )
        # Studios with waiting facts (as of the last pass), and the (tenant, subject) of
        # events applied since: their waiting facts are tried at the next pass.
        self._waiting_tenants: set[str] = set()
        self._nudged: set[tuple[str, str | None]] = set()
        # Kin of a waiting fact that still waited at its last try: not tried before this.
        self._held: dict[Hashable, datetime] = {}
        self._wake = asyncio.Event()
        # One event at a time per process, whether read from Kafka or tried again.
        self._applying = asyncio.Lock()
        self._max_attempts = max_attempts
        self._retry_base = retry_base_seconds
        self.stats = ConsumerStats()
        self.ready = asyncio.Event()
        # Fault-test hook: runs after an effect, before its offset is committed.
        self.after_effect: Callable[[], Awaitable[None]] | None = None

    async def run(self, stop: asyncio.Event) -> None:
        # Waiting facts are tried again beside the partitions, never in their way.
        redriving = asyncio.create_task(self.redrive(stop), name=f"redrive-{self._group}")
        try:
            await self._consume(stop)
        finally:
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
            async with self._applying:
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
        except Exception:
            return None  # the one-at-a-time path parks it with the reason
        if refusal(record.topic, record.key, envelope) is not None:
            return None  # the one-at-a-time path parks it with the reason
        return envelope if envelope.type in self._batch else None

    async def _apply_run(self, run: list[tuple[Record, Envelope]]) -> None:
        """Apply a run of one type through its batch handler; what it leaves (or all of
        it, if it fails) goes through the one-at-a-time path, in the original order."""
        delay = self._retry_base
        while True:
            try:
                run = await self._recorded(run)
                break
            except _DATABASE_DOWN as exc:
                log.warning("consumer_waiting_for_database", topic=run[0][0].topic, error=repr(exc))
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)
            except Exception as exc:
                # A record the database refuses (an id it cannot store): each message goes
                # through the one-at-a-time path, which parks what it cannot record.
                log.warning("batch_record_failed", consumer=self._group, error=repr(exc))
                for record, _ in run:
                    await self.handle(record)
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
                await self.handle(record)
            else:
                self._nudge(envelope)
        if self.after_effect is not None:
            await self.after_effect()

    async def _recorded(self, run: list[tuple[Record, Envelope]]) -> list[tuple[Record, Envelope]]:
        """The run without duplicates and conflicts, its ids recorded with one insert.

        The records are written before the batch handler applies anything (`via:
        batch`), so they prove nothing about the effect: an id a batch run recorded
        before (a crash between this insert and the effect, or the same event twice in
        one run) goes to the handler again, which is idempotent by its own keys. An id
        the one-at-a-time path recorded after its effect is a duplicate; one recorded
        with another content hash is a conflict."""
        now = datetime.now(UTC)
        hashes = [content_hash(envelope) for _, envelope in run]
        # Four fields, not six: a bulk write costs by the number of fields (FerretDB).
        docs: list[Doc] = [
            {"_id": self._processed_id(envelope), "at": now, "hash": content, "via": "batch"}
            for (_, envelope), content in zip(run, hashes, strict=True)
        ]
        existed = sorted(await insert_new(self._db[PROCESSED], docs))
        if not existed:
            return run
        # Only replays get here: their records are read one by one (an `$in` on `_id`
        # reads the whole collection on FerretDB).
        found = await asyncio.gather(
            *(self._db[PROCESSED].find_one({"_id": docs[i]["_id"]}) for i in existed)
        )
        verdicts = {i: _verdict(seen, hashes[i]) for i, seen in zip(existed, found, strict=True)}
        kept: list[tuple[Record, Envelope]] = []
        for i, (record, envelope) in enumerate(run):
            verdict = verdicts.get(i, "new")
            if verdict == "conflict":
                await self._conflict(record, envelope)
            elif verdict == "duplicate":
                self._duplicate(record, envelope)
            else:
                kept.append((record, envelope))
        return kept

    async def handle(self, record: ConsumerRecord[bytes, bytes]) -> None:
        """Apply one message. While the database is unreachable the message is retried
        (the partition waits), never parked: an outage must not turn effects into DLQ
        entries."""
        delay = self._retry_base
        while True:
            try:
                await self._guarded(record)
                return
            except _DATABASE_DOWN as exc:
                log.warning("consumer_waiting_for_database", topic=record.topic, error=repr(exc))
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)

    async def _guarded(self, record: Record, redriven: Entry | None = None) -> str:
        """`_handle`, where a failure of the consumer's own work on this message (not the
        handler's: those are retried and parked in `_handle`), such as a write the
        database refuses for this message, parks it: read again, it would fail again and
        stop the partition for good. An outage still waits (`_DATABASE_DOWN` goes up)."""
        try:
            return await self._handle(record, redriven)
        except _DATABASE_DOWN:
            raise
        except Exception as exc:
            log.exception(
                "consumer_failed_on_message",
                consumer=self._group,
                topic=record.topic,
                partition=record.partition,
                offset=record.offset,
            )
            await self._park(
                record, None, f"the consumer failed on it: {exc!r}", dlq.HANDLER_FAILED
            )
            return PARKED

    async def _handle(self, record: Record, redriven: Entry | None = None) -> str:
        """Apply one message (or a waiting fact, `redriven`); returns what was done."""
        started = time.perf_counter()
        try:
            envelope = Envelope.from_bytes(record.value)
        except InvalidEnvelope as exc:
            await self._park(record, None, f"invalid envelope: {exc}", dlq.INVALID_ENVELOPE)
            return PARKED
        refused = refusal(record.topic, record.key, envelope)
        if refused is not None:
            await self._park(record, envelope, str(refused))
            return PARKED
        handler = self._handlers.get(envelope.type)
        if handler is None:
            if envelope.type in self._known:
                # Another context's event (or a kind of fact) this consumer does not read.
                self.stats.skipped += 1
                return SKIPPED
            await self._park(
                record,
                envelope,
                f"unknown event type {envelope.type!r}: no context of the platform publishes it",
                dlq.UNKNOWN_TYPE,
            )
            return PARKED
        content = content_hash(envelope)
        seen = await self._db[PROCESSED].find_one(
            {"_id": self._processed_id(envelope)}, {"hash": 1, "via": 1}
        )
        verdict = _verdict(seen, content)
        if verdict == "conflict":
            await self._conflict(record, envelope)
            return PARKED
        if verdict == "duplicate":
            self._duplicate(record, envelope)
            return DUPLICATE
        if redriven is None and envelope.tenant in self._waiting_tenants:
            # Another message with this id may wait already: the first one wins.
            waiting = await self._waiting.get(envelope.id)
            if waiting is not None and waiting.hash != content:
                await self._conflict(record, envelope)
                return PARKED
        for attempt in range(1, self._max_attempts + 1):
            try:
                async with asyncio.timeout(HANDLER_SECONDS):
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
            except Pending as exc:
                return await self._wait(record, envelope, content, exc, redriven)
            except Rejected as exc:
                await self._park(record, envelope, exc.reason, exc.code)
                return PARKED
            except _DATABASE_DOWN:
                raise  # infrastructure, not this message: wait for it in `handle`
            except Exception as exc:
                # Not a refusal: a bug or a fault. The first failure keeps its traceback.
                fields = {
                    "consumer": self._group,
                    "event_id": envelope.id,
                    "type": envelope.type,
                    "tenant": envelope.tenant,
                    "attempt": attempt,
                }
                if attempt == 1:
                    log.exception("event_handler_failed", **fields)
                else:
                    log.warning("event_handler_failed", **fields, error=repr(exc))
                if attempt == self._max_attempts:
                    await self._park(
                        record, envelope, f"failed {attempt} times: {exc!r}", dlq.HANDLER_FAILED
                    )
                    return PARKED
                await asyncio.sleep(self._retry_base * 2 ** (attempt - 1))
        await self._mark_processed(envelope, content)
        self.stats.handled += 1
        EVENTS_HANDLED.labels(record.topic, envelope.type, "applied").inc()
        EVENT_SECONDS.labels(record.topic).observe(time.perf_counter() - started)
        self._nudge(envelope)
        return APPLIED

    async def _wait(
        self,
        record: Record,
        envelope: Envelope,
        content: str,
        pending: Pending,
        redriven: Entry | None,
    ) -> str:
        now = datetime.now(UTC)
        if redriven is not None:
            if now >= redriven.deadline:
                waited = round((now - redriven.first_seen).total_seconds())
                await self._park(
                    record,
                    envelope,
                    f"waited {waited} s for what it needs: {pending}",
                    dlq.PREREQUISITE_MISSING,
                )
                return PARKED
            await self._waiting.again(redriven, code=pending.code, reason=pending.reason, now=now)
            return WAITING
        already = await self._waiting.hold(
            record, envelope, content, code=pending.code, reason=pending.reason, now=now
        )
        if already is not None and already.hash != content:
            await self._conflict(record, envelope)
            return PARKED
        self._waiting_tenants.add(envelope.tenant)
        self._wake.set()
        if already is None:
            self.stats.waiting += 1
            EVENTS_HANDLED.labels(record.topic, envelope.type, "waiting").inc()
            log.info(
                "event_waiting",
                consumer=self._group,
                code=pending.code,
                event_id=envelope.id,
                type=envelope.type,
                tenant=envelope.tenant,
                reason=pending.reason,
            )
        return WAITING

    def _nudge(self, envelope: Envelope) -> None:
        """An event was applied: a fact of the same studio and subject may wait for it,
        and so may any of the studio's facts if the event is about no one in particular
        (a session), or if the fact is (a refund that names only its invoice)."""
        if envelope.tenant in self._waiting_tenants:
            self._nudged.add((envelope.tenant, envelope.subject))
            self._wake.set()

    async def redrive(self, stop: asyncio.Event) -> None:
        """Try waiting facts again until `stop` (`plumbing.waiting`)."""
        while not stop.is_set():
            started = time.monotonic()
            try:
                pause = await self.redrive_due(stop)
            except _DATABASE_DOWN as exc:
                log.warning("consumer_waiting_for_database", consumer=self._group, error=repr(exc))
                pause = IDLE_PASS
            except Exception:
                log.exception("redrive_failed", consumer=self._group)
                pause = IDLE_PASS
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(
                    stop.wait(), max(started + REDRIVE_EVERY - time.monotonic(), 0)
                )
            waking = asyncio.ensure_future(self._wake.wait())
            stopping = asyncio.ensure_future(stop.wait())
            try:
                await asyncio.wait({waking, stopping}, timeout=pause, return_when="FIRST_COMPLETED")
            finally:
                waking.cancel()
                stopping.cancel()

    async def redrive_due(self, stop: asyncio.Event | None = None) -> float:
        """One pass: try each waiting fact that is due, or whose studio and subject had an
        event applied since the last pass, oldest first. Returns the seconds until the
        next one is due.

        Facts that wait for the same thing (a burst before one client's card, bookings of
        one session) are tried oldest first, one per pass: while the oldest still waits,
        the others are held until its next attempt, in memory (a hundred facts for a card
        that has not come cost one try, not a hundred, each a claim and an update)."""
        self._wake.clear()
        nudged, self._nudged = self._nudged, set()
        studios = {tenant for tenant, _ in nudged}
        entries = await self._waiting.all()
        self._waiting_tenants = {entry.tenant for entry in entries}
        EVENTS_WAITING.labels(self._group).set(len(entries))
        now = datetime.now(UTC)
        kins = {_kin(entry) for entry in entries}
        self._held = {k: until for k, until in self._held.items() if until > now and k in kins}
        still_waiting: set[Hashable] = set()
        later: list[datetime] = []
        turns = _Turns(self._applying, REDRIVE_SLICE)
        try:
            for entry in entries:
                if stop is not None and stop.is_set():
                    break
                kin = _kin(entry)
                touched = (
                    (entry.tenant, None) in nudged
                    or (entry.tenant, entry.subject) in nudged
                    or (entry.subject is None and entry.tenant in studios)
                )
                due = max(entry.next_attempt, self._held.get(kin, entry.next_attempt))
                if kin in still_waiting or (due > now and not touched):
                    later.append(due)
                    continue
                # Tries share the process with the partitions, in slices: a busy consumer
                # still drains its waiting facts, and they never hold its partitions long.
                await turns.take()
                claimed = await self._waiting.claim(entry, datetime.now(UTC))
                if claimed is None:
                    continue  # another replica tries it, or did
                outcome = await self._guarded(claimed.record(), redriven=claimed)
                if outcome == WAITING:
                    still_waiting.add(kin)
                    pause = timedelta(seconds=pause_after(claimed.attempts + 1))
                    self._held[kin] = datetime.now(UTC) + pause
                    continue
                self._held.pop(kin, None)
                if outcome == APPLIED:
                    self.stats.redriven += 1
                await self._waiting.done(claimed)
        finally:
            turns.give_back()  # never left held: the partitions wait for it
        if not later:
            return IDLE_PASS
        return min(max((min(later) - datetime.now(UTC)).total_seconds(), 0.0), IDLE_PASS)

    def _processed_id(self, envelope: Envelope) -> str:
        return f"{self._group}:{envelope.id}"

    async def _mark_processed(self, envelope: Envelope, content: str) -> None:
        doc: Doc = {
            "_id": self._processed_id(envelope),
            "tenant": envelope.tenant,
            "type": envelope.type,
            "at": datetime.now(UTC),
            "hash": content,
        }
        try:
            async with write_gate(self._db):
                await self._db[PROCESSED].insert_one(doc)
        except DuplicateKeyError:
            # Recorded by a batch run before its effect (`_recorded`): now it is applied.
            # Only this process applies this event now (its partition's owner, or the
            # claim of a waiting fact), so the read-modify-write is safe.
            async with write_gate(self._db):
                # By `_id` alone: any other filter reads the whole collection on FerretDB.
                await self._db[PROCESSED].update_one({"_id": doc["_id"]}, {"$unset": {"via": ""}})

    def _duplicate(self, record: Record, envelope: Envelope) -> None:
        self.stats.skipped += 1
        EVENTS_HANDLED.labels(record.topic, envelope.type, "duplicate").inc()

    async def _conflict(self, record: Record, envelope: Envelope) -> None:
        self.stats.conflicts += 1
        EVENT_ID_CONFLICTS.labels(topics.family(record.topic)).inc()
        await self._park(
            record,
            envelope,
            f"event id {envelope.id!r} was seen with other content; the first is kept",
            dlq.EVENT_ID_CONFLICT,
        )

    async def _park(
        self,
        record: ConsumerRecord[bytes, bytes],
        envelope: Envelope | None,
        reason: str,
        code: str | None = None,
    ) -> None:
        """Park a message on its DLQ (bounded, `plumbing.dlq`). Without a `code`, the one
        the reason starts with (`TENANT_MISMATCH: …`), else INVALID_DATA."""
        self.stats.parked += 1
        where = dlq.Where(record.topic, record.partition, record.offset, record.key, record.value)
        await self._dead_letters.park(
            where, envelope, code=code or dlq.code_of(reason, dlq.INVALID_DATA), reason=reason
        )


class _Turns:
    """Holds a lock for turns of at most `seconds`: whoever waits for it (asyncio's locks
    are first come, first served) has it between two turns."""

    def __init__(self, lock: asyncio.Lock, seconds: float) -> None:
        self._lock = lock
        self._seconds = seconds
        self._since: float | None = None

    async def take(self) -> None:
        if self._since is not None and time.monotonic() - self._since > self._seconds:
            self.give_back()
        if self._since is None:
            await self._lock.acquire()
            self._since = time.monotonic()

    def give_back(self) -> None:
        if self._since is not None:
            self._lock.release()
            self._since = None


def _kin(entry: Entry) -> Hashable:
    """Waiting facts that wait for the same thing: the same studio, code and reason (the
    reason names what is missing: `unknown session 'S1'`, `unknown client 'c7'`)."""
    return (entry.tenant, entry.code, entry.reason)


def _verdict(seen: Doc | None, content: str) -> str:
    """What a `_processed_events` record says of an event with hash `content`: `new`
    (nothing recorded), `duplicate`, `conflict` (the id with other content), or `again`
    (recorded by a batch run before its effect: apply it again, idempotently). A record
    without a hash (written before hashes were) counts as the same content."""
    if seen is None:
        return "new"
    if seen.get("hash") and seen["hash"] != content:
        return "conflict"
    if seen.get("via") == "batch":
        return "again"
    return "duplicate"
