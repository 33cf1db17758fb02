"""Whatever lands on an ingest topic stops no consumer: a hundred random envelopes and
byte strings onto every ingest topic (hypothesis), then a good fact on each topic is
applied within seconds by every consumer that reads it."""

from __future__ import annotations

import json
import time
from datetime import UTC

from aiokafka import AIOKafkaProducer
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from plumbing import event_types, topics
from plumbing.envelope import Envelope
from plumbing.mongo import Doc
from plumbing.testing import eventually, unique_tenant
from pymongo import AsyncMongoClient

from .pipeline import (
    READERS,
    WAIT,
    ago,
    applied_everywhere,
    card,
    databases,
    fact,
    new_id,
    produce,
)

Message = tuple[str, bytes | None, bytes]

FIELDS = (
    "client_id",
    "session_id",
    "booking_id",
    "entry_id",
    "invoice_number",
    "occurred_at",
    "attended_at",
    "starts_at",
    "reported_at",
    "capacity",
    "lines",
    "payments",
    "amount",
    "amount_due",
    "visit_id",
    "from_app",
    "platform",
    "reason",
    "membership_id",
    "valid_from",
    "balance",
)
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**30), max_value=10**30)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=40)
    | st.sampled_from(["2026-01-01T10:00:00+00:00", "2999-01-01T00:00:00Z", "20.00", "-1"]),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)
fact_data = st.dictionaries(st.sampled_from(FIELDS), json_values, max_size=8)
kinds = (
    st.sampled_from(sorted(t for t in event_types.KNOWN if t.startswith("ingest.")))
    | st.sampled_from(sorted(event_types.KNOWN))
    | st.sampled_from(["ingest.booking_teleported.v1", "ingest.booking_made.v2", "x", ""])
    | st.text(max_size=30)
)
times = st.sampled_from(["2026-01-01T10:00:00Z", "yesterday", "2026-01-01T10:00:00", ""]) | (
    st.datetimes(timezones=st.just(UTC)).map(lambda d: d.isoformat())
)


def messages(tenant: str, other: str) -> st.SearchStrategy[Message]:
    # A lone surrogate is valid JSON that no database can store.
    tenants = st.sampled_from([tenant, tenant, other, "\ud800"]) | st.text(max_size=6)
    envelope = st.fixed_dictionaries(
        {
            "id": st.uuids().map(str) | st.text(max_size=12),
            "type": kinds,
            "source": st.text(max_size=12),
            "time": times,
            "tenant": tenants,
            "data": fact_data | json_values,
        },
        optional={
            "specversion": st.sampled_from(["1.0", "0.3"]),
            "subject": st.none() | st.text(max_size=12) | st.just("fuzz-client"),
        },
    ).map(lambda raw: json.dumps(raw).encode())
    nested = st.integers(min_value=10, max_value=60_000).map(lambda n: b"[" * n + b"]" * n)
    value = envelope | st.binary(max_size=3000) | st.text(max_size=300).map(str.encode) | nested
    key = (
        st.none()
        | st.binary(max_size=40)
        | tenants.map(lambda t: f"{t}:fuzz-client".encode("utf-8", "surrogatepass"))
    )
    return st.tuples(st.sampled_from(topics.INGEST), key, value)


async def seen_by(mongo: AsyncMongoClient[Doc], service: str, event_id: str) -> bool:
    """The consumer reached the event (a bulk path records it before applying it)."""
    found = await mongo[service]["_processed_events"].find_one({"_id": f"{service}:{event_id}"})
    return found is not None


async def test_random_messages_on_every_ingest_topic_stop_no_consumer(
    tenant: str, producer: AIOKafkaProducer
) -> None:
    other = unique_tenant("fuzz")
    sent: list[Message] = []

    @settings(
        max_examples=100, deadline=None, database=None, suppress_health_check=list(HealthCheck)
    )
    @given(message=messages(tenant, other))
    def collect(message: Message) -> None:
        sent.append(message)

    collect()
    for topic, key, value in sent:
        await producer.send(topic, value, key=key)
    await producer.flush()

    client = new_id("c")
    the_card = card(tenant, client)
    visit = fact(
        tenant,
        "visit_recorded",
        {"client_id": client, "visit_id": new_id("v"), "attended_at": ago(minutes=5)},
        client,
    )
    sale = fact(
        tenant,
        "purchase_recorded",
        {
            "invoice_number": new_id("F"),
            "client_id": client,
            "channel": "IN_STUDIO",
            "occurred_at": ago(minutes=5),
            "lines": [{"category": "SERVICE", "item_id": "s", "name": "Class", "amount": "20.00"}],
            "payments": [{"method": "CASH", "amount": "20.00"}],
        },
        client,
    )
    app = fact(
        tenant,
        "app_session_started",
        {"client_id": client, "platform": "IOS", "occurred_at": ago(minutes=5)},
        client,
    )
    started = time.monotonic()
    await produce(producer, the_card, visit, sale, app)
    good: dict[str, Envelope] = {
        topics.INGEST_BOOKINGS: visit,
        topics.INGEST_SALES: sale,
        topics.INGEST_APP: app,
    }
    async with databases() as mongo:
        await applied_everywhere(mongo, visit, READERS[topics.INGEST_BOOKINGS])
        for topic, event in good.items():
            for service in READERS[topic]:
                await eventually(
                    lambda s=service, e=event: seen_by(mongo, s, e.id),  # type: ignore[misc]
                    timeout=WAIT,
                    interval=0.2,
                )
    assert time.monotonic() - started < WAIT
