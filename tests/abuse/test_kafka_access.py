"""P9: who may write what on Kafka. Every connection logs in (SASL/SCRAM) and Kafka's
own authorizer allows only what `studio_admin.kafka_access` grants: a service its own
topics, a partner key its own ingest topics, which pin its studio.

Partners are played with confluent-kafka (librdkafka), the client most partner systems
use, so these tests also prove that another client than the services' aiokafka works.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from confluent_kafka import KafkaError, KafkaException, Message, Producer
from confluent_kafka.admin import AdminClient
from plumbing import topics
from plumbing.envelope import Envelope
from plumbing.testing import (
    KAFKA_BOOTSTRAP,
    Graph,
    eventually,
    kafka_options,
    kafka_password,
    seed_client,
)
from studio_admin import kafka_access

SUMMARY = """
query($d: Date!) { crmSummary(date: $d) { bookedToday { count } } }"""


def admin() -> AdminClient:
    return kafka_access.admin_client(
        KAFKA_BOOTSTRAP, "operator", kafka_password("operator"), "SASL_PLAINTEXT"
    )


# Errors librdkafka reports outside a delivery report (a failed login), by client.
_CLIENT_ERRORS: dict[int, list[KafkaError]] = {}


def producer_as(user: str | None, password: str | None = None) -> Producer:
    errors: list[KafkaError] = []
    config: dict[str, Any] = {
        "bootstrap.servers": KAFKA_BOOTSTRAP,
        "error_cb": errors.append,
        "message.timeout.ms": 8000,
        "socket.timeout.ms": 5000,
        "allow.auto.create.topics": True,  # the broker must still refuse to create any
    }
    if user is not None:
        config |= {
            "security.protocol": "SASL_PLAINTEXT",
            "sasl.mechanism": "SCRAM-SHA-512",
            "sasl.username": user,
            "sasl.password": password if password is not None else kafka_password(user),
        }
    made = Producer(config)
    _CLIENT_ERRORS[id(made)] = errors
    return made


def write(producer: Producer, topic: str, value: bytes, key: bytes = b"k") -> KafkaError | None:
    """Produce one message and wait for its delivery report: None, or Kafka's refusal."""
    outcome: list[KafkaError | None] = []

    def delivered(error: KafkaError | None, _: Message) -> None:
        outcome.append(error)

    try:
        producer.produce(topic, value, key, on_delivery=delivered)
    except KafkaException as exc:
        return exc.args[0]  # type: ignore[no-any-return]
    errors = _CLIENT_ERRORS.get(id(producer), [])
    deadline = time.monotonic() + 15
    while not outcome and time.monotonic() < deadline:
        producer.poll(0.1)
        # A failed login, or a client that does not speak SASL to a broker that does.
        refused = [
            e
            for e in errors
            if e.code() in (KafkaError._AUTHENTICATION, KafkaError._ALL_BROKERS_DOWN)
        ]
        if refused:
            return refused[0]  # the message would only time out
    assert outcome, "no delivery report within 15 s"
    return outcome[0]


def envelope(tenant: str, kind: str, data: dict[str, Any], subject: str | None = None) -> Envelope:
    return Envelope(
        type=kind, source="partner/booking-system", tenant=tenant, subject=subject, data=data
    )


class Partner:
    """A partner key of `tenant` with Kafka access for bookings."""

    def __init__(self, tenant: str, scopes: tuple[str, ...] = ("ingest:bookings",)) -> None:
        self.tenant = tenant
        self.key_id = uuid.uuid4().hex
        self.user = kafka_access.partner_user(self.key_id)
        self.password = uuid.uuid4().hex
        self.topics = kafka_access.grant_partner(
            admin(), tenant, self.key_id, scopes, self.password, partitions=1
        )
        self.producer = producer_as(self.user, self.password)

    def send(self, event: Envelope, topic: str | None = None) -> KafkaError | None:
        return write(self.producer, topic or self.topics[0], event.to_bytes(), event.key.encode())

    def close(self) -> None:
        kafka_access.revoke_partner(admin(), self.key_id)
        admin().delete_topics(self.topics, request_timeout=15)


@pytest.fixture
def partners() -> Iterator[list[Partner]]:
    made: list[Partner] = []
    yield made
    for partner in made:
        partner.close()


@pytest.fixture
async def dlq() -> AsyncIterator[AIOKafkaConsumer]:
    consumer = AIOKafkaConsumer(
        **kafka_options(), bootstrap_servers=KAFKA_BOOTSTRAP, enable_auto_commit=False
    )
    await consumer.start()
    partitions = [
        TopicPartition(topics.dlq(topics.INGEST_BOOKINGS), p)
        for p in consumer.partitions_for_topic(topics.dlq(topics.INGEST_BOOKINGS)) or {0}
    ]
    consumer.assign(partitions)
    await consumer.seek_to_end(*partitions)
    for tp in partitions:
        await consumer.position(tp)
    yield consumer
    await consumer.stop()


async def parked(consumer: AIOKafkaConsumer, seen: list[dict[str, Any]]) -> list[dict[str, Any]]:
    for records in (await consumer.getmany(timeout_ms=300)).values():
        seen.extend(json.loads(r.value or b"{}") for r in records)
    return seen


def coded(record: dict[str, Any], code: str) -> bool:
    return record.get("code") == code or str(record.get("reason", "")).startswith(code)


