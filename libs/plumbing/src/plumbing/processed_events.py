"""The record of the events a consumer has applied (`_processed_events`).

One document per consumer group and event id (unique `_id`), with a hash of what the
event says: a replayed event is dropped before any work, and the same id with other
content is another event reusing the id (the first is kept, the other parked). A batch
run records its ids with one insert before its effect (`via: batch`), so such a record
proves nothing about the effect: the event goes to its handler again, idempotently.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Literal

from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from plumbing.envelope import Envelope
from plumbing.mongo import Doc, insert_new, write_gate

PROCESSED = "_processed_events"

Verdict = Literal["new", "duplicate", "conflict", "again"]


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


def verdict(seen: Doc | None, content: str) -> Verdict:
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


class ProcessedEvents:
    """One consumer group's record of processed events."""

    def __init__(self, db: AsyncDatabase[Doc], group: str) -> None:
        self._db = db
        self._records = db[PROCESSED]
        self._group = group

    def key(self, envelope: Envelope) -> str:
        return f"{self._group}:{envelope.id}"

    async def verdict(self, envelope: Envelope, content: str) -> Verdict:
        seen = await self._records.find_one({"_id": self.key(envelope)}, {"hash": 1, "via": 1})
        return verdict(seen, content)

    async def mark(self, envelope: Envelope, content: str) -> None:
        """Record an event whose effect is written."""
        doc: Doc = {
            "_id": self.key(envelope),
            "tenant": envelope.tenant,
            "type": envelope.type,
            "at": datetime.now(UTC),
            "hash": content,
        }
        try:
            async with write_gate(self._db):
                await self._records.insert_one(doc)
        except DuplicateKeyError:
            # Recorded by a batch run before its effect (`record_run`): now it is applied.
            # Only this process applies this event now (its partition's owner, or the
            # claim of a waiting fact), so the read-modify-write is safe.
            async with write_gate(self._db):
                # By `_id` alone: any other filter reads the whole collection on FerretDB.
                await self._records.update_one({"_id": doc["_id"]}, {"$unset": {"via": ""}})

    async def record_run(
        self, envelopes: Sequence[Envelope], hashes: Sequence[str]
    ) -> dict[int, Verdict]:
        """Record a batch run's ids with one insert, before its effect (`via: batch`);
        returns the verdict of each position whose id was recorded already.

        An id a batch run recorded before (a crash between this insert and the effect,
        or the same event twice in one run) is `again`; one the one-at-a-time path
        recorded after its effect is a duplicate; one recorded with another content hash
        is a conflict."""
        now = datetime.now(UTC)
        # Four fields, not six: a bulk write costs by the number of fields (FerretDB).
        docs: list[Doc] = [
            {"_id": self.key(envelope), "at": now, "hash": content, "via": "batch"}
            for envelope, content in zip(envelopes, hashes, strict=True)
        ]
        existed = sorted(await insert_new(self._records, docs))
        if not existed:
            return {}
        # Only replays get here: their records are read one by one (an `$in` on `_id`
        # reads the whole collection on FerretDB).
        found = await asyncio.gather(
            *(self._records.find_one({"_id": docs[i]["_id"]}) for i in existed)
        )
        return {i: verdict(seen, hashes[i]) for i, seen in zip(existed, found, strict=True)}
