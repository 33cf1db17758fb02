"""How the notifications service is assembled."""

from __future__ import annotations

from plumbing import topics
from plumbing.app import Runtime, ServiceDefinition
from plumbing.live_graph import feed_task

from notifications.adapters.recipients import MESSAGES, REQUESTS, STAFF_NOTIFICATIONS
from notifications.entrypoints.consumer import batch_handlers, handlers
from notifications.entrypoints.security_messages import ROUTES
from notifications.graphql.schema import INBOX_FEED, inbox_keys, schema
from notifications.messages import MESSAGES as CATALOG


async def setup(runtime: Runtime) -> None:
    # The inbox is read by tenant and role, newest first.
    await runtime.db[STAFF_NOTIFICATIONS].create_index([("tenant", 1), ("role", 1), ("at", -1)])
    await runtime.db[MESSAGES].create_index([("tenant", 1), ("client_id", 1), ("at", -1)])


def definition() -> ServiceDefinition:
    return ServiceDefinition(
        name="notifications",
        schema=schema,
        outbox_collections=(MESSAGES, STAFF_NOTIFICATIONS, REQUESTS),
        consume_topics=(
            topics.CLIENTS,
            topics.RANKS,
            topics.LOYALTY,
            topics.NOTIFICATIONS,
            topics.INGEST_APP,
        ),
        handlers=handlers,
        batch_handlers=batch_handlers,
        setup=setup,
        # identity's sign-in codes and password resets (docs/identity.md).
        routes=ROUTES,
        # N3 live: every API replica follows its own topic for the inbox subscriptions.
        api_tasks=(feed_task(INBOX_FEED, (topics.NOTIFICATIONS,), inbox_keys),),
        messages=CATALOG,
    )
