"""P2: Kafka stops while clients are being created; after it restarts every event has
arrived exactly once in effect, and replaying the topic changes nothing."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import re
import subprocess

import httpx
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from crm.testing import created_entries
from plumbing import topics
from plumbing.envelope import Envelope, InvalidEnvelope
from plumbing.testing import (
    KAFKA_BOOTSTRAP,
    MONGO_URL,
    ROOT,
    SERVICE_PORTS,
    Graph,
    eventually,
    kafka_options,
)
from pymongo import AsyncMongoClient

CREATE = """
mutation($input: ClientInput!) { createClient(input: $input) { client { id } userErrors { code } } }
"""
# Where each consumer keeps one document per client it heard of.
# (loyalty stores its per-client state lazily; its own tests check replays and races)
PER_CLIENT_STATE = {
    "ranks": "client_cards",
    "crm": "profiles",
    "notifications": "recipients",
}
CONSUMERS = list(PER_CLIENT_STATE)


def kafka(action: str) -> None:
    subprocess.run(["bash", str(ROOT / "deploy/local/kafka.sh"), action], check=True, timeout=180)


async def ready(context: str) -> bool:
    async with httpx.AsyncClient(timeout=5) as http:
        response = await http.get(f"http://127.0.0.1:{SERVICE_PORTS[context]}/readyz")
        return response.status_code == 200


async def duplicates_dropped(context: str) -> float:
    async with httpx.AsyncClient(timeout=5) as http:
        text = (await http.get(f"http://127.0.0.1:{SERVICE_PORTS[context]}/metrics")).text
    return sum(
        float(m.group(1))
        for m in re.finditer(
            r'consumer_events_total\{[^}]*outcome="duplicate"[^}]*\} ([0-9.e+]+)', text
        )
    )


async def counts(mongo: AsyncMongoClient[dict[str, object]], tenant: str) -> dict[str, int]:
    found = {
        ctx: await mongo[ctx][collection].count_documents(
            {"_id": {"$regex": f"^{re.escape(tenant)}:"}}
        )
        for ctx, collection in PER_CLIENT_STATE.items()
    }
    found["timeline"] = await created_entries(mongo, tenant)
    return found


async def tenant_events(tenant: str) -> list[Envelope]:
    consumer = AIOKafkaConsumer(
        **kafka_options(), bootstrap_servers=KAFKA_BOOTSTRAP, enable_auto_commit=False
    )
    await consumer.start()
    try:
        cluster = await consumer._client.fetch_all_metadata()
        partitions = [
            TopicPartition(topics.CLIENTS, p)
            for p in cluster.partitions_for_topic(topics.CLIENTS) or ()
        ]
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        ends = await consumer.end_offsets(partitions)
        found: list[Envelope] = []
        while [tp for tp in partitions if await consumer.position(tp) < ends[tp]]:
            batch = await consumer.getmany(timeout_ms=1000)
            for records in batch.values():
                for record in records:
                    try:
                        envelope = Envelope.from_bytes(record.value)
                    except InvalidEnvelope:
                        continue  # somebody else's garbage: not ours to replay
                    if envelope.tenant == tenant:
                        found.append(envelope)
        return found
    finally:
        await consumer.stop()


@pytest.mark.slow
@pytest.mark.parametrize("how", ["stop", "kill"])
async def test_kafka_outage_loses_nothing_and_replays_change_nothing(
    owner: Graph, how: str
) -> None:
    tenant = owner.tenant
    created: list[str] = []
    stop = asyncio.Event()

    async def keep_creating() -> None:
        n = 0
        while not stop.is_set():
            n += 1
            data = await owner(
                CREATE, {"input": {"firstName": f"Cliente{n}", "lastName": "Prueba"}}
            )
            assert data["createClient"]["userErrors"] == []
            created.append(data["createClient"]["client"]["id"])
            await asyncio.sleep(0.05)

    writer = asyncio.create_task(keep_creating())
    try:
        await eventually(lambda: asyncio.sleep(0, len(created)), until=lambda n: n >= 5, timeout=60)
        kafka(how)  # a clean stop, or kill -9 mid-load
        # The API keeps accepting work while Kafka is away (the outbox holds the events)…
        before = len(created)
        await eventually(
            lambda: asyncio.sleep(0, len(created)), until=lambda n: n >= before + 10, timeout=60
        )
        # …and every service says it is not ready.
        for context in SERVICE_PORTS:
            assert not await ready(context), f"{context} reports ready without Kafka"
        kafka("start")
        await eventually(
            lambda: asyncio.sleep(0, len(created)), until=lambda n: n >= before + 15, timeout=60
        )
    finally:
        stop.set()
        with contextlib.suppress(Exception):
            await writer
    total = len(created)
    expected = {**dict.fromkeys(PER_CLIENT_STATE, total), "timeline": total}

    mongo: AsyncMongoClient[dict[str, object]] = AsyncMongoClient(MONGO_URL, tz_aware=True)
    try:
        await eventually(lambda: counts(mongo, tenant), until=lambda c: c == expected, timeout=90)
        for context in SERVICE_PORTS:
            await eventually(functools.partial(ready, context), timeout=60)

        # Replay every event of this tenant: same ids, so no second effect anywhere.
        events = await tenant_events(tenant)
        assert len([e for e in events if e.type == "clients.client_created.v1"]) == total
        dropped_before = {ctx: await duplicates_dropped(ctx) for ctx in CONSUMERS}
        producer = AIOKafkaProducer(
            **kafka_options(), bootstrap_servers=KAFKA_BOOTSTRAP, enable_idempotence=True
        )
        await producer.start()
        try:
            for envelope in events:
                await producer.send_and_wait(
                    topics.CLIENTS, envelope.to_bytes(), key=envelope.key.encode()
                )
        finally:
            await producer.stop()
        for ctx in CONSUMERS:
            wanted = dropped_before[ctx] + len(events)
            await eventually(
                functools.partial(duplicates_dropped, ctx),
                until=functools.partial(float.__le__, float(wanted)),
                timeout=60,
            )
        assert await counts(mongo, tenant) == expected
    finally:
        await mongo.close()
