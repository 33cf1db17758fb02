"""How the notifications service is assembled."""

from __future__ import annotations

from plumbing import topics
from plumbing.app import Job, Runtime, ServiceDefinition
from plumbing.live_graph import feed_task

from notifications.adapters.recipients import MESSAGES, REQUESTS, STAFF_NOTIFICATIONS
from notifications.adapters.session_book import SESSIONS
from notifications.entrypoints.consumer import appointment_reminders, batch_handlers, handlers
from notifications.entrypoints.security_messages import ROUTES
from notifications.graphql.schema import schema
from notifications.graphql.staff_inbox import INBOX_FEED, inbox_keys
from notifications.messages import MESSAGES as CATALOG

# A reminder goes out within this long of its moment (`hours_before` the session).
REMINDERS_EVERY_SECONDS = 5 * 60


async def setup(runtime: Runtime) -> None:
    # The inbox is read by tenant and role, newest first.
    await runtime.db[STAFF_NOTIFICATIONS].create_index([("tenant", 1), ("role", 1), ("at", -1)])
    await runtime.db[MESSAGES].create_index([("tenant", 1), ("client_id", 1), ("at", -1)])
    # The reminders job looks ahead by start, across studios.
    await runtime.db[SESSIONS].create_index([("starts_at", 1)])


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
            # L10: sessions and bookings, for the appointment reminders.
            topics.INGEST_BOOKINGS,
        ),
        handlers=handlers,
        batch_handlers=batch_handlers,
        setup=setup,
        jobs=(Job("appointment_reminders", REMINDERS_EVERY_SECONDS, appointment_reminders),),
        # identity's sign-in codes and password resets (docs/identity.md).
        routes=ROUTES,
        # N3 live: every API replica follows its own topic for the inbox subscriptions.
        api_tasks=(feed_task(INBOX_FEED, (topics.NOTIFICATIONS,), inbox_keys),),
        messages=CATALOG,
    )
