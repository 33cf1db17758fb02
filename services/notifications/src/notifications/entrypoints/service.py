"""How the notifications service is assembled."""

from __future__ import annotations

from plumbing import topics
from plumbing.app import ServiceDefinition

from notifications.entrypoints.consumer import handlers
from notifications.graphql.schema import schema


def definition() -> ServiceDefinition:
    return ServiceDefinition(
        name="notifications",
        schema=schema,
        outbox_collections=(),
        consume_topics=(topics.CLIENTS,),
        handlers=handlers,
    )
