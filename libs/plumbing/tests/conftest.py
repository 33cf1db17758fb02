"""Library tests run against the real FerretDB and Kafka of the local stack."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from plumbing.kafka import KafkaPublisher
from plumbing.mongo import Doc, create_client
from plumbing.testing import KAFKA_BOOTSTRAP, MONGO_URL, kafka_options
from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase


@pytest.fixture(scope="session")
async def mongo() -> AsyncIterator[AsyncMongoClient[Doc]]:
    client = create_client(MONGO_URL)
    yield client
    await client.close()


@pytest.fixture
async def db(mongo: AsyncMongoClient[Doc]) -> AsyncIterator[AsyncDatabase[Doc]]:
    # A database per test: no test sees another's leftovers; dropped after.
    name = f"plumbing_{uuid.uuid4().hex[:10]}"
    yield mongo[name]
    await mongo.drop_database(name)


@pytest.fixture
async def topic() -> AsyncIterator[str]:
    """A topic (and its DLQ) of its own for one test, deleted after."""
    name = f"test.{uuid.uuid4().hex[:10]}"
    admin = AIOKafkaAdminClient(**kafka_options(), bootstrap_servers=KAFKA_BOOTSTRAP)
    await admin.start()
    try:
        await admin.create_topics(
            [NewTopic(name, 2, 1), NewTopic(f"{name}.dlq", 1, 1)], timeout_ms=15000
        )
        yield name
        await admin.delete_topics([name, f"{name}.dlq"], timeout_ms=15000)
    finally:
        await admin.close()


@pytest.fixture
async def publisher() -> AsyncIterator[KafkaPublisher]:
    pub = KafkaPublisher(KAFKA_BOOTSTRAP, options=kafka_options(), client_id="plumbing-tests")
    yield pub
    await pub.stop()
