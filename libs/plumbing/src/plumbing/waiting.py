"""Facts that wait for what they need: a cancellation for its booking, a refund for its
sale, a booking for its session, any fact for its client card.

Partners send facts in any order, and the outbox relay publishes different facts in no
guaranteed order either. A handler that finds a prerequisite missing raises
`plumbing.event_handlers.Pending`; the consumer keeps the message here (`_waiting`, one
document per consumer group and event id) and commits its offset, so the partition
moves on. The consumer process tries it again (`plumbing.redrive`): soon after
any event of the same studio is applied (that may be what it waited for), otherwise
after 1 s, 2 s, 4 s … up to `MAX_PAUSE`, for `CONSUMER_WAIT_SECONDS` in all; then it is
parked on `<topic>.dlq` with `PREREQUISITE_MISSING`.

FerretDB updates are read-modify-write without isolation and there are no multi-document
transactions; only inserting a new `_id` is atomic. So each try is claimed by inserting
`<group>:<event id>#<attempt>` into `_waiting_claims`: of two consumer replicas that see
the same due entry, one inserts the claim and tries, the other skips it; the winner reads
the entry again, in case its view was older than a try already made. The entry itself is
then written by that one replica only (its attempt count moves on, or it is deleted) and
the claim removed, and the handler's own idempotence (the processed-events record,
`apply_once`, claims of natural keys) still holds for the event. A claim left by a
process that died during its try is given up once older than any try can take.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from aiokafka import ConsumerRecord
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from plumbing.envelope import Envelope
from plumbing.mongo import Doc, write_gate

WAITING = "_waiting"
CLAIMS = "_waiting_claims"
FIRST_PAUSE = 1.0
MAX_PAUSE = 30.0


@dataclass(frozen=True, slots=True)
class Entry:
    """A waiting fact: the message as it was read, and when to try it again."""

    id: str
    tenant: str
    subject: str | None
    event_id: str
    hash: str
    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes
    headers: tuple[tuple[str, bytes], ...]
    code: str
    reason: str
    first_seen: datetime
    attempts: int
    next_attempt: datetime
    deadline: datetime

    def record(self) -> ConsumerRecord[bytes, bytes]:
        """The message again, as the consumer read it."""
        return ConsumerRecord(
            topic=self.topic,
            partition=self.partition,
            offset=self.offset,
            timestamp=0,
            timestamp_type=0,
            key=self.key,
            value=self.value,
            checksum=None,
            serialized_key_size=len(self.key or b""),
            serialized_value_size=len(self.value),
            headers=self.headers,
        )

    @classmethod
    def of(cls, doc: Mapping[str, Any]) -> Entry:
        return cls(
            id=str(doc["_id"]),
            tenant=str(doc.get("tenant") or ""),
            subject=str(doc["subject"]) if doc.get("subject") else None,
            event_id=str(doc.get("event_id") or ""),
            hash=str(doc.get("hash") or ""),
            topic=str(doc["topic"]),
            partition=int(doc.get("partition") or 0),
            offset=int(doc.get("offset") or 0),
            key=bytes(doc["key"]) if doc.get("key") is not None else None,
            value=bytes(doc["value"]),
            headers=tuple((str(h["k"]), bytes(h["v"])) for h in doc.get("headers") or ()),
            code=str(doc.get("code") or ""),
            reason=str(doc.get("reason") or ""),
            first_seen=_aware(doc["first_seen"]),
            attempts=int(doc.get("attempts") or 0),
            next_attempt=_aware(doc["next_attempt"]),
            deadline=_aware(doc["deadline"]),
        )


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def pause_after(attempts: int, first: float = FIRST_PAUSE, cap: float = MAX_PAUSE) -> float:
    """Seconds before try number `attempts + 1`: 1, 2, 4 … `cap`."""
    return min(first * 2.0 ** max(attempts - 1, 0), cap)


class Waiting:
    """One consumer group's waiting facts, in its service's database."""

    def __init__(
        self,
        db: AsyncDatabase[Doc],
        group: str,
        *,
        window_seconds: float,
        stale_claim_seconds: float = 600.0,
    ) -> None:
        self._entries = db[WAITING]
        self._claims = db[CLAIMS]
        self._group = group
        # Longer than a try can take (every attempt of a handler at its deadline): a
        # claim this old belongs to a process that died during its try.
        self.stale_claim = timedelta(seconds=stale_claim_seconds)
        self.window = timedelta(seconds=window_seconds)

    def entry_id(self, event_id: str) -> str:
        return f"{self._group}:{event_id}"

    async def hold(
        self,
        record: ConsumerRecord[bytes, bytes],
        envelope: Envelope,
        content_hash: str,
        *,
        code: str,
        reason: str,
        now: datetime,
    ) -> Entry | None:
        """Keep a message until what it needs arrives. Returns None if it is kept now, or
        the entry that already waits under the same event id (a replay, or another
        message reusing the id: compare `hash`)."""
        doc: Doc = {
            "_id": self.entry_id(envelope.id),
            "group": self._group,
            "tenant": envelope.tenant,
            "subject": envelope.subject,
            "event_id": envelope.id,
            "type": envelope.type,
            "hash": content_hash,
            "topic": record.topic,
            "partition": record.partition,
            "offset": record.offset,
            "key": record.key,
            "value": record.value or b"",
            # Documents, not pairs: FerretDB refuses arrays nested in arrays.
            "headers": [{"k": k, "v": v} for k, v in record.headers or ()],
            "code": code,
            "reason": reason[:2000],
            "first_seen": now,
            "attempts": 1,
            "next_attempt": now + timedelta(seconds=pause_after(1)),
            "deadline": now + self.window,
        }
        try:
            async with write_gate(self._entries):
                await self._entries.insert_one(doc)
            return None
        except DuplicateKeyError:
            found = await self._entries.find_one({"_id": doc["_id"]})
            return Entry.of(found) if found is not None else None

    async def all(self) -> list[Entry]:
        """This group's waiting facts, oldest first (the order they were read in).

        The collection only holds what waits (each entry goes once applied or parked),
        so reading it whole is cheap; on FerretDB any filter but `_id` reads it whole
        anyway."""
        docs = await self._entries.find({"group": self._group}).to_list()
        entries = [Entry.of(doc) for doc in docs]
        return sorted(entries, key=lambda e: (e.first_seen, e.topic, e.partition, e.offset))

    async def get(self, event_id: str) -> Entry | None:
        found = await self._entries.find_one({"_id": self.entry_id(event_id)})
        return Entry.of(found) if found is not None else None

    async def claim(self, entry: Entry, now: datetime) -> Entry | None:
        """The entry as it is now, if this process makes the try after `entry.attempts`
        (see the module); None if another one does, or did meanwhile. A try claimed by a
        process that died during it is given up, so that the next one can be claimed."""
        claim_id = self._claim_id(entry)
        try:
            async with write_gate(self._claims):
                await self._claims.insert_one({"_id": claim_id, "at": now})
        except DuplicateKeyError:
            found = await self._claims.find_one({"_id": claim_id})
            if found is not None and _aware(found["at"]) < now - self.stale_claim:
                # Every replica that sees it sets the same count: no race to lose.
                await self.again(entry, code=entry.code, reason=entry.reason, now=now)
            return None
        # Our view may be old: the try may have been made, and its claim released.
        fresh = await self._entries.find_one({"_id": entry.id})
        if fresh is None or int(fresh.get("attempts") or 0) != entry.attempts:
            await self._release(claim_id)
            return None
        return Entry.of(fresh)

    async def again(self, entry: Entry, *, code: str, reason: str, now: datetime) -> None:
        """Still waiting after a try: the next one after the next pause (never after the
        deadline, when the last try is made)."""
        attempts = entry.attempts + 1
        following = min(now + timedelta(seconds=pause_after(attempts)), entry.deadline)
        async with write_gate(self._entries):
            await self._entries.update_one(
                {"_id": entry.id},
                {
                    "$set": {
                        "attempts": attempts,
                        "next_attempt": following,
                        "code": code,
                        "reason": reason[:2000],
                    }
                },
            )
        await self._release(self._claim_id(entry))

    async def done(self, entry: Entry) -> None:
        """The fact was applied, parked or found applied already: forget it."""
        async with write_gate(self._entries):
            await self._entries.delete_one({"_id": entry.id})
        await self._release(self._claim_id(entry))

    def _claim_id(self, entry: Entry) -> str:
        return f"{entry.id}#{entry.attempts}"

    async def _release(self, claim_id: str) -> None:
        # At most one claim per fact exists, during its try: nothing piles up.
        async with write_gate(self._claims):
            await self._claims.delete_one({"_id": claim_id})
