"""How the ranks service is assembled."""

from __future__ import annotations

from plumbing import topics
from plumbing.app import Job, ServiceDefinition

from ranks.adapters.members import CARDS, MEMBERS
from ranks.entrypoints.consumer import handlers, seniority
from ranks.graphql.schema import schema

SENIORITY_EVERY_SECONDS = 15 * 60


def definition() -> ServiceDefinition:
    return ServiceDefinition(
        name="ranks",
        schema=schema,
        aggregates=[MEMBERS],
        read_models=[CARDS],
        consume_topics=(topics.CLIENTS, topics.INGEST_BOOKINGS),
        handlers=handlers,
        jobs=(Job("seniority", SENIORITY_EVERY_SECONDS, seniority),),
    )
