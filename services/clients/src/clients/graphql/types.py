"""GraphQL types of the clients subgraph, built from stored documents."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime
from typing import Any

import strawberry
from plumbing.clock import as_utc
from plumbing.gql import PageInfo, UserError
from plumbing.mongo import Doc

from clients.domain import model
from clients.domain.model import ClientSource, ClientStatus, Gender

strawberry.enum(ClientStatus)
strawberry.enum(ClientSource)
strawberry.enum(Gender)


@strawberry.type
class Branch:
    id: strawberry.ID
    name: str
    time_zone: str | None


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
                Branch(id=strawberry.ID(b["id"]), name=b["name"], time_zone=b.get("time_zone"))
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


@strawberry.federation.type(keys=["id"])
class Client:
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
    online_booking_blocked: bool
    notes: list[ClientNote]
    created_at: datetime
    updated_at: datetime

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
            notes=[
                ClientNote(
                    id=strawberry.ID(n["id"]),
                    text=n["text"],
                    author_id=strawberry.ID(n["author_id"]),
                    at=as_utc(n["at"]),
                )
                for n in doc.get("notes", [])
            ],
            created_at=as_utc(doc["created_at"]),
            updated_at=as_utc(doc["updated_at"]),
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


@strawberry.input
class ClientFilter:
    search: str | None = strawberry.field(default=None, description="name, email or phone")
    status: list[ClientStatus] | None = None
    branch_id: strawberry.ID | None = None
    birthday_on: date | None = None


@strawberry.input
class AddressInput:
    line1: str | None = None
    line2: str | None = None
    city: str | None = None
    postal_code: str | None = None
    region: str | None = None
    country: str | None = None


@strawberry.input
class ClientInput:
    first_name: str | None = strawberry.UNSET
    middle_name: str | None = strawberry.UNSET
    last_name: str | None = strawberry.UNSET
    email: str | None = strawberry.UNSET
    phone: str | None = strawberry.UNSET
    address: AddressInput | None = strawberry.UNSET
    birth_date: date | None = strawberry.UNSET
    gender: Gender | None = strawberry.UNSET
    referral_source: str | None = strawberry.UNSET
    preferred_branch_id: strawberry.ID | None = strawberry.UNSET
    language: str | None = strawberry.UNSET
    status: ClientStatus | None = strawberry.UNSET
    weight_kg: float | None = strawberry.UNSET
    online_booking_blocked: bool | None = strawberry.UNSET


@strawberry.input
class StudioInput:
    name: str | None = None
    time_zone: str | None = None
    currency: str | None = None
    language: str | None = None
    country: str | None = None


@strawberry.type
class ClientPayload:
    client: Client | None
    user_errors: list[UserError]


@strawberry.type
class StudioPayload:
    studio: Studio | None
    user_errors: list[UserError]


def input_values(value: Any) -> dict[str, Any]:
    """A Strawberry input as a dict of the fields the caller actually sent."""
    out: dict[str, Any] = {}
    for name, field_value in vars(value).items():
        if field_value is strawberry.UNSET:
            continue
        if dataclasses.is_dataclass(field_value) and not isinstance(field_value, type):
            field_value = {k: v for k, v in vars(field_value).items() if v is not strawberry.UNSET}
        out[name] = field_value
    return out
