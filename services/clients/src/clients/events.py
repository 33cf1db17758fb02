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
    # Each branch's resolved time zone (its own, else the studio's), by branch id.
    branch_time_zones: dict[str, str] = Field(default_factory=dict)


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
    # B8: who changed it (CLIENT | STAFF | PARTNER), through which channel (CONSOLE, APP,
    # …) and the version of the consent shown, if the caller said; the wording stays on
    # the card (the evidence), not in every consumer's copy.
    actor_kind: str | None = None
    via: str | None = None
    consent_version: str | None = None


@catalog.event("clients.custom_field_defined.v1", topic=topics.CLIENTS)
class CustomFieldDefined(EventData):
    """C5: a studio added a custom field to its client cards."""

    field_id: str
    label: str
    type: str  # TEXT | NUMBER | DATE | EMAIL | PHONE | CHOICE | BOOLEAN
    choices: list[str] | None = None
    collect_on: list[str] = Field(default_factory=list)
    required: bool = False


@catalog.event("clients.custom_field_archived.v1", topic=topics.CLIENTS)
class CustomFieldArchived(EventData):
    """C5: a custom field is no longer offered; the values already set are kept."""

    field_id: str


@catalog.event("clients.custom_field_edited.v1", topic=topics.CLIENTS)
class CustomFieldEdited(EventData):
    """C5: a studio edited a custom field (label, choices, forms, required): the field as
    it is now, and the names of what changed. Values already entered are unchanged."""

    field_id: str
    label: str
    type: str
    choices: list[str] | None = None
    collect_on: list[str] = Field(default_factory=list)
    required: bool = False
    changed: list[str] = Field(default_factory=list)  # label, choices, collect_on, required


@catalog.event("clients.custom_field_value_set.v1", topic=topics.CLIENTS)
class CustomFieldValueSet(EventData):
    client_id: str
    field_id: str
    label: str
    value: str | None = None  # None: the value was cleared


@catalog.event("clients.form_assigned.v1", topic=topics.CLIENTS)
class FormAssigned(EventData):
    client_id: str
    assigned_form_id: str
    form_id: str
    name: str


@catalog.event("clients.form_completed.v1", topic=topics.CLIENTS)
class FormCompleted(EventData):
    client_id: str
    assigned_form_id: str
    form_id: str
    name: str
    completed_at: datetime


@catalog.event("clients.form_removed.v1", topic=topics.CLIENTS)
class FormRemoved(EventData):
    client_id: str
    assigned_form_id: str
    form_id: str
    name: str


@catalog.event("clients.document_added.v1", topic=topics.CLIENTS)
class DocumentAdded(EventData):
    client_id: str
    document_id: str
    type: str
    file_name: str
    content_type: str
    size_bytes: int
    visible_to_client: bool


@catalog.event("clients.document_deleted.v1", topic=topics.CLIENTS)
class DocumentDeleted(EventData):
    client_id: str
    document_id: str
    type: str
    file_name: str


@catalog.event("clients.disliked_service_added.v1", topic=topics.CLIENTS)
class DislikedServiceAdded(EventData):
    client_id: str
    disliked_id: str
    service_id: str
    service_name: str
    comment: str | None = None


@catalog.event("clients.disliked_service_updated.v1", topic=topics.CLIENTS)
class DislikedServiceUpdated(EventData):
    client_id: str
    disliked_id: str
    service_id: str
    service_name: str
    comment: str | None = None


@catalog.event("clients.disliked_service_removed.v1", topic=topics.CLIENTS)
class DislikedServiceRemoved(EventData):
    client_id: str
    disliked_id: str
    service_id: str
    service_name: str


# ---------------------------------------------------------------- read from other contexts
# Tolerant readers: only the fields this context uses (C10's rank and points filters).

RANK_EVENTS = ("ranks.rank_assigned.v1", "ranks.client_promoted.v1", "ranks.client_demoted.v1")
IMPORT_PROGRESSED = "clients.import_progressed.v1"


@catalog.event(IMPORT_PROGRESSED, topic=topics.CLIENTS)
class ImportProgressed(EventData):
    """C1: an import's counters after a batch of rows, or its end (COMPLETED, FAILED).
    For the graph's live updates (`importJobProgress`); no consumer acts on it."""

    job_id: str
    status: str  # RUNNING, COMPLETED or FAILED
    total: int
    processed: int
    created: int
    duplicates: int
    error_count: int


# crm's announcement of a timeline entry (C9): the card's live updates say it; its
# wording is crm's (`TimelineEntry`, resolved through the gateway).
TIMELINE_ENTRY_ADDED = "crm.timeline_entry_added.v1"

POINTS_EVENTS = tuple(
    f"loyalty.points_{fact}.v1"
    for fact in ("earned", "redeemed", "granted", "deducted", "expired", "reversed")
)


class RankHeld(EventData):
    """`rank_assigned`, `client_promoted`, `client_demoted`: the rank held in the category
    after the change."""

    client_id: str
    category_id: str
    rank_id: str


class PointsBalance(EventData):
    """Every `points_*` event: the balance after it."""

    client_id: str
    balance_after: int
