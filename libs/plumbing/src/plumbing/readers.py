"""Tolerant readers of other contexts' events.

A consumer never imports another service's code or reads its database: it reads the
published contract (docs/events/*.json) through these minimal models, which ignore
fields they do not need, so producers may add fields freely.
"""

from __future__ import annotations

from datetime import date

from pydantic import Field

from plumbing.contracts import EventData

CLIENT_CREATED = "clients.client_created.v1"
CLIENT_UPDATED = "clients.client_updated.v1"
CLIENT_ERASED = "clients.client_erased.v1"
STUDIO_UPDATED = "clients.studio_updated.v1"


class ClientCreatedRead(EventData):
    client_id: str
    first_name: str
    last_name: str
    email: str | None = None
    phone: str | None = None
    birth_date: date | None = None
    gender: str | None = None
    language: str | None = None
    status: str = "ACTIVE"
    preferred_branch_id: str | None = None
    referred_by_client_id: str | None = None


class ClientUpdatedRead(EventData):
    client_id: str
    changes: dict[str, object]


class ClientErasedRead(EventData):
    client_id: str


class StudioUpdatedRead(EventData):
    name: str
    time_zone: str
    currency: str
    language: str
    branch_ids: list[str] | None = None
    branch_time_zones: dict[str, str] = Field(default_factory=dict)
