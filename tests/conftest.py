"""Cross-service tests run against the live local stack (`make test` starts it)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from plumbing.testing import Graph, unique_tenant


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
