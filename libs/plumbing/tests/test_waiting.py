"""Facts that arrive before what they need wait for it, then apply; never twice, never
forever. Against the real Kafka and FerretDB."""

from __future__ import annotations

import asyncio
import time
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from aiokafka import ConsumerRecord
from plumbing.consumer import WAIT_SECONDS, EventConsumer
from plumbing.envelope import Envelope
from plumbing.event_handlers import Handler, Pending
from plumbing.kafka import KafkaPublisher
from plumbing.mongo import Doc
from plumbing.redrive import Turns
from plumbing.testing import KAFKA_BOOTSTRAP, eventually
from plumbing.waiting import CLAIMS, WAITING, Entry, Waiting
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import WriteError

from .kafka_reading import read_json
from .test_consumer import consuming, send, stat

SESSION = "test.session_scheduled.v1"
BOOKING = "test.booking_made.v1"


def session(session_id: str = "S1") -> Envelope:
    return Envelope(type=SESSION, source="tests", tenant="t1", data={"session_id": session_id})


def booking(booking_id: str, session_id: str = "S1", **extra: object) -> Envelope:
    return Envelope(
        type=BOOKING,
        source="tests",
        tenant="t1",
        subject="c1",
        data={"booking_id": booking_id, "session_id": session_id, **extra},
    )


def booking_handlers(db: AsyncDatabase[Doc], applied: list[str]) -> dict[str, Handler]:
    """A booking needs its session. `applied` lists every application, so that applying
    one event twice shows (the handler itself is not idempotent)."""

    async def scheduled(event: Envelope) -> None:
        await db["sessions"].update_one(
            {"_id": event.data["session_id"]}, {"$set": {"seen": True}}, upsert=True
        )

    async def booked(event: Envelope) -> None:
        if await db["sessions"].find_one({"_id": event.data["session_id"]}) is None:
            raise Pending(f"unknown session {event.data['session_id']!r}", "UNKNOWN_SESSION")
        applied.append(str(event.data["booking_id"]))

    return {SESSION: scheduled, BOOKING: booked}


async def waiting(db: AsyncDatabase[Doc]) -> list[Doc]:
    return await db[WAITING].find({}).to_list()


async def test_a_fact_waits_for_its_prerequisite_and_applies_about_a_second_after_it(
    db: AsyncDatabase[Doc], topic: str, publisher: KafkaPublisher
) -> None:
    applied: list[str] = []
    async with consuming(db, topic, publisher, booking_handlers(db, applied)) as consumer:
        await send(publisher, topic, booking("B1"), booking("B2", session_id="S0"))
        await eventually(stat(consumer, "waiting"), until=lambda n: n == 2)
        # The partition moved on: a fact that needs nothing is applied meanwhile.
        await send(publisher, topic, session("S0"))
        await eventually(lambda: _list(applied), until=lambda a: a == ["B2"])
        # Let B1's pauses grow (1 s, 2 s, then 4 s): its session still comes within a second.
        await eventually(
            lambda: waiting(db), until=lambda w: bool(w) and w[0]["attempts"] >= 3, timeout=10
        )
        started = time.monotonic()
        await send(publisher, topic, session("S1"))
        await eventually(lambda: _list(applied), until=lambda a: a == ["B2", "B1"])
        assert time.monotonic() - started < 3.0  # the next try by its pauses: 4 s away
        assert consumer.stats.redriven == 2 and consumer.stats.parked == 0
    assert await waiting(db) == []
    assert await db[CLAIMS].find({}).to_list() == []


async def _list(items: list[str]) -> list[str]:
    return list(items)


async def test_a_fact_about_no_one_in_particular_is_tried_soon_after_any_event_of_its_studio(
    db: AsyncDatabase[Doc], topic: str, publisher: KafkaPublisher
) -> None:
    applied: list[str] = []
    handlers = booking_handlers(db, applied)

    async def refunded(event: Envelope) -> None:  # names only the booking, no client
        if event.data["booking_id"] not in applied:
            raise Pending(f"unknown booking {event.data['booking_id']!r}", "UNKNOWN_BOOKING")
        applied.append(f"refund:{event.data['booking_id']}")

    handlers["test.refund_made.v1"] = refunded
    refund = Envelope(
        type="test.refund_made.v1", source="tests", tenant="t1", data={"booking_id": "B1"}
    )
    async with consuming(db, topic, publisher, handlers) as consumer:
        await send(publisher, topic, session("S1"), refund)
        await eventually(
            lambda: waiting(db), until=lambda w: bool(w) and w[0]["attempts"] >= 3, timeout=10
        )
        started = time.monotonic()
        await send(publisher, topic, booking("B1"))  # about client c1
        await eventually(lambda: _list(applied), until=lambda a: a == ["B1", "refund:B1"])
        assert time.monotonic() - started < 3.0  # the next try by its pauses: 4 s away
        assert consumer.stats.redriven == 1


