"""How the clients service is assembled: schema, collections, consumers, indexes."""

from __future__ import annotations

from datetime import datetime

from plumbing import topics
from plumbing.app import Job, Runtime, ServiceDefinition
from plumbing.envelope import Envelope
from plumbing.live_graph import feed_task

from clients.adapters.repository import (
    OUTBOX_COLLECTIONS,
    Repository,
    StoredImportJobs,
    prepare,
)
from clients.entrypoints import consumer, search_feed
from clients.entrypoints.auth_routes import ROUTES as AUTH_ROUTES
from clients.entrypoints.downloads import ROUTES as DOWNLOAD_ROUTES
from clients.entrypoints.internal_routes import ROUTES as INTERNAL_ROUTES
from clients.graphql.card_live import CARD_FEED, CARD_TOPICS, card_keys
from clients.graphql.import_live import import_keys
from clients.graphql.schema import schema
from clients.messages import MESSAGES
from clients.service_layer import imports
from clients.service_layer.studio import studio_view


async def setup(runtime: Runtime) -> None:
    await prepare(runtime.db)


def definition() -> ServiceDefinition:
    return ServiceDefinition(
        name="clients",
        schema=schema,
        outbox_collections=OUTBOX_COLLECTIONS,
        consume_topics=(topics.RANKS, topics.LOYALTY),
        handlers=consumer.handlers,
        batch_handlers=consumer.batch_handlers,
        setup=setup,
        routes=[*DOWNLOAD_ROUTES, *AUTH_ROUTES, *INTERNAL_ROUTES],
        # The card's live changes and the imports' progress: every API replica follows
        # the topics with its own feed.
        api_tasks=(search_feed.run, feed_task(CARD_FEED, CARD_TOPICS, live_keys)),
        jobs=(Job("import_watchdog", 60, stalled_imports),),
        messages=MESSAGES,
        studio_language=studio_language,
    )


async def studio_language(runtime: Runtime, tenant: str) -> str | None:
    """The studio's own language: this service owns the studio (the others keep a copy)."""
    studio = await Repository(runtime.db, tenant, runtime.outbox).studio()
    return str(studio_view(tenant, studio).get("language") or "") or None


def live_keys(envelope: Envelope) -> list[str]:
    return [*card_keys(envelope), *import_keys(envelope)]


async def stalled_imports(runtime: Runtime, now: datetime, tenant: str | None) -> int:
    return await imports.fail_stalled(StoredImportJobs(runtime.db), now, tenant)
