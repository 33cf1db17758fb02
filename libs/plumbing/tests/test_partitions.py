"""`partitions_of` finds a topic's partitions for a consumer without a group: the one
place `partitions_for_topic` cannot be trusted (it answers None there, so the clients'
search feed once followed no partition at all)."""

from __future__ import annotations

from aiokafka import AIOKafkaConsumer
from plumbing import topics
from plumbing.kafka import partitions_of
from plumbing.testing import KAFKA_BOOTSTRAP, kafka_options


async def test_a_consumer_without_a_group_finds_every_partition() -> None:
    consumer = AIOKafkaConsumer(**kafka_options(), bootstrap_servers=KAFKA_BOOTSTRAP, group_id=None)
    await consumer.start()
    try:
        await consumer.topics()
        assert consumer.partitions_for_topic(topics.CLIENTS) is None  # why it exists
        found = await partitions_of(consumer, [topics.CLIENTS, topics.RANKS])
    finally:
        await consumer.stop()
    assert {tp.topic for tp in found} == {topics.CLIENTS, topics.RANKS}
    assert len(found) >= 2 and found == sorted(found)
