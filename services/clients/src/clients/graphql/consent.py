"""B8 consent evidence in the graph: the channel a preference change came through, and
the records a card keeps (`domain/consent.py`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import strawberry
from plumbing.auth import Role
from plumbing.clock import as_utc
from plumbing.enums import Channel, MessageCategory
from plumbing.gql import RequestContext
from plumbing.mongo import Doc

from clients.domain import consent

ConsentSource = strawberry.enum(
    consent.ConsentSource,
    description="B8: where a preference change came from. Staff: CONSOLE, PHONE, IN_PERSON; "
    "the client: APP, WEB, EMAIL_LINK, SMS_REPLY; a partner: PARTNER_SYSTEM or the "
    "client's channel it relays.",
)
ConsentActor = strawberry.enum(
    consent.ActorKind, name="ConsentActor", description="B8: who changed a preference."
)


@strawberry.type(description="B8: one change of a communication preference, as evidence.")
class ConsentRecord:
    category: MessageCategory
    channel: Channel
    enabled: bool
    at: datetime
    actor: ConsentActor  # type: ignore[valid-type]
    actor_id: str = strawberry.field(
        description="The client's id for the client, else the token's subject."
    )
    via: ConsentSource  # type: ignore[valid-type]
    consent_text: str | None = strawberry.field(description="The wording shown, if sent.")
    consent_version: str | None = strawberry.field(description="Its version, if sent.")

    @classmethod
    def of(cls, doc: Doc) -> ConsentRecord:
        return cls(
            category=MessageCategory(doc["category"]),
            channel=Channel(doc["channel"]),
            enabled=bool(doc["enabled"]),
            at=as_utc(doc["at"]),
            actor=consent.ActorKind(doc["actor_kind"]),
            actor_id=str(doc["actor_id"]),
            via=consent.ConsentSource(doc["source"]),
            consent_text=doc.get("wording"),
            consent_version=doc.get("version"),
        )


def actor_of(ctx: RequestContext) -> tuple[consent.ActorKind, str]:
    """The caller as the evidence names it (the resolver admitted only these three): a
    client by their card's id, staff and partners by their token's subject."""
    principal = ctx.principal
    if principal.is_staff:
        return consent.ActorKind.STAFF, principal.subject
    if principal.has(Role.CLIENT):
        return consent.ActorKind.CLIENT, principal.client_id or principal.subject
    return consent.ActorKind.PARTNER, principal.subject


def records(card: Doc) -> list[ConsentRecord]:
    found: list[Any] = card.get("consent_evidence") or []
    return [ConsentRecord.of(d) for d in reversed(found)]  # newest first
