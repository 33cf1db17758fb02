"""Cross-service tests run against the live local stack (`make test` starts it)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest
from aiokafka import AIOKafkaProducer
from loyalty.testing import close_publisher
from plumbing import topics
from plumbing.testing import GATEWAY_URL, KAFKA_BOOTSTRAP, Graph, kafka_options, unique_tenant

from .journeys import Tap

_STACK: dict[str, str] = {}


@pytest.fixture(autouse=True)
def stack_is_up(request: pytest.FixtureRequest) -> None:
    """Tests that talk to the running stack fail at once, with the fix, when it is down.
    (tests/platform only reads files.)"""
    if "platform" in request.path.parts:
        return
    if "checked" not in _STACK:
        try:
            httpx.get(GATEWAY_URL.replace("/graphql", "/healthcheck"), timeout=5).raise_for_status()
            _STACK["checked"] = "up"
        except httpx.HTTPError as exc:
            _STACK["checked"] = f"the local stack is not running ({exc}); start it with `make up`"
    if _STACK["checked"] != "up":
        pytest.fail(_STACK["checked"])


@pytest.fixture(scope="session", autouse=True)
async def shared_publishers() -> AsyncIterator[None]:
    """Producers that helpers keep for the whole session are stopped at its end."""
    yield
    await close_publisher()


@pytest.fixture
def tenant() -> str:
    return unique_tenant()


@pytest.fixture
async def graphs() -> AsyncIterator[Callable[..., Graph]]:
    """Make callers: `graphs(tenant, "OWNER")`, `graphs(tenant, "CLIENT", client_id=…)`."""
    made: list[Graph] = []

    def make(tenant: str, *roles: str, **kwargs: Any) -> Graph:
        graph = Graph(tenant, list(roles), **kwargs)
        made.append(graph)
        return graph

    yield make
    for graph in made:
        await graph.close()


@pytest.fixture
async def owner(tenant: str, graphs: Callable[..., Graph]) -> Graph:
    return graphs(tenant, "OWNER")


@pytest.fixture
async def producer() -> AsyncIterator[AIOKafkaProducer]:
    """An idempotent Kafka producer, for tests that put events on topics themselves."""
    made = AIOKafkaProducer(
        **kafka_options(), bootstrap_servers=KAFKA_BOOTSTRAP, enable_idempotence=True
    )
    await made.start()
    yield made
    await made.stop()


@pytest.fixture
async def ranks_tap() -> AsyncIterator[Tap]:
    """What `ranks.events` receives during the test."""
    tap = Tap(topics.RANKS)
    await tap.open()
    yield tap
    await tap.consumer.stop()
