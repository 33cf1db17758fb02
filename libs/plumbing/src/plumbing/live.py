"""Live updates: where the domain events meet the graph's subscriptions.

Each API process that serves subscriptions runs one `LiveFeed` (an `api_tasks` entry):
a Kafka consumer of its own, partitions assigned by hand, no group and nothing committed,
so that every replica sees every event (subscribers are spread over the replicas by the
gateway's connections, and any of them may hold the subscriber an event is for). It
starts at the end of its topics and fans each event out to the local subscribers whose
key the event names (`keys(envelope)`: `tenant:client`, `tenant:role`…), so that an event
costs the subscribers it is for, not all of them.

Cursors. Every event handed to a subscriber carries a cursor: the feed's read position
in every partition just after that event (`topic:partition:next offset`). Offsets are
Kafka's, the same on every replica, so a cursor from one replica means the same on
another. A subscriber that comes back with its last cursor gets, from the feed's window
of recent events (`window` events, oldest dropped first), every event after it that is
for its key, once; when the window no longer reaches back that far (or this process
started after it) it is told to refetch instead (`Resume.REFETCH`). A subscriber that
falls `queue_size` events behind is also told to refetch and its subscription ends.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import time
from collections import deque
from collections.abc import AsyncIterator, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition
from prometheus_client import Counter, Gauge, Histogram

from plumbing.envelope import Envelope, InvalidEnvelope
from plumbing.kafka import partitions_of
from plumbing.logs import get_logger

log = get_logger("plumbing.live")

SUBSCRIBERS = Gauge("live_subscribers", "Open subscriptions served by this process", ["feed"])
DELIVERED = Counter("live_events_delivered_total", "Events handed to subscribers", ["feed"])
LAG = Histogram(
    "live_event_lag_seconds",
    "From an event's time to its hand-over to the subscribers of this process",
    ["feed"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
NEW_PARTITIONS_SECONDS = 60.0

Positions = tuple[tuple[str, int, int], ...]


class Resume(StrEnum):
    LIVE = "LIVE"  # no cursor: from now on
    REPLAYED = "REPLAYED"  # what was missed since the cursor comes first
    REFETCH = "REFETCH"  # the window does not reach back to the cursor: read again


class BadCursor(ValueError):
    """A cursor this feed did not write."""


@dataclass(frozen=True, slots=True)
class LiveEvent:
    envelope: Envelope
    topic: str
    partition: int
    offset: int
    positions: Positions  # every partition's next offset once this event was read

    @property
    def cursor(self) -> str:
        return encode_cursor(self.positions, (self.topic, self.partition))


def encode_cursor(positions: Positions, event: tuple[str, int] | None = None) -> str:
    """`topic:partition:next offset` for every partition, and after a `;` the partition of
    the event the cursor follows (so that a reader holding another replica's position can
    tell whether it has that event: the gateway's shared subscriptions)."""
    text = ",".join(f"{topic}:{partition}:{offset}" for topic, partition, offset in positions)
    if event is not None:
        text += f";{event[0]}:{event[1]}"
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> dict[tuple[str, int], int]:
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        positions: dict[tuple[str, int], int] = {}
        for part in filter(None, text.partition(";")[0].split(",")):
            topic, partition, offset = part.rsplit(":", 2)
            positions[(topic, int(partition))] = int(offset)
    except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
        raise BadCursor("this cursor was not given by this subscription") from exc
    return positions


@dataclass(eq=False)
class Subscriber:
    key: str
    queue: asyncio.Queue[LiveEvent | None]
    # Events of a partition below these offsets were already seen (a replica that is
    # behind the one that gave the cursor): skipped when they arrive.
    seen_below: dict[tuple[str, int], int] = field(default_factory=dict)
    overflowed: bool = False


@dataclass
class Opened:
    """A subscription: how it resumed, then its events (`None` when it fell behind)."""

    resume: Resume
    events: AsyncIterator[LiveEvent | None]
    cursor: str  # where it stands now, before any event: a client may keep it


class LiveFeed:
    def __init__(
        self,
        name: str,
        topics: Sequence[str],
        keys: Callable[[Envelope], Iterable[str]],
        *,
        window: int = 10_000,
        queue_size: int = 256,
    ) -> None:
        self.name = name
        self.topics = tuple(topics)
        self._keys = keys
        self._window: deque[LiveEvent] = deque(maxlen=window)
        self._queue_size = queue_size
        self._subscribers: dict[str, set[Subscriber]] = {}
        self._positions: dict[tuple[str, int], int] = {}  # the next offset to read
        # Below these offsets this feed holds nothing (it started there, or the window
        # dropped them).
        self._floor: dict[tuple[str, int], int] = {}
        self.ready = asyncio.Event()

    # ------------------------------------------------------------------ subscribers
    @property
    def subscribers(self) -> int:
        return sum(len(group) for group in self._subscribers.values())

    def cursor(self) -> str:
        """Where this feed stands now."""
        return encode_cursor(self._snapshot())

    async def open(
        self,
        key: str,
        after: str | None,
        *,
        wait_seconds: float = 10.0,
        from_window: bool = False,
    ) -> Opened:
        """Subscribe `key`, resuming after `after` (a cursor this feed gave) if given, or
        with every event of `key` still in the window if `from_window` (what a caller may
        have missed just before subscribing: a fact's outcome, settled before its
        subscription opened). Raises BadCursor for a cursor it cannot read, TimeoutError
        while the feed cannot reach Kafka."""
        since = decode_cursor(after) if after else None
        await asyncio.wait_for(self.ready.wait(), wait_seconds)
        if since is None and from_window:
            since = dict(self._floor)
        subscriber = Subscriber(key, asyncio.Queue(self._queue_size))
        resume = Resume.LIVE
        # No await from here to the registration: nothing read in between is lost.
        if since is not None:
            if any(offset < self._floor.get(tp, 0) for tp, offset in since.items()):
                resume = Resume.REFETCH
            else:
                resume = Resume.REPLAYED
                for event in self._window:
                    tp = (event.topic, event.partition)
                    if event.offset >= since.get(tp, 0) and key in self._keys(event.envelope):
                        subscriber.queue.put_nowait(event)
                subscriber.seen_below = {
                    tp: offset
                    for tp, offset in since.items()
                    if offset > self._positions.get(tp, 0)
                }
        cursor = encode_cursor(self._snapshot())
        self._subscribers.setdefault(key, set()).add(subscriber)
        SUBSCRIBERS.labels(self.name).inc()
        return Opened(resume, self._drain(subscriber), cursor)

    async def _drain(self, subscriber: Subscriber) -> AsyncIterator[LiveEvent | None]:
        try:
            while True:
                event = await subscriber.queue.get()
                yield event
                if event is None:
                    return
        finally:
            self._forget(subscriber)

    def _forget(self, subscriber: Subscriber) -> None:
        group = self._subscribers.get(subscriber.key)
        if group is not None and subscriber in group:
            group.discard(subscriber)
            if not group:
                del self._subscribers[subscriber.key]
            SUBSCRIBERS.labels(self.name).dec()

    # ------------------------------------------------------------------ events
    def start_at(self, positions: Mapping[tuple[str, int], int]) -> None:
        """Where this feed reads each partition from (what it can replay starts there)."""
        for tp, offset in positions.items():
            self._positions.setdefault(tp, offset)
            self._floor.setdefault(tp, offset)

    def handle(self, topic: str, partition: int, offset: int, value: bytes | None) -> None:
        """One record read from Kafka: kept in the window, handed to its subscribers."""
        tp = (topic, partition)
        self._positions[tp] = offset + 1
        try:
            envelope = Envelope.from_bytes(value)
        except InvalidEnvelope:
            return  # the consumers park it; nothing to tell anyone
        event = LiveEvent(envelope, topic, partition, offset, self._snapshot())
        if len(self._window) == self._window.maxlen:
            dropped = self._window[0]
            self._floor[(dropped.topic, dropped.partition)] = dropped.offset + 1
        self._window.append(event)
        delivered = 0
        for key in self._keys(envelope):
            for subscriber in tuple(self._subscribers.get(key, ())):
                if offset < subscriber.seen_below.get(tp, 0) or subscriber.overflowed:
                    continue
                try:
                    subscriber.queue.put_nowait(event)
                    delivered += 1
                except asyncio.QueueFull:
                    # Too far behind: told to refetch (the slot kept free for it), then ended.
                    subscriber.overflowed = True
                    subscriber.queue.get_nowait()
                    subscriber.queue.put_nowait(None)
                    self._forget(subscriber)
        if delivered:
            DELIVERED.labels(self.name).inc(delivered)
            LAG.labels(self.name).observe(max(0.0, time.time() - envelope.time.timestamp()))

    def _snapshot(self) -> Positions:
        return tuple(sorted((t, p, o) for (t, p), o in self._positions.items()))

    # ------------------------------------------------------------------ Kafka
    async def run(
        self, stop: asyncio.Event, *, bootstrap: str, options: Mapping[str, Any] | None = None
    ) -> None:
        """Read the topics until `stop`; a lost broker is retried from where it was."""
        while not stop.is_set():
            consumer = AIOKafkaConsumer(
                bootstrap_servers=bootstrap,
                group_id=None,
                enable_auto_commit=False,
                request_timeout_ms=15_000,
                retry_backoff_ms=200,
                **dict(options or {}),
            )
            try:
                await asyncio.wait_for(consumer.start(), 60)
                await self._assign(consumer)
                self.ready.set()
                await self._follow(consumer, stop)
            except Exception as exc:
                log.warning("live_feed_restarting", feed=self.name, error=repr(exc))
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), 1.0)
            finally:
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(consumer.stop(), 15)

    async def _assign(self, consumer: AIOKafkaConsumer) -> None:
        partitions = await partitions_of(consumer, self.topics)
        new = [tp for tp in partitions if (tp.topic, tp.partition) not in self._positions]
        if new:
            # A partition seen at start is read from its end; one that appears later, whole.
            offsets: dict[TopicPartition, int] = await asyncio.wait_for(
                consumer.beginning_offsets(new) if self._positions else consumer.end_offsets(new),
                30,
            )
            self.start_at({(tp.topic, tp.partition): offset for tp, offset in offsets.items()})
        consumer.assign(partitions)
        for tp in partitions:
            consumer.seek(tp, self._positions[(tp.topic, tp.partition)])

    async def _follow(self, consumer: AIOKafkaConsumer, stop: asyncio.Event) -> None:
        loop = asyncio.get_running_loop()
        looked = loop.time()
        while not stop.is_set():
            batches: dict[
                TopicPartition, list[ConsumerRecord[bytes, bytes]]
            ] = await asyncio.wait_for(consumer.getmany(timeout_ms=200, max_records=500), 30)
            for tp, records in batches.items():
                for record in records:
                    self.handle(tp.topic, tp.partition, record.offset, record.value)
            if loop.time() - looked > NEW_PARTITIONS_SECONDS:
                looked = loop.time()
                if len(await partitions_of(consumer, self.topics)) > len(self._positions):
                    await self._assign(consumer)
