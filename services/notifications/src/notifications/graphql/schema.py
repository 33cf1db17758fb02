"""The notifications subgraph: messages sent (or withheld) to a client."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

import strawberry
from plumbing.clock import as_utc
from plumbing.enums import Channel
from plumbing.gql import context_of, error_masking, page_size
from strawberry.types import Info

from notifications.adapters.recipients import messages


@strawberry.enum
class MessageStatus(StrEnum):
    SENT = "SENT"
    SUPPRESSED = "SUPPRESSED"
    FAILED = "FAILED"
    PENDING = "PENDING"


@strawberry.type(description="One message to a client: sent, or withheld with the reason.")
class ClientMessage:
    id: strawberry.ID
    template_key: str
    channel: Channel
    status: MessageStatus
    reason: str | None
    at: datetime


@strawberry.federation.type(keys=["id"])
class Client:
    id: strawberry.ID

    @classmethod
    def resolve_reference(cls, info: Info[Any, Any], id: strawberry.ID) -> Client:
        return cls(id=id)

    @strawberry.field(description="Messages sent or suppressed for this client, newest first.")
    async def messages(self, info: Info[Any, Any], first: int | None = 20) -> list[ClientMessage]:
        ctx = context_of(info)
        if not ctx.principal.is_staff:
            return []
        docs = await messages(ctx.db, ctx.tenant).find(
            {"client_id": str(self.id)}, sort=[("at", -1)], limit=page_size(first)
        )
        return [
            ClientMessage(
                id=strawberry.ID(str(d["_id"]).split(":", 1)[1]),
                template_key=d["template_key"],
                channel=Channel(d["channel"]),
                status=MessageStatus(d["status"]),
                reason=d.get("reason"),
                at=as_utc(d["at"]),
            )
            for d in docs
        ]


schema = strawberry.federation.Schema(
    types=[Client],
    extensions=[error_masking],
    federation_version="2.9",
)
