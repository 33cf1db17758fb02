"""Applying one message: refusals, the record of processed events, the handler with its
deadline and retries, waiting for a prerequisite, and parking.

- A message that is not an envelope, or that the admission rules refuse (no tenant, a
  tenant or key that does not match its topic), is parked at once.
- A type no catalog of the platform knows is parked (`UNKNOWN_TYPE`); a known type this
  consumer does not read is skipped (a topic carries many types).
- A replay is dropped before any work (`plumbing.processed_events`); the same id with
  other content is parked (`EVENT_ID_CONFLICT`).
- The handler has a deadline (`HANDLER_SECONDS`) and a few attempts; `Rejected` parks
  at once, `Pending` makes the fact wait (`plumbing.waiting`) and `plumbing.redrive`
  tries it again. Only an outage (database) goes up, so that the message is retried
  and never parked.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TypeAlias

from aiokafka import ConsumerRecord
from opentelemetry.trace import SpanKind
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import ConnectionFailure, NetworkTimeout, ServerSelectionTimeoutError

from plumbing import dlq, fact_reports, topics
from plumbing.admission import refusal
from plumbing.envelope import Envelope, InvalidEnvelope
from plumbing.event_handlers import Handler, Pending, Rejected
from plumbing.logs import get_logger
from plumbing.metrics import EVENT_ID_CONFLICTS, EVENT_SECONDS, EVENTS_HANDLED
from plumbing.mongo import Doc
from plumbing.processed_events import ProcessedEvents, content_hash
from plumbing.tracing import from_kafka_headers, span_from
from plumbing.waiting import Entry, Waiting

# The most one event's handler may take: a handler that hangs is a failure (retried,
# then parked), never a partition stopped for good.
HANDLER_SECONDS = 60.0
DATABASE_DOWN = (ConnectionFailure, NetworkTimeout, ServerSelectionTimeoutError)
# What applying a message did.
APPLIED = "applied"
DUPLICATE = "duplicate"
SKIPPED = "skipped"
PARKED = "parked"
WAITING = "waiting"

log = get_logger("plumbing.consumer")

Record: TypeAlias = "ConsumerRecord[bytes, bytes]"


@dataclass
class ConsumerStats:
    handled: int = 0
    skipped: int = 0
    parked: int = 0
    waiting: int = 0  # facts put aside for a missing prerequisite
    redriven: int = 0  # waiting facts applied later
    conflicts: int = 0  # event ids reused with other content


class WaitingSignals:
    """Which waiting facts may be ready: the studios with waiting facts (as of the last
    pass of `plumbing.redrive`), and the (tenant, subject) of events applied since."""

    def __init__(self) -> None:
        self.tenants: set[str] = set()
        self.nudged: set[tuple[str, str | None]] = set()
        self.wake = asyncio.Event()

    def waits(self, tenant: str) -> None:
        self.tenants.add(tenant)
        self.wake.set()

    def nudge(self, envelope: Envelope) -> None:
        """An event was applied: a fact of the same studio and subject may wait for it,
        and so may any of the studio's facts if the event is about no one in particular
        (a session), or if the fact is (a refund that names only its invoice)."""
        if envelope.tenant in self.tenants:
            self.nudged.add((envelope.tenant, envelope.subject))
            self.wake.set()


class Applier:
    """Applies messages one at a time for one consumer group."""

    def __init__(
        self,
        *,
        db: AsyncDatabase[Doc],
        group: str,
        handlers: Mapping[str, Handler],
        known_types: Collection[str],
        dead_letters: dlq.DeadLetters,
        waiting: Waiting,
        max_attempts: int,
        retry_base_seconds: float,
        stats: ConsumerStats,
    ) -> None:
        self.group = group
        self.handlers = dict(handlers)
        # Types of the platform's contract: those this consumer does not read are skipped.
        self._known = frozenset(known_types)
        self._dead_letters = dead_letters
        self.waiting = waiting
        self.processed = ProcessedEvents(db, group)
        self.signals = WaitingSignals()
        # One event at a time per process, whether read from Kafka or tried again.
        self.lock = asyncio.Lock()
        self._max_attempts = max_attempts
        self.retry_base = retry_base_seconds
        self.stats = stats
        # What this consumer reports about the facts it settles (`plumbing.fact_reports`).
        self.reports: fact_reports.SettledFacts | None = None

    def settled(
        self, envelope: Envelope, outcome: str, code: str | None = None, reason: str | None = None
    ) -> None:
        if self.reports is not None:
            self.reports.note(envelope, outcome, code, reason)

    async def handle(self, record: Record) -> None:
        """Apply one message. While the database is unreachable the message is retried
        (the partition waits), never parked: an outage must not turn effects into DLQ
        entries."""
        delay = self.retry_base
        while True:
            try:
                await self.guarded(record)
                return
            except DATABASE_DOWN as exc:
                log.warning("consumer_waiting_for_database", topic=record.topic, error=repr(exc))
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)

    async def guarded(self, record: Record, redriven: Entry | None = None) -> str:
        """`_handle`, where a failure of the consumer's own work on this message (not the
        handler's: those are retried and parked in `_handle`), such as a write the
        database refuses for this message, parks it: read again, it would fail again and
        stop the partition for good. An outage still waits (`DATABASE_DOWN` goes up)."""
        try:
            return await self._handle(record, redriven)
        except DATABASE_DOWN:
            raise
        except Exception as exc:
            log.exception(
                "consumer_failed_on_message",
                consumer=self.group,
                topic=record.topic,
                partition=record.partition,
                offset=record.offset,
            )
            await self.park(record, None, f"the consumer failed on it: {exc!r}", dlq.HANDLER_FAILED)
            return PARKED

    async def _handle(self, record: Record, redriven: Entry | None = None) -> str:
        """Apply one message (or a waiting fact, `redriven`); returns what was done."""
        started = time.perf_counter()
        try:
            envelope = Envelope.from_bytes(record.value)
        except InvalidEnvelope as exc:
            await self.park(record, None, f"invalid envelope: {exc}", dlq.INVALID_ENVELOPE)
            return PARKED
        refused = refusal(record.topic, record.key, envelope)
        if refused is not None:
            # Not reported: the studio it names is not one the topic vouches for.
            await self.park(record, envelope, str(refused), reported=False)
            return PARKED
        handler = self.handlers.get(envelope.type)
        if handler is None:
            if envelope.type in self._known:
                # Another context's event (or a kind of fact) this consumer does not read.
                self.stats.skipped += 1
                return SKIPPED
            await self.park(
                record,
                envelope,
                f"unknown event type {envelope.type!r}: no context of the platform publishes it",
                dlq.UNKNOWN_TYPE,
            )
            return PARKED
        content = content_hash(envelope)
        verdict = await self.processed.verdict(envelope, content)
        if verdict == "conflict":
            await self.conflict(record, envelope)
            return PARKED
        if verdict == "duplicate":
            self.duplicate(record, envelope)
            return DUPLICATE
        if redriven is None and envelope.tenant in self.signals.tenants:
            # Another message with this id may wait already: the first one wins.
            waiting = await self.waiting.get(envelope.id)
            if waiting is not None and waiting.hash != content:
                await self.conflict(record, envelope)
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
                await self.park(record, envelope, exc.reason, exc.code)
                return PARKED
            except DATABASE_DOWN:
                raise  # infrastructure, not this message: wait for it in `handle`
            except Exception as exc:
                # Not a refusal: a bug or a fault. The first failure keeps its traceback.
                fields = {
                    "consumer": self.group,
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
                    await self.park(
                        record, envelope, f"failed {attempt} times: {exc!r}", dlq.HANDLER_FAILED
                    )
                    return PARKED
                await asyncio.sleep(self.retry_base * 2 ** (attempt - 1))
        await self.processed.mark(envelope, content)
        self.stats.handled += 1
        EVENTS_HANDLED.labels(record.topic, envelope.type, "applied").inc()
        EVENT_SECONDS.labels(record.topic).observe(time.perf_counter() - started)
        self.signals.nudge(envelope)
        self.settled(envelope, fact_reports.APPLIED)
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
                await self.park(
                    record,
                    envelope,
                    f"waited {waited} s for what it needs: {pending}",
                    dlq.PREREQUISITE_MISSING,
                )
                return PARKED
            await self.waiting.again(redriven, code=pending.code, reason=pending.reason, now=now)
            return WAITING
        already = await self.waiting.hold(
            record, envelope, content, code=pending.code, reason=pending.reason, now=now
        )
        if already is not None and already.hash != content:
            await self.conflict(record, envelope)
            return PARKED
        self.signals.waits(envelope.tenant)
        if already is None:
            self.settled(envelope, fact_reports.WAITING, pending.code, pending.reason)
            self.stats.waiting += 1
            EVENTS_HANDLED.labels(record.topic, envelope.type, "waiting").inc()
            log.info(
                "event_waiting",
                consumer=self.group,
                code=pending.code,
                event_id=envelope.id,
                type=envelope.type,
                tenant=envelope.tenant,
                reason=pending.reason,
            )
        return WAITING

    def duplicate(self, record: Record, envelope: Envelope) -> None:
        self.stats.skipped += 1
        EVENTS_HANDLED.labels(record.topic, envelope.type, "duplicate").inc()

    async def conflict(self, record: Record, envelope: Envelope) -> None:
        self.stats.conflicts += 1
        EVENT_ID_CONFLICTS.labels(topics.family(record.topic)).inc()
        await self.park(
            record,
            envelope,
            f"event id {envelope.id!r} was seen with other content; the first is kept",
            dlq.EVENT_ID_CONFLICT,
        )

    async def park(
        self,
        record: Record,
        envelope: Envelope | None,
        reason: str,
        code: str | None = None,
        *,
        reported: bool = True,
    ) -> None:
        """Park a message on its DLQ (bounded, `plumbing.dlq`). Without a `code`, the one
        the reason starts with (`TENANT_MISMATCH: …`), else INVALID_DATA."""
        self.stats.parked += 1
        where = dlq.Where(record.topic, record.partition, record.offset, record.key, record.value)
        code = code or dlq.code_of(reason, dlq.INVALID_DATA)
        await self._dead_letters.park(where, envelope, code=code, reason=reason)
        if envelope is not None and reported:
            self.settled(envelope, fact_reports.PARKED, code, reason)
