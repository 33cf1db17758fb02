"""How the crm service is assembled."""

from __future__ import annotations

from plumbing import topics
from plumbing.app import Runtime, ServiceDefinition

from crm.entrypoints.consumer import handlers
from crm.graphql.schema import schema


async def setup(runtime: Runtime) -> None:
    await runtime.db["timeline"].create_index([("tenant", 1), ("client_id", 1), ("at", -1)])


def definition() -> ServiceDefinition:
    return ServiceDefinition(
        name="crm",
        schema=schema,
        outbox_collections=(),
        consume_topics=(topics.CLIENTS,),
        handlers=handlers,
        setup=setup,
    )
