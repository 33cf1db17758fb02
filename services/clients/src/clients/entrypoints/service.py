"""How the clients service is assembled: schema, collections, consumers, indexes."""

from __future__ import annotations

from datetime import datetime

from plumbing import topics
from plumbing.app import Job, Runtime, ServiceDefinition

from clients.adapters.repository import OUTBOX_COLLECTIONS
from clients.entrypoints import search_feed
from clients.entrypoints.auth_routes import ROUTES as AUTH_ROUTES
from clients.entrypoints.downloads import ROUTES as DOWNLOAD_ROUTES
from clients.graphql.schema import schema
from clients.service_layer import imports, standing


async def setup(runtime: Runtime) -> None:
    clients = runtime.db["clients"]
    await clients.create_index([("tenant", 1), ("sort_name", 1), ("id", 1)])
    await clients.create_index([("tenant", 1), ("birth_md", 1)])
    # FerretDB's SQLite backend answers every non-`_id` filter by scanning, so an index on
    # the rank/points read model would only slow every write down: none, on purpose.
    names = await clients.index_information()
    for name in ("tenant_1_rank_ids_1", "tenant_1_points_1"):
        if name in names:
            await clients.drop_index(name)


def definition() -> ServiceDefinition:
    return ServiceDefinition(
        name="clients",
        schema=schema,
        outbox_collections=OUTBOX_COLLECTIONS,
        consume_topics=(topics.RANKS, topics.LOYALTY),
        handlers=lambda runtime: standing.handlers(runtime.db),
        batch_handlers=lambda runtime: standing.batch_handlers(runtime.db),
        setup=setup,
        routes=[*DOWNLOAD_ROUTES, *AUTH_ROUTES],
        api_tasks=(search_feed.run,),
        jobs=(Job("import_watchdog", 60, stalled_imports),),
    )


async def stalled_imports(runtime: Runtime, now: datetime, tenant: str | None) -> int:
    return await imports.fail_stalled(runtime.db, now, tenant)
