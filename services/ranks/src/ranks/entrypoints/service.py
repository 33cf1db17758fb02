"""How the ranks service is assembled."""

from __future__ import annotations

from plumbing import topics
from plumbing.app import Job, Runtime, ServiceDefinition

from ranks.adapters import tenant_storage
from ranks.adapters.members import CARDS, MEMBERS
from ranks.adapters.programs import PROGRAM_STUDIOS, PROGRAMS
from ranks.entrypoints.consumer import handlers, seniority
from ranks.graphql.schema import schema

SENIORITY_EVERY_SECONDS = 15 * 60


async def setup(runtime: Runtime) -> None:
    await tenant_storage.prepare(runtime.store(), runtime.db)


def definition() -> ServiceDefinition:
    return ServiceDefinition(
        name="ranks",
        schema=schema,
        aggregates=[MEMBERS, PROGRAMS, PROGRAM_STUDIOS],
        read_models=[CARDS],
        consume_topics=(topics.CLIENTS, topics.INGEST_BOOKINGS),
        handlers=handlers,
        setup=setup,
        jobs=(Job("seniority", SENIORITY_EVERY_SECONDS, seniority),),
    )
