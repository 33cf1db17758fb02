"""How the loyalty service is assembled."""

from __future__ import annotations

from plumbing import topics
from plumbing.app import ServiceDefinition

from loyalty.entrypoints.consumer import handlers
from loyalty.graphql.schema import schema


def definition() -> ServiceDefinition:
    return ServiceDefinition(
        name="loyalty",
        schema=schema,
        outbox_collections=("accounts",),
        consume_topics=(topics.CLIENTS,),
        handlers=handlers,
    )