async def test_a_fact_whose_prerequisite_never_comes_is_parked_after_its_window(
    db: AsyncDatabase[Doc], topic: str, publisher: KafkaPublisher
) -> None:
    applied: list[str] = []
    lost = booking("B9", session_id="never")
    async with consuming(
        db, topic, publisher, booking_handlers(db, applied), wait_seconds=2.0
    ) as consumer:
        await send(publisher, topic, lost)
        await eventually(stat(consumer, "parked"), until=lambda n: n == 1, timeout=10)
    [parked] = await eventually(lambda: read_json(f"{topic}.dlq"), until=lambda p: len(p) == 1)
    assert parked["code"] == "PREREQUISITE_MISSING"
    assert parked["event_id"] == lost.id and "UNKNOWN_SESSION" in parked["reason"]
    assert applied == [] and await waiting(db) == []


async def test_another_message_reusing_a_waiting_facts_id_is_a_conflict(
    db: AsyncDatabase[Doc], topic: str, publisher: KafkaPublisher
) -> None:
    applied: list[str] = []
    first = booking("B1")
    reused = Envelope(
        id=first.id,
        type=BOOKING,
        source="tests",
        tenant="t1",
        subject="c1",
        data={"booking_id": "B666", "session_id": "S1"},
    )
    async with consuming(db, topic, publisher, booking_handlers(db, applied)) as consumer:
        await send(publisher, topic, first, first)  # a replay waits once
        await eventually(stat(consumer, "waiting"), until=lambda n: n == 1)
        await send(publisher, topic, reused, session("S1"))
        await eventually(lambda: _list(applied), until=lambda a: a == ["B1"])
        await eventually(stat(consumer, "conflicts"), until=lambda n: n == 1)
    [parked] = await eventually(lambda: read_json(f"{topic}.dlq"), until=lambda p: len(p) == 1)
    assert parked["code"] == "EVENT_ID_CONFLICT" and parked["event_id"] == first.id


class Letters:
    def __init__(self) -> None:
        self.sent: list[tuple[str, bytes, bytes]] = []

    async def publish(self, topic: str, key: bytes, value: bytes) -> None:
        self.sent.append((topic, key, value))


def replica(
    db: AsyncDatabase[Doc],
    group: str,
    applied: list[str],
    *,
    handlers: dict[str, Handler] | None = None,
    letters: Letters | None = None,
) -> EventConsumer:
    return EventConsumer(
        db=db,
        bootstrap=KAFKA_BOOTSTRAP,
        group=group,
        topics_=["test.unused"],
        handlers=handlers or booking_handlers(db, applied),
        dlq_publisher=letters or Letters(),
    )


def as_read(envelope: Envelope, offset: int) -> ConsumerRecord[bytes, bytes]:
    value = envelope.to_bytes()
    return ConsumerRecord(
        topic="test.bookings",
        partition=0,
        offset=offset,
        timestamp=0,
        timestamp_type=0,
        key=envelope.key.encode(),
        value=value,
        checksum=None,
        serialized_key_size=len(envelope.key),
        serialized_value_size=len(value),
        # As the relay sends them (FerretDB refuses arrays in arrays: they are kept as
        # documents while the fact waits).
        headers=(("traceparent", b"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"),),
    )


async def due_now(db: AsyncDatabase[Doc]) -> None:
    past = datetime.now(UTC) - timedelta(seconds=1)
    for doc in await waiting(db):
        await db[WAITING].update_one({"_id": doc["_id"]}, {"$set": {"next_attempt": past}})


async def test_two_replicas_never_apply_one_waiting_fact_twice(db: AsyncDatabase[Doc]) -> None:
    group = f"test-{uuid.uuid4().hex[:8]}"
    applied: list[str] = []
    one, other = replica(db, group, applied), replica(db, group, applied)
    names = [f"B{n}" for n in range(12)]
    for offset, name in enumerate(names):
        await one.handle(as_read(booking(name), offset))
    assert len(await waiting(db)) == 12 and applied == []
    await one.handle(as_read(session("S1"), 99))
    await due_now(db)
    await asyncio.gather(one.redrive_due(), other.redrive_due(), one.redrive_due())
    assert sorted(applied) == sorted(names)
    assert await waiting(db) == []
    assert one.stats.redriven + other.stats.redriven == 12


