"""The outbox relay: moves the events written with their states (`plumbing.outbox`) to
Kafka.

It publishes with an idempotent producer and only then pulls the events from their
document (or drops a batch's hint). If it dies in between, the events are published
again and consumers drop the duplicates by event id (at-least-once delivery,
exactly-once effect). Hints tell it where events wait; a periodic sweep over the
aggregate collections finds events whose hint was lost (a crash between the write and
the hint).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

from opentelemetry.trace import SpanKind
from pymongo.asynchronous.database import AsyncDatabase

from plumbing.clock import as_utc
from plumbing.kafka import Message
from plumbing.logs import get_logger
from plumbing.metrics import OUTBOX_BACKLOG, OUTBOX_PUBLISHED
from plumbing.mongo import Doc, backend, document_lock, write_gate
from plumbing.outbox import (
    BATCH_FIELD,
    HINTS,
    OUTBOX_FIELD,
    READY,
    STALE_BATCH,
    Outbox,
    batch_groups,
)
from plumbing.tracing import current_traceparent, kafka_headers, span_from

log = get_logger("plumbing.outbox")


class Publisher(Protocol):
    async def publish_many(self, messages: list[Message]) -> None: ...


QUIET_SWEEPS_MAX = 5  # the period doubles up to 2**5 times while sweeps find nothing


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
                    # A sweep reads every aggregate (no index FerretDB would use; 25 s
                    # over 200,000 cards): after sweeps that found nothing it runs less
                    # often, up to 32x the period. Lost hints come from a crash (swept at
                    # the next start) or a database outage (swept again soon, below).
                    quiet_sweeps = 0 if swept else min(quiet_sweeps + 1, QUIET_SWEEPS_MAX)
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
        # Batches one after another, oldest first (their ids sort by time): consecutive
        # batches may hold consecutive events of one client.
        for hint in sorted((h for h in hints if "groups" in h), key=lambda h: str(h["_id"])):
            moved += await self._relay_one(hint)
        batches = {str(h["_id"]) for h in hints if "groups" in h}
        for marker in (h for h in hints if "ready_for" in h):
            if marker["ready_for"] not in batches:
                await self._drop_orphan_marker(marker)
        singles = [h for h in hints if "groups" not in h and "ready_for" not in h]
        for start in range(0, len(singles), self._parallel):
            chunk = singles[start : start + self._parallel]
            moved += sum(await asyncio.gather(*(self._relay_one(h) for h in chunk)))
        self.stats.rounds += 1
        return moved

    async def _relay_one(self, hint: Doc) -> int:
        collection, _, doc_id = str(hint["_id"]).partition("|")
        if "groups" in hint:
            return await self._relay_batch(collection, hint)
        moved = await self._relay_docs(collection, [doc_id])
        # Removed only if no writer bumped it since we read it; otherwise go round again.
        # Checked on the hint read by `_id` (with `n` in the filter FerretDB's SQLite
        # backend would scan every hint); the lock orders it with this process's bumps.
        async with document_lock(HINTS, hint["_id"]):
            if not backend.id_only_pushdown:
                await self._db[HINTS].delete_one({"_id": hint["_id"], "n": hint["n"]})
                return moved
            now = await self._db[HINTS].find_one({"_id": hint["_id"]}, {"n": 1})
            if now is not None and now.get("n") == hint["n"]:
                async with write_gate(self._db):
                    await self._db[HINTS].delete_one({"_id": hint["_id"]})
        return moved

    async def _relay_batch(self, collection: str, hint: Doc) -> int:
        """A batch hint carries its events: publish them, then drop the hint and its
        ready marker."""
        groups = batch_groups(hint)
        marker = await self._db[HINTS].find_one({"_id": f"{hint['_id']}{READY}"})
        if marker is not None:
            lost = set(marker.get("lost") or [])
            groups = [g for g in groups if g["doc"] not in lost]
        else:
            if datetime.now(UTC) - as_utc(hint["at"]) < STALE_BATCH:
                return 0  # its writer is still at work
            # Its writer died: publish the events of the documents it did write.
            found = await asyncio.gather(
                *(
                    self._db[collection].find_one({"_id": g["doc"]}, {BATCH_FIELD: 1})
                    for g in groups
                )
            )
            groups = [
                g
                for g, doc in zip(groups, found, strict=True)
                if doc is not None and doc.get(BATCH_FIELD) == hint["_id"]
            ]
        messages = _messages([entry for group in groups for entry in group["entries"]])
        if messages:
            await self._publisher.publish_many(messages)
            if self.before_mark is not None:
                await self.before_mark()
            OUTBOX_PUBLISHED.inc(len(messages))
            self.stats.published += len(messages)
        async with write_gate(self._db):
            await self._db[HINTS].delete_one({"_id": hint["_id"]})
        if marker is not None:
            async with write_gate(self._db):
                await self._db[HINTS].delete_one({"_id": marker["_id"]})
        return len(messages)

    async def _drop_orphan_marker(self, marker: Doc) -> None:
        """A ready marker whose batch is gone (the relay died between the two deletes)."""
        if await self._db[HINTS].find_one({"_id": marker["ready_for"]}, {"_id": 1}) is None:
            async with write_gate(self._db):
                await self._db[HINTS].delete_one({"_id": marker["_id"]})

    async def _relay_docs(self, collection: str, doc_ids: Sequence[str]) -> int:
        """Publish the pending events of these documents, then pull them from each."""
        found = await asyncio.gather(
            *(self._db[collection].find_one({"_id": d}, {OUTBOX_FIELD: 1}) for d in doc_ids)
        )
        pending = [
            (doc_id, list(doc.get(OUTBOX_FIELD) or []))
            for doc_id, doc in zip(doc_ids, found, strict=True)
            if doc is not None and doc.get(OUTBOX_FIELD)
        ]
        if not pending:
            return 0
        # Sent in array order: one client's events stay in order on its partition.
        messages = _messages([entry for _, entries in pending for entry in entries])
        await self._publisher.publish_many(messages)
        if self.before_mark is not None:
            await self.before_mark()
        for doc_id, entries in pending:
            # $pullAll with the exact entries read: FerretDB v1 ignores $pull conditions
            # on sub-documents, and entries pushed meanwhile stay untouched.
            async with document_lock(collection, doc_id), write_gate(self._db):
                await self._db[collection].update_one(
                    {"_id": doc_id}, {"$pullAll": {OUTBOX_FIELD: entries}}
                )
        OUTBOX_PUBLISHED.inc(len(messages))
        self.stats.published += len(messages)
        return len(messages)


def _messages(entries: Sequence[Doc]) -> list[Message]:
    """The entries as Kafka messages, in order, each carrying its trace on: one producer
    span per run of entries of the same trace and topic (a consumer's bulk run writes
    hundreds of events in one trace), not one per event."""
    messages: list[Message] = []
    for (carrier, topic), run in itertools.groupby(
        entries, key=lambda e: (e.get("trace") or {}, str(e["topic"]))
    ):
        batch = list(run)
        attributes = {"messaging.batch.message_count": len(batch)} if len(batch) > 1 else {}
        with span_from(carrier, f"publish {topic}", SpanKind.PRODUCER, **attributes):
            headers = kafka_headers(current_traceparent())
        messages += [(topic, str(e["key"]).encode(), bytes(e["value"]), headers) for e in batch]
    return messages


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
