"""Reading a whole topic from the start (test helper)."""

from __future__ import annotations

import json
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition
from plumbing.testing import KAFKA_BOOTSTRAP, kafka_options


async def read_all(topic: str) -> list[tuple[bytes | None, bytes | None]]:
    consumer = AIOKafkaConsumer(
        **kafka_options(), bootstrap_servers=KAFKA_BOOTSTRAP, enable_auto_commit=False
    )
    await consumer.start()
    try:
        # Fresh metadata: the topic may be seconds old and unknown to this client's cache.
        cluster = await consumer._client.fetch_all_metadata()
        partitions = [
            TopicPartition(topic, p) for p in sorted(cluster.partitions_for_topic(topic) or ())
        ]
        if not partitions:
            return []
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        ends = await consumer.end_offsets(partitions)
        out: list[tuple[bytes | None, bytes | None]] = []
        while [tp for tp in partitions if await consumer.position(tp) < ends[tp]]:
            for records in (await consumer.getmany(timeout_ms=1000)).values():
                out.extend((r.key, r.value) for r in records)
        return out
    finally:
        await consumer.stop()


async def read_json(topic: str) -> list[dict[str, Any]]:
    return [json.loads(value or b"{}") for _, value in await read_all(topic)]
