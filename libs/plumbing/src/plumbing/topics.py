"""The one map of topics (events.md). Producers and consumers name topics only from here."""

from __future__ import annotations

CLIENTS = "clients.events"
RANKS = "ranks.events"
LOYALTY = "loyalty.events"
CRM = "crm.events"
NOTIFICATIONS = "notifications.events"
INGEST_BOOKINGS = "ingest.bookings"
INGEST_SALES = "ingest.sales"
INGEST_APP = "ingest.app"

ALL: tuple[str, ...] = (
    CLIENTS,
    RANKS,
    LOYALTY,
    CRM,
    NOTIFICATIONS,
    INGEST_BOOKINGS,
    INGEST_SALES,
    INGEST_APP,
)


def dlq(topic: str) -> str:
    """Where a consumer parks what it cannot handle, so the partition keeps moving."""
    return f"{topic}.dlq"
