"""Loads this API process's C10 search index and keeps it current (the index and why it
exists: `clients.adapters.search_index`). Runs only on FerretDB's SQLite backend;
MongoDB answers searches from its own indexes.

1. Before any card is read, where to follow each topic from: the end of `clients.events`
   (a write's event is published after the write, so any change the scan could miss
   comes later); for `ranks.events` and `loyalty.events`, the offsets this service's
   consumer group committed (the cards already hold everything before them; a consumer
   lagging behind would otherwise leave the index without the changes it has yet to
   apply), or the beginning where it committed none.
2. One scan of the `clients` collection, projected to the indexed fields.
3. Then the three topics, for good, with a consumer of its own: partitions assigned by
   hand, no group, nothing committed (every API replica keeps its own copy). An event of
   `clients.events` about a client re-reads that card by `_id` (the event was written in
   the same document write as the state); ranks and loyalty events are applied as they
   come.

Searches are answered from the index once the scan is done and the topics are read up to
where they ended when it finished; until then `Repository.search_clients` queries the
database. Writes of this process reach the index at once (`search_index.card_written`).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Mapping, Sequence
from typing import Any

from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from plumbing import topics
from plumbing.app import Runtime
from plumbing.envelope import Envelope, InvalidEnvelope
from plumbing.kafka import client_options, partitions_of
from plumbing.logs import get_logger
from plumbing.mongo import Doc, backend
from plumbing.tenant_collection import TenantCollection
from prometheus_client import Counter, Gauge
from pydantic import ValidationError
from pymongo.asynchronous.collection import AsyncCollection

from clients.adapters.repository import CLIENTS
from clients.adapters.search_index import SearchIndex, serve
from clients.events import POINTS_EVENTS, RANK_EVENTS, PointsBalance, RankHeld

log = get_logger("clients.search_feed")

FOLLOWED = (topics.CLIENTS, topics.RANKS, topics.LOYALTY)
INDEXED: Doc = {
    "_id": 0,
    "tenant": 1,
    "id": 1,
    "sort_name": 1,
    "search_text": 1,
    "status": 1,
    "preferred_branch_id": 1,
    "birth_md": 1,
    "rank_ids": 1,
    "ranks_held": 1,
    "points": 1,
    "points_at": 1,
    "erased": 1,
}
PARALLEL_READS = 32  # card re-reads in flight at once (each one `_id` lookup)
NEW_PARTITIONS_SECONDS = 60.0

ENTRIES = Gauge("clients_search_index_entries", "Client cards the in-memory search index lists")
LOAD_SECONDS = Gauge(
    "clients_search_index_load_seconds", "Time the search index took to load and catch up"
)
READY = Gauge("clients_search_index_ready", "1 once searches are answered from the index")
EVENTS = Counter(
    "clients_search_index_events_total", "Events applied to the search index", ["topic"]
)


async def run(runtime: Runtime, stop: asyncio.Event) -> None:
    """The API role's task: load the index, serve it to this process, keep it current."""
    if not backend.id_only_pushdown:
        return
    index = SearchIndex()
    database = runtime.db.name
    serve(database, index)
    ENTRIES.set_function(lambda: index.size)
    try:
        await Feed(
            runtime.db[CLIENTS],
            index,
            bootstrap=runtime.settings.kafka_bootstrap,
            group=runtime.settings.consumer_group,
            options=client_options(runtime.settings),
        ).run(stop)
    finally:
        serve(database, None)
        READY.set(0)


