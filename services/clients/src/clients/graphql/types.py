"""GraphQL types of the clients subgraph, built from stored documents."""

from __future__ import annotations

from datetime import date, datetime
from enum import Enum
from typing import Any

import strawberry
from plumbing.auth import STAFF, Role
from plumbing.clock import as_utc
from plumbing.enums import Channel, MessageCategory
from plumbing.gql import PageInfo, context_of
from plumbing.mongo import Doc
from plumbing.node_ids import global_id
from strawberry.types import Info

from clients.adapters.repository import for_request
from clients.domain import model
from clients.domain.booking_block import block_of
from clients.domain.card import CHANNELS, MESSAGE_CATEGORIES, BookingChannel, CustomFieldType
from clients.domain.model import ClientSource, ClientStatus, Gender, branch_time_zone
from clients.graphql.consent import ConsentRecord
from clients.graphql.consent import records as consent_records
from clients.service_layer.signing import download_url

strawberry.enum(ClientStatus)
strawberry.enum(ClientSource)
strawberry.enum(Gender)
strawberry.enum(CustomFieldType)
strawberry.enum(BookingChannel)


@strawberry.interface(
    description="An object with a stable, globally unique id: `node(id)` fetches it again. "
    "A client's id is its `Client.id`; the others' ids are opaque (docs/contract.md)."
)
class Node:
    id: strawberry.ID


@strawberry.type
class Branch:
    id: strawberry.ID
    name: str
    time_zone: str = strawberry.field(
        description="The branch's time zone (IANA): its own when it was given one, else the "
        "studio's. 'Today' at the branch is the day in it."
    )
    own_time_zone: str | None = strawberry.field(
        description="The time zone the branch was given; null when it follows the studio's."
    )


@strawberry.type(
    description="The tenant: its time zone decides what 'today' means, its currency prices points."
)
class Studio:
    id: strawberry.ID
    name: str
    time_zone: str
    currency: str
    language: str
    country: str | None = strawberry.field(
        description="ISO 3166 country; phone numbers without a prefix are read in it."
    )
    branches: list[Branch]

    @classmethod
    def from_doc(cls, doc: Doc) -> Studio:
        return cls(
            id=strawberry.ID(doc["id"]),
            name=doc["name"],
            time_zone=doc["time_zone"],
            currency=doc["currency"],
            language=doc["language"],
            country=doc.get("country"),
            branches=[
                Branch(
                    id=strawberry.ID(b["id"]),
                    name=b["name"],
                    time_zone=branch_time_zone(b, doc["time_zone"]),
                    own_time_zone=b.get("time_zone"),
                )
                for b in doc["branches"]
            ],
        )


@strawberry.type
class Address:
    line1: str | None = None
    line2: str | None = None
    city: str | None = None
    postal_code: str | None = None
    region: str | None = None
    country: str | None = None


@strawberry.type
class WeightReading:
    kg: float
    at: datetime


@strawberry.type
class ClientNote:
    id: strawberry.ID
    text: str
    author_id: strawberry.ID
    at: datetime


@strawberry.type
class CustomFieldDefinition:
    id: strawberry.ID
    label: str
    type: CustomFieldType
    choices: list[str] | None
    collect_on: list[str] = strawberry.field(
        description="The intake forms that collect this field."
    )
    required: bool
    archived: bool = strawberry.field(
        description="Archived fields are no longer offered; values already set are kept."
    )

    @classmethod
    def from_doc(cls, doc: Doc) -> CustomFieldDefinition:
        return cls(
            id=strawberry.ID(doc["id"]),
            label=doc["label"],
            type=CustomFieldType(doc["type"]),
            choices=doc.get("choices"),
            collect_on=list(doc.get("collect_on") or []),
            required=bool(doc.get("required")),
            archived=bool(doc.get("archived")),
        )


@strawberry.type
class CustomFieldValue:
    field: CustomFieldDefinition
    value: str | None = strawberry.field(description="As entered (and normalised by type).")
    retired_choice: bool = strawberry.field(
        default=False,
        description="A CHOICE value the field no longer offers (its choices were edited "
        "after it was entered): kept as entered until someone sets another.",
    )


@strawberry.type
class AssignedForm:
    id: strawberry.ID
    form_id: strawberry.ID
    name: str
    assigned_at: datetime
    completed_at: datetime | None


