"""The events the clients context publishes on `clients.events` (schema version 1)."""

from __future__ import annotations

from datetime import date, datetime

from plumbing import topics
from plumbing.contracts import Catalog, EventData
from pydantic import Field

catalog = Catalog(source="services/clients")


@catalog.event("clients.studio_updated.v1", topic=topics.CLIENTS)
class StudioUpdated(EventData):
    name: str
    time_zone: str
    currency: str
    language: str
    country: str | None = None
    branch_ids: list[str] = Field(default_factory=list)


@catalog.event("clients.client_created.v1", topic=topics.CLIENTS)
class ClientCreated(EventData):
    client_id: str
    first_name: str
    last_name: str
    email: str | None = None
    phone: str | None = None
    birth_date: date | None = None
    gender: str | None = None
    language: str | None = None
    status: str
    source: str
    preferred_branch_id: str | None = None
    referred_by_client_id: str | None = None


@catalog.event("clients.client_updated.v1", topic=topics.CLIENTS)
class ClientUpdated(EventData):
    client_id: str
    # Only the fields that changed, by their snake_case names, with their new values.
    changes: dict[str, object]


@catalog.event("clients.note_added.v1", topic=topics.CLIENTS)
class NoteAdded(EventData):
    client_id: str
    note_id: str
    text: str
    author_id: str


@catalog.event("clients.client_erased.v1", topic=topics.CLIENTS)
class ClientErased(EventData):
    client_id: str


@catalog.event("clients.preferences_changed.v1", topic=topics.CLIENTS)
class PreferencesChanged(EventData):
    """C8: one switch of a client's communication preferences changed."""

    client_id: str
    category: str  # APPOINTMENTS | SERVICE | PACKAGES | MARKETING | TRANSACTIONS
    channel: str  # SMS | PUSH | EMAIL
    enabled: bool
    changed_at: datetime