def test_connections_without_valid_credentials_are_refused() -> None:
    anonymous = producer_as(None)
    assert write(anonymous, topics.INGEST_BOOKINGS, b"{}") is not None
    wrong = producer_as("crm", "not-the-password")
    assert write(wrong, topics.INGEST_BOOKINGS, b"{}") is not None


def test_a_service_writes_only_the_topics_it_owns() -> None:
    ranks = producer_as("ranks")
    assert write(ranks, topics.RANKS, b"{}") is None  # its own (consumers park it)
    for foreign in (topics.CLIENTS, topics.LOYALTY, topics.INGEST_BOOKINGS, "made.up.topic"):
        error = write(ranks, foreign, b"{}")
        assert error is not None and error.code() in (
            KafkaError.TOPIC_AUTHORIZATION_FAILED,
            KafkaError._MSG_TIMED_OUT,
            KafkaError.UNKNOWN_TOPIC_OR_PART,
        ), (foreign, error)
    assert "made.up.topic" not in admin().list_topics(timeout=10).topics  # never auto-created


def test_a_partner_writes_only_its_own_topics(partners: list[Partner]) -> None:
    tenant = f"t-{uuid.uuid4().hex[:12]}"
    mine, theirs = Partner(tenant), Partner(f"t-{uuid.uuid4().hex[:12]}")
    partners += [mine, theirs]
    assert mine.topics == [f"ingest.bookings.{tenant}.{mine.key_id}"]
    hello = envelope(tenant, "ingest.session_scheduled.v1", {"session_id": "s"}, "s")
    assert mine.send(hello) is None
    refused = (
        topics.INGEST_BOOKINGS,  # the shared topic is crm's, for facts recorded in the graph
        topics.INGEST_SALES,
        topics.CLIENTS,
        topics.LOYALTY,
        topics.dlq(topics.INGEST_BOOKINGS),
        theirs.topics[0],  # another partner's (and another studio's)
        f"ingest.sales.{tenant}.{mine.key_id}",  # a scope the key does not have
    )
    for topic in refused:
        error = mine.send(hello, topic)
        assert error is not None, topic
        assert error.code() in (
            KafkaError.TOPIC_AUTHORIZATION_FAILED,
            KafkaError._MSG_TIMED_OUT,
            KafkaError.UNKNOWN_TOPIC_OR_PART,
        ), (topic, error)


def test_a_revoked_partner_can_no_longer_log_in(partners: list[Partner]) -> None:
    """The fixture revokes the key a second time on purpose: a second deletion of a SCRAM
    user once left Kafka refusing every login after its next restart, which
    tests/e2e/test_nothing_lost.py (a restart, later in the run) would show. Revoking
    replaces the password now, and doing it twice is harmless."""
    partner = Partner(f"t-{uuid.uuid4().hex[:12]}")
    partners.append(partner)
    kafka_access.revoke_partner(admin(), partner.key_id)
    late = producer_as(partner.user, partner.password)
    assert write(late, partner.topics[0], b"{}") is not None


async def test_a_partner_topic_pins_its_studio_and_carries_only_ingest_facts(
    owner: Graph,
    graphs: Any,
    producer: AIOKafkaProducer,
    partners: list[Partner],
    dlq: AIOKafkaConsumer,
) -> None:
    tenant = owner.tenant
    other = graphs(f"t-{uuid.uuid4().hex[:12]}", "OWNER")
    partner = Partner(tenant)
    partners.append(partner)
    ana = await seed_client(producer, tenant, "Ana")
    eve = await seed_client(producer, other.tenant, "Eve")
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(minutes=1)
    day = {"d": start.date().isoformat()}

    def session(on: str, sid: str) -> Envelope:
        data = {
            "session_id": sid,
            "service_id": "yoga",
            "starts_at": start.isoformat(),
            "capacity": 8,
        }
        return envelope(on, "ingest.session_scheduled.v1", data, sid)

    def booking(on: str, client: str, sid: str) -> Envelope:
        data = {
            "booking_id": f"b-{sid}",
            "client_id": client,
            "session_id": sid,
            "occurred_at": datetime.now(UTC).isoformat(),
        }
        return envelope(on, "ingest.booking_made.v1", data, client)

    # Another studio's facts on this studio's partner topic: refused, whatever the key says.
    assert partner.send(session(other.tenant, "S-forged")) is None
    assert partner.send(booking(other.tenant, eve, "S-forged")) is None
    # An internal event on the partner's topic: refused.
    forged = envelope(tenant, "loyalty.points_granted.v1", {"client_id": ana, "points": 777}, ana)
    assert partner.send(forged) is None
    # The partner's own facts: applied.
    assert partner.send(session(tenant, "S1")) is None
    assert partner.send(booking(tenant, ana, "S1")) is None

    await eventually(
        lambda: owner(SUMMARY, day),
        until=lambda s: s["crmSummary"]["bookedToday"]["count"] == 1,
        timeout=45,
    )
    seen: list[dict[str, Any]] = []
    await eventually(
        lambda: parked(dlq, seen),
        until=lambda records: (
            sum(coded(r, "TENANT_MISMATCH") and r.get("tenant") == other.tenant for r in records)
            >= 2
            and any(coded(r, "WRONG_TOPIC") and r.get("tenant") == tenant for r in records)
        ),
        timeout=30,
    )
    summary = await other(SUMMARY, day)
    assert summary["crmSummary"]["bookedToday"]["count"] == 0