@strawberry.type
class ClientDocument:
    id: strawberry.ID
    type: str
    file_name: str
    content_type: str
    size_bytes: int
    visible_to_client: bool
    uploaded_at: datetime
    download_url: str = strawberry.field(
        description="A short-lived signed link to the file (no token needed until "
        "`downloadUrlExpiresAt`); read the card again for a fresh one."
    )
    download_url_expires_at: datetime = strawberry.field(
        description="When `downloadUrl` stops working (minutes after the card was read)."
    )


@strawberry.type
class DislikedService:
    id: strawberry.ID
    service_id: strawberry.ID
    service_name: str
    comment: str | None
    at: datetime


@strawberry.type
class CommunicationPreference(Node):
    id: strawberry.ID
    category: MessageCategory
    channel: Channel
    enabled: bool
    changed_at: datetime


def _staff(info: Info[Any, Any]) -> bool:
    return context_of(info).principal.has(*STAFF)


def _client_self(info: Info[Any, Any]) -> bool:
    principal = context_of(info).principal
    return principal.has(Role.CLIENT) and not principal.is_staff


@strawberry.enum(description="B7: what a booking block lets the client do.")
class BookingBlockMode(Enum):
    WAITLIST_ONLY = strawberry.enum_value(
        "WAITLIST_ONLY", description="No booking online; waitlists open; staff book in the studio."
    )
    NEEDS_APPROVAL = strawberry.enum_value(
        "NEEDS_APPROVAL", description="A booking online is a request the studio approves."
    )
    NO_BOOKING = strawberry.enum_value(
        "NO_BOOKING", description="No booking on any channel, waitlists included."
    )


@strawberry.type(description="B7: a block on a client's bookings, as staff set it.")
class BookingBlock:
    mode: BookingBlockMode
    reason: str | None = strawberry.field(description="Why, in staff's words (staff only).")
    branch_ids: list[strawberry.ID] = strawberry.field(
        description="The branches it covers; empty: every branch."
    )
    set_by: str | None = strawberry.field(description="Who set it (staff only).")
    set_at: datetime | None = strawberry.field(
        description="When it was set; null for a block set with the old switch."
    )


