"""Transactional outbox without transactions: the writer's side.

FerretDB v1 has no multi-document transactions, so a state change and the events it
causes are written in ONE single-document update: the events are pushed onto the
aggregate document's `_outbox` array by the same `update` that changes its state
(`with_events`). Nothing is ever published inline from a request; the relay
(`plumbing.outbox_relay`) moves the events to Kafka.

Finding pending events fast: after the write, the writer bumps a small "hint"
document (`_outbox_hints`, keyed by collection and document id) and wakes the relay.
The relay reads hints by scanning that small collection, not the aggregates. A hint is
removed only if nobody bumped it meanwhile, so an event written while the relay was
busy is never stranded. A crash between the write and the hint leaves an event with no
hint: the relay's periodic sweep over the aggregate collections finds it.

Batches (a consumer applying hundreds of events with one bulk insert): pushing each
document's events and pulling them again would cost two writes per document. Instead
the events of the whole batch wait in ONE hint, written before the documents and made
ready by a small marker after them (`begin_batch`, `commit_batch`); each document names
its batch. The relay publishes a ready batch and drops its hint; one left unready by a
writer that died is published after `STALE_BATCH` for exactly the documents that exist
and name it. The hint's groups are one packed string (`plumbing.packed`): written once,
read whole.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from plumbing.envelope import Envelope
from plumbing.ids import new_id
from plumbing.mongo import Doc, document_lock, write_gate
from plumbing.packed import pack, unpack
from plumbing.tracing import current_traceparent

OUTBOX_FIELD = "_outbox"
HINTS = "_outbox_hints"
# Documents written in a batch name it here; their events wait in the batch's hint.
BATCH_FIELD = "_batch"
# How long a batch hint may stay unready before the relay decides its writer died (a
# bulk write takes well under a second; the database's own timeouts are far shorter).
STALE_BATCH = timedelta(minutes=5)
READY = "|ready"


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


# The relay's wake-up call: one per event loop and database, whichever `Outbox` a writer
# holds (a writer with an `Outbox` of its own used to leave the relay to its next poll).
_wakes: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[str, asyncio.Event]] = (
    weakref.WeakKeyDictionary()
)


class Outbox:
    """The writer side: tells the relay that a document has pending events."""

    def __init__(self, db: AsyncDatabase[Doc]) -> None:
        self._hints = db[HINTS]
        self._database = db.name

    @property
    def wake(self) -> asyncio.Event:
        """Set by every writer of this database in this process; the relay waits on it."""
        per_database = _wakes.setdefault(asyncio.get_running_loop(), {})
        wake = per_database.get(self._database)
        if wake is None:
            wake = per_database[self._database] = asyncio.Event()
        return wake

    async def written(self, collection: str, doc_id: str) -> None:
        hint = f"{collection}|{doc_id}"
        async with document_lock(HINTS, hint), write_gate(self._hints):
            await self._hints.update_one({"_id": hint}, {"$inc": {"n": 1}}, upsert=True)
        self.wake.set()

    async def begin_batch(self, collection: str, groups: Mapping[str, Sequence[Doc]]) -> str:
        """Start a batch: many documents written together by one bulk insert, their events
        held by ONE hint document instead of by each of them (one write, not one per
        document, and one more for the relay to drop it). Returns the batch id, which each
        written document must carry in `BATCH_FIELD`.

        The hint is written first and is not ready until `commit_batch`, so the relay
        never publishes events of documents not written yet. If the writer dies in
        between, the relay takes the hint up after `STALE_BATCH` and publishes the events
        of exactly the documents that exist and carry the batch id."""
        batch = f"{collection}|*{new_id()}"
        hint: Doc = {
            "_id": batch,
            "n": 1,
            "at": datetime.now(UTC),
            "groups": pack(
                [
                    {"doc": doc_id, "entries": list(entries)}
                    for doc_id, entries in groups.items()
                    if entries
                ]
            ),
        }
        async with write_gate(self._hints):
            await self._hints.insert_one(hint)
        return batch

    async def commit_batch(self, batch: str, lost: Sequence[str]) -> None:
        """The documents of the batch are written (`lost`: those that lost a race, whose
        events must never go out): the relay may publish. A small marker of its own, so
        that the batch's large hint is written once and never rewritten."""
        async with write_gate(self._hints):
            await self._hints.insert_one(
                {"_id": f"{batch}{READY}", "n": 1, "ready_for": batch, "lost": list(lost)}
            )
        self.wake.set()

    async def pending(self, batch: str) -> bool:
        """Whether a batch's events are still waiting for the relay."""
        return await self._hints.find_one({"_id": batch}, {"_id": 1}) is not None


def batch_groups(hint: Doc) -> list[Doc]:
    """A batch hint's groups (`{doc, entries}`), packed or, written before packing, as
    they are."""
    groups = hint.get("groups") or []
    return list(unpack(groups) if isinstance(groups, str) else groups)
