"""C9: how a timeline entry is shown (its summary in the reader's language, with the
studio's words), and how another subgraph's reference to one is read: the client card's
live updates name an entry the consumer just added by its `id` and `clientId`."""

from __future__ import annotations

from typing import Any

import strawberry
from plumbing.clock import as_utc
from plumbing.gql import context_of, may_read_client
from plumbing.i18n import current_language
from strawberry.types import Info

from crm.domain.timeline import STAFF_ONLY, summarise
from crm.graphql.context import storage_of
from crm.graphql.enums import timeline_kind, timeline_source
from crm.graphql.types import TimelineEntry

Doc = dict[str, Any]


async def service_names(info: Info[Any, Any], entries: list[Doc]) -> dict[str, str]:
    """The names of the services the entries' sessions are of (a booking's event names
    its session only): session id -> service name, for the sessions reported."""
    sessions = {
        str(data["session_id"])
        for data in (e.get("data") or {} for e in entries)
        if data.get("session_id") and not data.get("service_name")
    }
    if not sessions:
        return {}
    found = await storage_of(info).views.facts.get_many([f"session:{s}" for s in sessions])
    return {
        str(doc.get("session_id") or key.split(":", 1)[1]): str(doc["service_name"])
        for key, doc in found.items()
        if doc.get("service_name")
    }


def shown_entry(
    entry: Doc, client_id: str, currency: str, services: dict[str, str]
) -> TimelineEntry:
    """A stored entry as the reader sees it, in the request's language."""
    return TimelineEntry(
        id=strawberry.ID(entry["id"]),
        client_id=strawberry.ID(client_id),
        at=as_utc(entry["at"]),
        kind=timeline_kind(entry["kind"]),
        summary=summarise(
            entry["type"],
            entry.get("data") or {},
            current_language(),
            currency=currency,
            services=services,
        ),
        source=timeline_source(entry["type"]),
    )


async def entry_by_key(info: Info[Any, Any], entry_id: str, client_id: str) -> TimelineEntry | None:
    """`_entities` of a TimelineEntry: the caller's studio's (the storage is the
    studio's), for a caller who may read the client's timeline, and for staff only when
    it is the studio's own work, as the card's `timeline` shows it."""
    if not may_read_client(info, client_id):
        return None
    storage = storage_of(info)
    entry = await storage.views.timelines.entry(client_id, entry_id)
    if entry is None:
        return None
    if entry.get("kind") in STAFF_ONLY and not context_of(info).principal.is_staff:
        return None
    currency = (await storage.studio()).currency
    return shown_entry(entry, client_id, currency, await service_names(info, [entry]))


TimelineEntry.resolve_reference = classmethod(  # type: ignore[attr-defined]
    lambda cls, info, id, clientId: entry_by_key(info, str(id), str(clientId))
)
