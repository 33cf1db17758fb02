"""Transactional outbox without transactions.

FerretDB v1 has no multi-document transactions, so a state change and the events it
causes are written in ONE single-document update: the events are pushed onto the
aggregate document's `_outbox` array by the same `update` that changes its state
(`with_events`). Nothing is ever published inline from a request.

The relay moves them to Kafka with an idempotent producer and only then pulls them
from the array. If it dies in between, the events are published again and consumers
drop the duplicates by event id (at-least-once delivery, exactly-once effect).

Finding pending events fast: after the write, the writer bumps a small "hint"
document (`_outbox_hints`, keyed by collection and document id) and wakes the relay.
The relay reads hints by scanning that small collection, not the aggregates. A hint is
removed only if nobody bumped it meanwhile, so an event written while the relay was
busy is never stranded. A crash between the write and the hint leaves an event with no
hint: the periodic sweep over the aggregate collections finds it.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from opentelemetry.trace import SpanKind
from pymongo.asynchronous.database import AsyncDatabase

from plumbing.envelope import Envelope
from plumbing.kafka import Message
from plumbing.logs import get_logger
from plumbing.metrics import OUTBOX_BACKLOG, OUTBOX_PUBLISHED
from plumbing.mongo import Doc, backend, document_lock, write_gate
from plumbing.tracing import current_traceparent, kafka_headers, span_from

OUTBOX_FIELD = "_outbox"
HINTS = "_outbox_hints"

log = get_logger("plumbing.outbox")


def stored(envelope: Envelope, topic: str) -> Doc:
    """An outbox entry: already serialised, so the relay only copies bytes. It keeps the
    trace context of the request that caused it, so the trace goes on to the consumers."""
    entry: Doc = {
        "id": envelope.id,
        "topic": topic,
        "key": envelope.key,
        "value": envelope.to_bytes(),
    }
    trace_context = current_traceparent()
    if trace_context:
        entry["trace"] = trace_context
    return entry


def with_events(update: Mapping[str, Any], entries: Sequence[Doc]) -> Doc:
    """Add outbox entries to a MongoDB update document (same atomic write)."""
    merged: Doc = {op: dict(fields) for op, fields in update.items()}
    if entries:
        push = merged.setdefault("$push", {})
        push[OUTBOX_FIELD] = {"$each": list(entries)}
    return merged


class Publisher(Protocol):
    async def publish_many(self, messages: list[Message]) -> None: ...


class Outbox:
    """The writer side: tells the relay that a document has pending events."""

    def __init__(self, db: AsyncDatabase[Doc]) -> None:
        self._hints = db[HINTS]
        self.wake = asyncio.Event()

    async def written(self, collection: str, doc_id: str) -> None:
        hint = f"{collection}|{doc_id}"
        async with document_lock(HINTS, hint), write_gate(self._hints):
            await self._hints.update_one({"_id": hint}, {"$inc": {"n": 1}}, upsert=True)
        self.wake.set()


@dataclass
class RelayStats:
    published: int = 0
    rounds: int = 0


class OutboxRelay:
    """Publishes pending outbox entries of the given collections, then marks them sent."""

    def __init__(
        self,
        db: AsyncDatabase[Doc],
        publisher: Publisher,
        collections: Iterable[str],
        *,
        outbox: Outbox | None = None,
        poll_seconds: float = 0.2,
        sweep_seconds: float = 30.0,
        batch: int = 200,
        parallel: int = 16,
        sweep_limit: int = 2000,
    ) -> None:
        self._db = db
        self._publisher = publisher
        self._collections = list(collections)
        self._outbox = outbox or Outbox(db)
        self._poll = poll_seconds
        self._sweep_every = sweep_seconds
        self._batch = batch
        self._parallel = parallel
        self.sweep_limit = sweep_limit
        self.stats = RelayStats()
        self.before_mark: Callable[[], Awaitable[None]] | None = None  # fault-test hook

    async def run(self, stop: asyncio.Event) -> None:
        loop = asyncio.get_running_loop()
        next_sweep = 0.0  # sweep once at start: a previous process may have died mid-way
        quiet_sweeps = 0
        backoff = self._poll
        while not stop.is_set():
            try:
                if loop.time() >= next_sweep:
                    swept = await self.sweep()
                    # A sweep reads every aggregate (no index FerretDB would use): after
                    # sweeps that found nothing it runs less often, up to 8x the period.
                    quiet_sweeps = 0 if swept else min(quiet_sweeps + 1, 3)
                    # A full sweep means more may be waiting: look again once drained.
                    next_sweep = loop.time() + (
                        0 if swept >= self.sweep_limit else self._sweep_every * 2**quiet_sweeps
                    )
                moved = await self.drain()
                backoff = self._poll
                if moved:
                    continue
            except Exception as exc:  # Kafka or the database is down: retry, never give up
                log.warning("outbox_relay_failed", error=repr(exc))
                # A write may have lost its hint during the outage: sweep again soon.
                quiet_sweeps = 0
                next_sweep = min(next_sweep, loop.time() + self._sweep_every)
                backoff = min(backoff * 2, 5.0)
                await _sleep_or_stop(stop, backoff)
                continue
            self._outbox.wake.clear()
            await _wait_any(stop, self._outbox.wake, seconds=self._poll)

    async def sweep(self) -> int:
        """Re-hint aggregates that still hold unsent events (at most `sweep_limit` a round).

        Skipped while hints exist: known work goes first, and a backlog of hints would
        otherwise be re-hinted (a full scan) every round instead of being published."""
        hints = self._db[HINTS]
        if await hints.find_one({}, {"_id": 1}) is not None:
            return 0
        found = 0
        for name in self._collections:
            cursor = (
                self._db[name]
                .find({f"{OUTBOX_FIELD}.0": {"$exists": True}}, {"_id": 1})
                .limit(self.sweep_limit)
            )
            async for doc in cursor:
                await self._outbox.written(name, doc["_id"])
                found += 1
        if found:
            log.info("outbox_sweep_found_pending", documents=found)
        return found

    async def drain(self) -> int:
        """Publish what the current hints point at; returns how many events moved."""
        hints = await self._db[HINTS].find({}).limit(self._batch).to_list()
        OUTBOX_BACKLOG.set(len(hints))
        # Documents are independent (one document's events stay in order), so a backlog
        # is relayed several documents at a time.
        moved = 0
        for start in range(0, len(hints), self._parallel):
            chunk = hints[start : start + self._parallel]
            moved += sum(await asyncio.gather(*(self._relay_one(h) for h in chunk)))
        self.stats.rounds += 1
        return moved

    async def _relay_one(self, hint: Doc) -> int:
        collection, _, doc_id = str(hint["_id"]).partition("|")
        doc = await self._db[collection].find_one({"_id": doc_id}, {OUTBOX_FIELD: 1})
        entries: list[Doc] = list((doc or {}).get(OUTBOX_FIELD) or [])
        if entries:
            # Sent in array order: one client's events stay in order on its partition.
            messages: list[Message] = []
            for entry in entries:
                with span_from(entry.get("trace"), f"publish {entry['topic']}", SpanKind.PRODUCER):
                    headers = kafka_headers(current_traceparent())
                messages.append(
                    (entry["topic"], str(entry["key"]).encode(), bytes(entry["value"]), headers)
                )
            await self._publisher.publish_many(messages)
            if self.before_mark is not None:
                await self.before_mark()
            # $pullAll with the exact entries read: FerretDB v1 ignores $pull conditions
            # on sub-documents, and entries pushed meanwhile stay untouched.
            async with document_lock(collection, doc_id), write_gate(self._db):
                await self._db[collection].update_one(
                    {"_id": doc_id}, {"$pullAll": {OUTBOX_FIELD: entries}}
                )
            OUTBOX_PUBLISHED.inc(len(entries))
            self.stats.published += len(entries)
        # Removed only if no writer bumped it since we read it; otherwise go round again.
        # Checked on the hint read by `_id` (with `n` in the filter FerretDB's SQLite
        # backend would scan every hint); the lock orders it with this process's bumps.
        async with document_lock(HINTS, hint["_id"]):
            if not backend.id_only_pushdown:
                await self._db[HINTS].delete_one({"_id": hint["_id"], "n": hint["n"]})
                return len(entries)
            now = await self._db[HINTS].find_one({"_id": hint["_id"]}, {"n": 1})
            if now is not None and now.get("n") == hint["n"]:
                async with write_gate(self._db):
                    await self._db[HINTS].delete_one({"_id": hint["_id"]})
        return len(entries)


async def _sleep_or_stop(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), timeout=seconds)


async def _wait_any(stop: asyncio.Event, wake: asyncio.Event, *, seconds: float) -> None:
    waiters = [asyncio.ensure_future(stop.wait()), asyncio.ensure_future(wake.wait())]
    try:
        await asyncio.wait(waiters, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for waiter in waiters:
            waiter.cancel()