class Feed:
    def __init__(
        self,
        cards: AsyncCollection[Doc],
        index: SearchIndex,
        *,
        bootstrap: str,
        group: str,
        options: Mapping[str, Any] | None = None,
    ) -> None:
        self._cards = cards
        self._options = dict(options or {})
        self._index = index
        self._bootstrap = bootstrap
        self._group = group
        self._positions: dict[TopicPartition, int] = {}  # the next offset to read
        self._scanned = False
        self._targets: dict[TopicPartition, int] = {}  # read up to here, then ready
        self._started = time.perf_counter()
        self._scan_seconds = 0.0

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            consumer = AIOKafkaConsumer(
                bootstrap_servers=self._bootstrap,
                group_id=None,
                enable_auto_commit=False,
                auto_offset_reset="earliest",
                request_timeout_ms=15_000,
                retry_backoff_ms=200,
                **self._options,
            )
            try:
                await asyncio.wait_for(consumer.start(), 60)
                await self._assign(consumer, await self._partitions(consumer))
                if not self._scanned:
                    await self._scan(stop)
                    self._targets = await asyncio.wait_for(
                        consumer.end_offsets(list(self._positions)), 30
                    )
                await self._follow(consumer, stop)
            except Exception as exc:  # broker or database gone: start over where we were
                log.warning("search_index_feed_restarting", error=repr(exc))
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), 1.0)
            finally:
                try:
                    await asyncio.wait_for(consumer.stop(), 15)
                except Exception as exc:
                    log.warning("search_index_feed_stop_failed", error=repr(exc))

    # ------------------------------------------------------------------ partitions
    @staticmethod
    async def _partitions(consumer: AIOKafkaConsumer) -> set[TopicPartition]:
        # Not `consumer.partitions_for_topic`: without a group it answers None, and the
        # feed then followed nothing (a card's points and ranks reached the index of the
        # process that wrote them only).
        return set(await partitions_of(consumer, FOLLOWED))

    async def _assign(self, consumer: AIOKafkaConsumer, partitions: set[TopicPartition]) -> None:
        new = sorted(partitions - set(self._positions))
        if new:
            self._positions.update(await self._starts(consumer, new))
        consumer.assign(list(self._positions))
        for tp, offset in self._positions.items():
            consumer.seek(tp, offset)

    async def _starts(
        self, consumer: AIOKafkaConsumer, partitions: list[TopicPartition]
    ) -> dict[TopicPartition, int]:
        """Where newly seen partitions are read from (see the module docstring)."""
        firsts: dict[TopicPartition, int] = await asyncio.wait_for(
            consumer.beginning_offsets(partitions), 30
        )
        if self._scanned:
            return firsts  # appeared after the scan: everything in them is news
        ends: dict[TopicPartition, int] = await asyncio.wait_for(
            consumer.end_offsets(partitions), 30
        )
        committed = await self._committed([tp for tp in partitions if tp.topic != topics.CLIENTS])
        return {
            tp: ends[tp]
            if tp.topic == topics.CLIENTS
            else min(max(committed.get(tp, firsts[tp]), firsts[tp]), ends[tp])
            for tp in partitions
        }

    async def _committed(self, partitions: list[TopicPartition]) -> dict[TopicPartition, int]:
        if not partitions:
            return {}
        admin = AIOKafkaAdminClient(
            bootstrap_servers=self._bootstrap, request_timeout_ms=15_000, **self._options
        )
        await asyncio.wait_for(admin.start(), 30)
        try:
            offsets = await asyncio.wait_for(
                admin.list_consumer_group_offsets(self._group, partitions=partitions), 30
            )
        finally:
            await admin.close()
        return {tp: meta.offset for tp, meta in offsets.items() if meta.offset >= 0}

    # ------------------------------------------------------------------ load
    async def _scan(self, stop: asyncio.Event) -> None:
        started = time.perf_counter()
        cards = 0
        self._index.begin_load()
        try:
            async for doc in self._cards.find({}, INDEXED, batch_size=2000):
                if doc.get("tenant") and doc.get("id"):
                    self._index.card(str(doc["tenant"]), doc)
                    cards += 1
                if stop.is_set():
                    return
        finally:
            self._index.finish_load()
        self._scanned = True
        self._scan_seconds = time.perf_counter() - started
        log.info("search_index_scanned", cards=cards, seconds=round(self._scan_seconds, 2))

    async def _caught_up(self, consumer: AIOKafkaConsumer) -> bool:
        for tp, target in self._targets.items():
            if await consumer.position(tp) < target:
                return False
        return True

    # ------------------------------------------------------------------ follow
    async def _follow(self, consumer: AIOKafkaConsumer, stop: asyncio.Event) -> None:
        looked = time.monotonic()
        while not stop.is_set():
            batches: dict[
                TopicPartition, list[ConsumerRecord[bytes, bytes]]
            ] = await asyncio.wait_for(consumer.getmany(timeout_ms=500, max_records=500), 30)
            records = [record for batch in batches.values() for record in batch]
            if records:
                await self.apply(records)
            for tp, batch in batches.items():
                self._positions[tp] = batch[-1].offset + 1
            if not self._index.ready and await self._caught_up(consumer):
                self._ready()
            if time.monotonic() - looked > NEW_PARTITIONS_SECONDS:
                looked = time.monotonic()
                partitions = await self._partitions(consumer)
                if partitions - set(self._positions):
                    await self._assign(consumer, partitions)

    def _ready(self) -> None:
        self._index.ready = True
        seconds = time.perf_counter() - self._started
        LOAD_SECONDS.set(seconds)
        READY.set(1)
        log.info(
            "search_index_loaded",
            seconds=round(seconds, 2),
            scan_seconds=round(self._scan_seconds, 2),
            cards=self._index.size,
            tenants=self._index.tenants,
        )

    async def apply(self, records: Sequence[ConsumerRecord[bytes, bytes]]) -> None:
        """Apply a batch: ranks and points at once, then the cards its client events name,
        re-read by `_id` a few at a time (their order does not matter: see the index)."""
        cards: dict[tuple[str, str], None] = {}
        for record in records:
            try:
                envelope = Envelope.from_bytes(record.value)
            except InvalidEnvelope:
                continue  # the consumers park it; nothing to search for
            if record.topic == topics.CLIENTS:
                if envelope.subject:
                    cards[(envelope.tenant, envelope.subject)] = None
                    EVENTS.labels(record.topic).inc()
            elif self._apply_standing(envelope):
                EVENTS.labels(record.topic).inc()
        wanted = list(cards)
        for start in range(0, len(wanted), PARALLEL_READS):
            chunk = wanted[start : start + PARALLEL_READS]
            writes = [self._index.writes(tenant, local) for tenant, local in chunk]
            docs = await asyncio.gather(*(self._read(tenant, local) for tenant, local in chunk))
            for (tenant, local), doc, before in zip(chunk, docs, writes, strict=True):
                if doc is not None:
                    self._index.card(tenant, doc, writes=before)
                elif self._index.writes(tenant, local) == before:
                    self._index.forget(tenant, local)

    async def _read(self, tenant: str, client_id: str) -> Doc | None:
        return await TenantCollection(self._cards, tenant).get(client_id, INDEXED)

    def _apply_standing(self, envelope: Envelope) -> bool:
        try:
            if envelope.type in POINTS_EVENTS:
                points = PointsBalance.model_validate(envelope.data)
                self._index.points(
                    envelope.tenant, points.client_id, points.balance_after, envelope.time
                )
                return True
            if envelope.type in RANK_EVENTS:
                rank = RankHeld.model_validate(envelope.data)
                self._index.rank(
                    envelope.tenant, rank.client_id, rank.category_id, rank.rank_id, envelope.time
                )
                return True
        except ValidationError:
            pass  # the consumers park it
        return False
