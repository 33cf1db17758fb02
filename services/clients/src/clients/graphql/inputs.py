"""GraphQL inputs of the clients subgraph: the search filter, a card, the studio."""

from __future__ import annotations

import dataclasses
from datetime import date
from typing import Any

import strawberry

from clients.domain.model import ClientStatus, Gender


@strawberry.input
class ClientFilter:
    search: str | None = strawberry.field(default=None, description="name, email or phone")
    status: list[ClientStatus] | None = None
    branch_id: strawberry.ID | None = None
    birthday_on: date | None = None
    birthday_this_month: bool | None = strawberry.field(
        default=None,
        description="C10: born in the studio's current month, in the studio's time zone "
        "(false or null: no condition).",
    )
    rank_id: strawberry.ID | None = strawberry.field(
        default=None, description="Holds this rank in any category (kept from ranks events)."
    )
    min_points: int | None = strawberry.field(
        default=None, description="Points balance at least this (kept from loyalty events)."
    )
    max_points: int | None = strawberry.field(
        default=None, description="Points balance at most this."
    )


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


@strawberry.input(description="C5: a custom field's value on a new card.")
class CustomFieldValueInput:
    field_id: strawberry.ID
    value: str | None = None


@strawberry.input
class StudioInput:
    name: str | None = None
    time_zone: str | None = None
    currency: str | None = None
    language: str | None = None
    country: str | None = None


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