async def test_a_try_claimed_by_a_replica_that_died_is_given_up_and_tried_again(
    db: AsyncDatabase[Doc],
) -> None:
    group = f"test-{uuid.uuid4().hex[:8]}"
    applied: list[str] = []
    survivor = replica(db, group, applied)
    await survivor.handle(as_read(booking("B1"), 0))
    [entry] = await waiting(db)
    # Another replica claimed the next try long ago (longer than any try takes: every
    # attempt of the handler at its deadline) and died before finishing it.
    stale = datetime.now(UTC) - timedelta(minutes=15)
    await db[CLAIMS].insert_one({"_id": f"{entry['_id']}#{entry['attempts']}", "at": stale})
    await survivor.handle(as_read(session("S1"), 1))
    await due_now(db)
    await survivor.redrive_due()
    assert applied == []  # that try is given up, not made twice
    [given_up] = await waiting(db)
    assert given_up["attempts"] == entry["attempts"] + 1
    await due_now(db)
    await survivor.redrive_due()
    assert applied == ["B1"] and await waiting(db) == []


async def test_a_message_the_consumer_itself_fails_on_is_parked_not_read_forever(
    db: AsyncDatabase[Doc], monkeypatch: pytest.MonkeyPatch
) -> None:
    group = f"test-{uuid.uuid4().hex[:8]}"
    applied: list[str] = []
    letters = Letters()
    one = replica(db, group, applied, letters=letters)

    async def refused(*_: object, **__: object) -> None:
        raise WriteError("invalid value (nested arrays are not supported)", 2)

    monkeypatch.setattr(Waiting, "hold", refused)
    await one.handle(as_read(booking("B1"), 0))  # returns: parked, not raised
    assert one.stats.parked == 1
    [(topic, _, value)] = letters.sent
    assert topic == "test.bookings.dlq" and b"HANDLER_FAILED" in value


async def test_a_burst_before_one_card_costs_one_try_per_pass_until_the_card_comes(
    db: AsyncDatabase[Doc],
) -> None:
    group = f"test-{uuid.uuid4().hex[:8]}"
    applied: list[str] = []
    tries = {"n": 0}
    handlers = booking_handlers(db, applied)

    async def counted(event: Envelope) -> None:
        tries["n"] += 1
        await handlers[BOOKING](event)

    one = replica(db, group, applied, handlers={**handlers, BOOKING: counted})
    names = [f"B{n}" for n in range(20)]
    for offset, name in enumerate(names):
        await one.handle(as_read(booking(name), offset))
    tries["n"] = 0
    await due_now(db)
    await one.redrive_due()
    assert tries["n"] == 1  # the oldest still waits: the other 19 are held with it
    await due_now(db)
    await one.redrive_due()
    assert tries["n"] == 1  # held until the oldest's next attempt, not tried again
    await one.handle(as_read(session("S1"), 99))  # what they wait for comes
    await one.redrive_due()
    assert sorted(applied) == sorted(names) and tries["n"] == 21
    assert await waiting(db) == []


async def test_waiting_facts_take_turns_with_the_partitions() -> None:
    """A pass holds the process's one-event-at-a-time lock for slices: the partitions,
    waiting for it, have it between two slices."""
    lock = asyncio.Lock()
    turns = Turns(lock, 0.05)
    order: list[str] = []

    async def partitions() -> None:
        async with lock:
            order.append("partitions")

    await turns.take()
    fetched = asyncio.create_task(partitions())
    await asyncio.sleep(0.01)
    await turns.take()  # within the slice: the pass goes on
    order.append("waiting fact")
    await asyncio.sleep(0.06)
    await turns.take()  # the slice is used up: the partitions go first
    order.append("waiting fact")
    turns.give_back()
    await fetched
    assert order == ["waiting fact", "partitions", "waiting fact"]


async def test_a_replica_with_an_old_view_of_a_fact_does_not_try_it_again(
    db: AsyncDatabase[Doc],
) -> None:
    group = f"test-{uuid.uuid4().hex[:8]}"
    applied: list[str] = []
    one = replica(db, group, applied)
    other = Waiting(db, group, window_seconds=WAIT_SECONDS)  # another replica's store
    await one.handle(as_read(booking("B1"), 0))
    [doc] = await waiting(db)
    seen_before = Entry.of(doc)  # what the other replica read at its last pass
    await due_now(db)
    await one.redrive_due()  # a try: it still waits
    [after] = await waiting(db)
    assert after["attempts"] == seen_before.attempts + 1
    # The other replica's claim of the try already made succeeds, but it reads the fact
    # again, sees the try made, and lets go.
    assert await other.claim(seen_before, datetime.now(UTC)) is None
    assert await db[CLAIMS].find({}).to_list() == []  # no claim is left behind
