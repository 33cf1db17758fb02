"""Helpers the journeys share (import with `from ..journeys import …`): what a test does
to the stack that several tests do the same way. A test module keeps only what is its own.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from plumbing import topics
from plumbing.envelope import Envelope
from plumbing.testing import (
    KAFKA_BOOTSTRAP,
    Graph,
    eventually,
    kafka_options,
    seed_client,
    seed_studio,
    subgraph_url,
)


# -------------------------------------------------------------------- answers
def codes(payload: dict[str, Any]) -> list[str]:
    """The codes of a mutation payload's `userErrors`, in order."""
    return [e["code"] for e in payload["userErrors"]]


def iso(value: datetime) -> str:
    return value.isoformat()


async def publish(producer: AIOKafkaProducer, topic: str, envelope: Envelope) -> None:
    """One event on a topic, keyed as the relays key it."""
    await producer.send_and_wait(topic, envelope.to_bytes(), key=envelope.key.encode())


class DlqTap:
    """What `<topic>.dlq` received after the tap opened (`await tap.open()`, and
    `await tap.consumer.stop()` at the end)."""

    def __init__(self, topic: str) -> None:
        self.topic = topics.dlq(topic)
        self.consumer = AIOKafkaConsumer(
            **kafka_options(), bootstrap_servers=KAFKA_BOOTSTRAP, enable_auto_commit=False
        )
        self.seen: list[dict[str, Any]] = []

    async def open(self) -> None:
        await self.consumer.start()
        cluster = await self.consumer._client.fetch_all_metadata()
        partitions = [
            TopicPartition(self.topic, p) for p in cluster.partitions_for_topic(self.topic) or ()
        ] or [TopicPartition(self.topic, 0)]
        self.consumer.assign(partitions)
        await self.consumer.seek_to_end(*partitions)
        for tp in partitions:
            await self.consumer.position(tp)

    async def parked(self, tenant: str) -> list[dict[str, Any]]:
        """The parked messages of this tenant seen so far."""
        batch = await self.consumer.getmany(timeout_ms=200)
        for records in batch.values():
            self.seen.extend(json.loads(r.value or b"{}") for r in records)
        return [p for p in self.seen if p.get("tenant") == tenant]


# -------------------------------------------------------------------- crm
CRM_CARDS = '{ crmSummary(date: "2026-01-01") { demographics { gender { count } } } }'


async def crm_knows(owner: Graph, count: int) -> None:
    """Wait until the crm consumer has `count` client cards of the studio (each card
    counts in exactly one gender bucket)."""

    def total(data: dict[str, Any]) -> int:
        return sum(b["count"] for b in data["crmSummary"]["demographics"]["gender"])

    await eventually(lambda: owner(CRM_CARDS), until=lambda d: total(d) >= count, timeout=30)


async def crm_client(
    owner: Graph,
    producer: AIOKafkaProducer,
    first: str,
    last: str = "Test",
    count: int = 1,
    **fields: Any,
) -> str:
    """A card as the clients context announces it (`gender`, `birth`…); returns once crm
    has `count` cards."""
    client_id = await seed_client(producer, owner.tenant, first, last, **fields)
    await crm_knows(owner, count)
    return client_id


# -------------------------------------------------------------------- notifications
NOTIFICATIONS_CARD = """
query($r: [_Any!]!) {
  _entities(representations: $r) {
    ... on Client {
      messages { templateKey channel status reason subject body language }
      messageChannels(category: %s)
    }
  }
}
"""


async def notifications_card(
    owner: Graph, client_id: str, category: str = "SERVICE"
) -> dict[str, Any]:
    """The client fields notifications owns (its messages, the channels a message of
    `category` reaches now), asked of its subgraph the way the gateway does
    (`_entities`): a test then needs no other subgraph to answer `client(id)`."""
    subgraph = Graph(owner.tenant, ["OWNER"], url=subgraph_url("notifications"))
    try:
        data = await subgraph(
            NOTIFICATIONS_CARD % category, {"r": [{"__typename": "Client", "id": client_id}]}
        )
    finally:
        await subgraph.close()
    found: dict[str, Any] = data["_entities"][0]
    return found


async def announce_card(
    producer: AIOKafkaProducer,
    tenant: str,
    client_id: str,
    *,
    studio: str,
    language: str,
    first_name: str,
    last_name: str,
    email: str,
    phone: str | None,
) -> None:
    """The facts the clients context publishes for the studio and a new card, published
    by the test as well, in its contract, so a journey does not wait on another context's
    relay (the real events arrive later and change nothing)."""
    await seed_studio(producer, tenant, "Europe/Madrid", language, name=studio)
    await seed_client(
        producer, tenant, first_name, last_name, client_id=client_id, email=email, phone=phone
    )