@strawberry.federation.type(keys=["id"])
class Client(Node):
    id: strawberry.ID
    first_name: str
    middle_name: str | None
    last_name: str
    email: str | None
    phone: str | None
    address: Address | None
    birth_date: date | None
    gender: Gender | None
    referral_source: str | None
    preferred_branch_id: strawberry.ID | None
    language: str | None
    status: ClientStatus
    source: ClientSource
    weight_kg: float | None
    weight_history: list[WeightReading]
    online_booking_blocked: bool = strawberry.field(
        deprecation_reason="Use bookingBlock (mode, reason, branches); true while any block is set."
    )
    created_at: datetime
    updated_at: datetime
    doc: strawberry.Private[Doc]

    @strawberry.field(
        description="B7: the block on the client's bookings (mode, reason, branches, who "
        "set it and when); null when they may book freely. The reason is staff's own words: "
        "staff only (null for the client themself)."
    )
    def booking_block(self, info: Info[Any, Any]) -> BookingBlock | None:
        block = block_of(self.doc)
        if block is None:
            return None
        return BookingBlock(
            mode=BookingBlockMode(block.mode.value),
            reason=block.reason if _staff(info) else None,
            branch_ids=[strawberry.ID(b) for b in block.branch_ids],
            set_by=block.set_by if _staff(info) else None,
            set_at=as_utc(block.set_at) if block.set_at else None,
        )

    @strawberry.field(description="Staff notes (staff only; empty for the client themself).")
    def notes(self, info: Info[Any, Any]) -> list[ClientNote]:
        if not _staff(info):
            return []
        return [
            ClientNote(
                id=strawberry.ID(n["id"]),
                text=n["text"],
                author_id=strawberry.ID(n["author_id"]),
                at=as_utc(n["at"]),
            )
            for n in self.doc.get("notes", [])
        ]

    @strawberry.field(
        description="C5: a value for every field in use, and for archived fields that "
        "still hold one."
    )
    async def custom_fields(self, info: Info[Any, Any]) -> list[CustomFieldValue]:
        ctx = context_of(info)
        if "custom_fields" not in ctx.cache:
            repo = for_request(ctx)
            ctx.cache["custom_fields"] = await repo.shown_definitions()
        values: dict[str, Any] = self.doc.get("custom_values") or {}
        out = []
        for definition in ctx.cache["custom_fields"]:
            value = values.get(definition["id"])
            if definition.get("archived") and value is None:
                continue
            choices = definition.get("choices") or []
            retired = definition["type"] == "CHOICE" and value is not None and value not in choices
            out.append(
                CustomFieldValue(
                    field=CustomFieldDefinition.from_doc(definition),
                    value=value,
                    retired_choice=retired,
                )
            )
        return out

    @strawberry.field(description="C6: intake forms assigned to the client.")
    def forms(self) -> list[AssignedForm]:
        return [
            AssignedForm(
                id=strawberry.ID(f["id"]),
                form_id=strawberry.ID(f["form_id"]),
                name=f["name"],
                assigned_at=as_utc(f["assigned_at"]),
                completed_at=as_utc(f["completed_at"]) if f.get("completed_at") else None,
            )
            for f in self.doc.get("forms") or []
        ]

    @strawberry.field(
        description="C6: documents; the client themself sees only those visible to them."
    )
    def documents(self, info: Info[Any, Any]) -> list[ClientDocument]:
        ctx = context_of(info)
        staff = _staff(info)
        if not staff and not _client_self(info):
            return []
        now = ctx.now()
        shown = []
        for d in self.doc.get("documents") or []:
            if not (staff or d.get("visible_to_client")):
                continue
            url, expires_at = download_url(ctx.settings, ctx.tenant, self.doc["id"], d["id"], now)
            shown.append(
                ClientDocument(
                    id=strawberry.ID(d["id"]),
                    type=d["type"],
                    file_name=d["file_name"],
                    content_type=d["content_type"],
                    size_bytes=int(d["size_bytes"]),
                    visible_to_client=bool(d["visible_to_client"]),
                    uploaded_at=as_utc(d["uploaded_at"]),
                    download_url=url,
                    download_url_expires_at=expires_at,
                )
            )
        return shown

    @strawberry.field(description="C7: services the client does not want.")
    def disliked_services(self) -> list[DislikedService]:
        return [
            DislikedService(
                id=strawberry.ID(i["id"]),
                service_id=strawberry.ID(i["service_id"]),
                service_name=i["service_name"],
                comment=i.get("comment"),
                at=as_utc(i["at"]),
            )
            for i in self.doc.get("disliked") or []
        ]

    @strawberry.field(
        description="C8: every category on every channel (15 switches); a switch never "
        "changed is on since the card was created."
    )
    def communication_preferences(self) -> list[CommunicationPreference]:
        stored: dict[str, Doc] = self.doc.get("preferences") or {}
        created = as_utc(self.doc["created_at"])
        out = []
        for category in MESSAGE_CATEGORIES:
            for channel in CHANNELS:
                switch = stored.get(f"{category}_{channel}")
                out.append(
                    CommunicationPreference(
                        id=strawberry.ID(
                            global_id("CommunicationPreference", self.doc["id"], category, channel)
                        ),
                        category=MessageCategory(category),
                        channel=Channel(channel),
                        enabled=bool(switch["enabled"]) if switch else True,
                        changed_at=as_utc(switch["changed_at"]) if switch else created,
                    )
                )
        return out

    @strawberry.field(
        description="B8: every change of a communication preference, newest first: who, "
        "through which channel, the consent shown (staff and the client themself)."
    )
    def consent_history(self, info: Info[Any, Any]) -> list[ConsentRecord]:
        if not _staff(info) and not _client_self(info):
            return []
        return consent_records(self.doc)

    @classmethod
    def from_doc(cls, doc: Doc) -> Client:
        address = doc.get("address")
        return cls(
            id=strawberry.ID(doc["id"]),
            first_name=doc["first_name"],
            middle_name=doc.get("middle_name"),
            last_name=doc["last_name"],
            email=doc.get("email"),
            phone=doc.get("phone"),
            address=Address(**address) if address else None,
            birth_date=date.fromisoformat(doc["birth_date"]) if doc.get("birth_date") else None,
            gender=model.Gender(doc["gender"]) if doc.get("gender") else None,
            referral_source=doc.get("referral_source"),
            preferred_branch_id=doc.get("preferred_branch_id"),
            language=doc.get("language"),
            status=model.ClientStatus(doc["status"]),
            source=model.ClientSource(doc["source"]),
            weight_kg=doc.get("weight_kg"),
            weight_history=[
                WeightReading(kg=w["kg"], at=as_utc(w["at"])) for w in doc.get("weight_history", [])
            ],
            online_booking_blocked=bool(doc.get("online_booking_blocked")),
            created_at=as_utc(doc["created_at"]),
            updated_at=as_utc(doc["updated_at"]),
            doc=doc,
        )


@strawberry.type
class ClientEdge:
    cursor: str
    node: Client


@strawberry.type
class ClientConnection:
    edges: list[ClientEdge]
    page_info: PageInfo
    total_count: int
