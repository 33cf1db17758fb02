"""Helpers for abuse tests of the event pipeline: facts produced straight to Kafka as a
partner (or a broken producer) would, what each consumer applied (its processed-events
record), and what the dead-letter topics received."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

from aiokafka import AIOKafkaProducer
from plumbing import topics
from plumbing.envelope import Envelope
from plumbing.mongo import Doc, create_client
from plumbing.testing import MONGO_URL, eventually
from pymongo import AsyncMongoClient

from ..journeys import new_reader, start_at_end

# Who reads each ingest topic (docs/architecture.md, "Who owns what").
READERS = {
    topics.INGEST_BOOKINGS: ("crm", "loyalty", "ranks"),
    topics.INGEST_SALES: ("crm", "loyalty"),
    topics.INGEST_APP: ("crm", "notifications"),
}
# Who parks what nobody can read on each topic: every consumer of the topic, also those
# that apply only some of its types (notifications follows the bookings for reminders).
PARKERS = {
    **READERS,
    topics.INGEST_BOOKINGS: ("crm", "loyalty", "notifications", "ranks"),
}
# Generous for a shared two-core stack; every wait polls and returns as soon as it can.
WAIT = 60.0


def fact(
    tenant: str, kind: str, data: dict[str, Any], subject: str | None, **extra: Any
) -> Envelope:
    return Envelope(
        type=f"ingest.{kind}.v1",
        source="partners/abuse",
        tenant=tenant,
        subject=subject,
        data=data,
        **extra,
    )


def card(tenant: str, client_id: str, first: str = "Ana") -> Envelope:
    """A client card as the clients context announces it."""
    return Envelope(
        type="clients.client_created.v1",
        source="services/clients",
        tenant=tenant,
        subject=client_id,
        data={
            "client_id": client_id,
            "first_name": first,
            "last_name": "Abuse",
            "gender": "F",
            "status": "ACTIVE",
            "source": "MANUAL",
        },
    )


SALES = {"purchase_recorded", "purchase_refunded", "membership_reported", "gift_card_reported"}
APP = {"app_session_started", "app_logged_out", "notification_bounced"}


def topic_of(envelope: Envelope) -> str:
    if envelope.type.startswith("clients."):
        return topics.CLIENTS
    if envelope.fact in SALES:
        return topics.INGEST_SALES
    return topics.INGEST_APP if envelope.fact in APP else topics.INGEST_BOOKINGS


async def produce(producer: AIOKafkaProducer, *items: Envelope) -> None:
    for envelope in items:
        await producer.send_and_wait(
            topic_of(envelope), envelope.to_bytes(), key=envelope.key.encode()
        )


def ago(**delta: float) -> str:
    return (datetime.now(UTC).replace(microsecond=0) - timedelta(**delta)).isoformat()


def ahead(**delta: float) -> str:
    return (datetime.now(UTC).replace(microsecond=0) + timedelta(**delta)).isoformat()


@asynccontextmanager
async def databases() -> AsyncIterator[AsyncMongoClient[Doc]]:
    client = create_client(MONGO_URL)
    try:
        yield client
    finally:
        await client.close()


async def applied_by(mongo: AsyncMongoClient[Doc], service: str, event_id: str) -> bool:
    """Whether `service`'s consumer applied the event (its processed-events record, as
    the consumer writes it after the effect; each service's group is its name)."""
    found = await mongo[service]["_processed_events"].find_one({"_id": f"{service}:{event_id}"})
    return found is not None and found.get("via") != "batch"


async def applied_everywhere(
    mongo: AsyncMongoClient[Doc], event: Envelope, services: Iterable[str], timeout: float = WAIT
) -> None:
    for service in services:
        await eventually(
            lambda s=service: applied_by(mongo, s, event.id),  # type: ignore[misc]
            timeout=timeout,
            interval=0.2,
        )


class DeadLetters:
    """What the dead-letter topics received after `open` (no consumer group)."""

    def __init__(self, *watched: str) -> None:
        self.topics = [topics.dlq(t) for t in watched or topics.INGEST]
        self.consumer = new_reader()
        self.seen: list[dict[str, Any]] = []

    async def open(self) -> None:
        await start_at_end(self.consumer, *self.topics)

    async def close(self) -> None:
        await self.consumer.stop()

    async def records(self, **match: Any) -> list[dict[str, Any]]:
        """Every record so far whose fields equal `match`."""
        for batch in (await self.consumer.getmany(timeout_ms=200)).values():
            self.seen.extend(json.loads(r.value or b"{}") for r in batch)
        return [r for r in self.seen if all(r.get(k) == v for k, v in match.items())]


def new_id(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"
