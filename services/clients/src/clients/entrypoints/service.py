"""How the clients service is assembled: schema, collections, consumers, indexes."""

from __future__ import annotations

from plumbing.app import Runtime, ServiceDefinition

from clients.adapters.repository import OUTBOX_COLLECTIONS
from clients.graphql.schema import schema


async def setup(runtime: Runtime) -> None:
    clients = runtime.db["clients"]
    await clients.create_index([("tenant", 1), ("sort_name", 1), ("id", 1)])
    await clients.create_index([("tenant", 1), ("birth_md", 1)])


def definition() -> ServiceDefinition:
    return ServiceDefinition(
        name="clients",
        schema=schema,
        outbox_collections=OUTBOX_COLLECTIONS,
        setup=setup,
    )
