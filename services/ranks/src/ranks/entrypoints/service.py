"""How the ranks service is assembled."""

from __future__ import annotations

from plumbing import topics
from plumbing.app import ServiceDefinition

from ranks.entrypoints.consumer import handlers
from ranks.graphql.schema import schema


def definition() -> ServiceDefinition:
    return ServiceDefinition(
        name="ranks",
        schema=schema,
        outbox_collections=("members",),
        consume_topics=(topics.CLIENTS,),
        handlers=handlers,
    )
