"""The crm subgraph: the client's activity and timeline on the card."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import strawberry
from plumbing.auth import Role
from plumbing.clock import as_utc
from plumbing.enums import AppPlatform
from plumbing.gql import (
    Money,
    PageInfo,
    context_of,
    decode_cursor,
    encode_cursor,
    error_masking,
    page_size,
)
from strawberry.types import Info

from crm.adapters.profiles import profiles, timeline


@strawberry.type
class Booking:
    id: strawberry.ID
    session_id: strawberry.ID
    service_id: strawberry.ID | None
    service_name: str | None
    professional_id: strawberry.ID | None
    starts_at: datetime
    status: str
    from_app: bool


@strawberry.type
class Sale:
    id: strawberry.ID
    invoice_number: str
    total: Money
    paid: Money
    at: datetime


@strawberry.type
class Credit:
    id: strawberry.ID
    kind: str
    status: str
    expires_at: datetime | None


@strawberry.type
class Membership:
    id: strawberry.ID
    plan: str
    branch_id: strawberry.ID | None
    seller_id: strawberry.ID | None
    status: str
    valid_from: date
    valid_until: date | None
    tolerance_days: int
    credits: list[Credit]
    note: str | None


@strawberry.type
class GiftCard:
    id: strawberry.ID
    code: str
    balance: Money
    expires_at: datetime | None


@strawberry.type
class ClientActivity:
    upcoming_bookings: list[Booking]
    unpaid_sales: list[Sale]
    memberships: list[Membership]
    gift_cards: list[GiftCard]
    has_app: bool
    app_platform: AppPlatform | None

    @strawberry.field
    def past_bookings(self, first: int | None = 20) -> list[Booking]:
        return []


@strawberry.type
class TimelineEntry:
    id: strawberry.ID
    at: datetime
    kind: str
    summary: str
    source: str


@strawberry.type
class TimelineEdge:
    cursor: str
    node: TimelineEntry


@strawberry.type
class TimelineConnection:
    edges: list[TimelineEdge]
    page_info: PageInfo


def _may_see(info: Info[Any, Any], client_id: str) -> bool:
    principal = context_of(info).principal
    return bool(
        principal.is_staff or principal.has(Role.PARTNER) or principal.client_id == client_id
    )


@strawberry.federation.type(keys=["id"])
class Client:
    id: strawberry.ID

    @classmethod
    def resolve_reference(cls, info: Info[Any, Any], id: strawberry.ID) -> Client:
        return cls(id=id)

    @strawberry.field
    async def activity(self, info: Info[Any, Any]) -> ClientActivity:
        ctx = context_of(info)
        profile = (
            await profiles(ctx.db, ctx.tenant).get(str(self.id))
            if _may_see(info, str(self.id))
            else None
        )
        platform = (profile or {}).get("app_platform")
        return ClientActivity(
            upcoming_bookings=[],
            unpaid_sales=[],
            memberships=[],
            gift_cards=[],
            has_app=bool((profile or {}).get("has_app")),
            app_platform=AppPlatform(platform) if platform else None,
        )

    @strawberry.field(description="Everything that happened to this client, newest first.")
    async def timeline(
        self, info: Info[Any, Any], first: int | None = 20, after: str | None = None
    ) -> TimelineConnection:
        if not _may_see(info, str(self.id)):
            return TimelineConnection(
                edges=[], page_info=PageInfo(has_next_page=False, end_cursor=None)
            )
        ctx = context_of(info)
        size = page_size(first)
        query: dict[str, Any] = {"client_id": str(self.id)}
        position = decode_cursor(after)
        if position is not None:
            at_text, _, entry_id = position.partition("|")
            at = datetime.fromisoformat(at_text)
            query["$or"] = [
                {"at": {"$lt": at}},
                {"at": at, "_id": {"$lt": ctx.collection("timeline").key(entry_id)}},
            ]
        docs = await timeline(ctx.db, ctx.tenant).find(
            query, sort=[("at", -1), ("_id", -1)], limit=size + 1
        )
        edges = []
        for doc in docs[:size]:
            entry_id = str(doc["_id"]).split(":", 1)[1]
            at = as_utc(doc["at"])
            edges.append(
                TimelineEdge(
                    cursor=encode_cursor(f"{at.isoformat()}|{entry_id}"),
                    node=TimelineEntry(
                        id=strawberry.ID(entry_id),
                        at=at,
                        kind=doc["kind"],
                        summary=doc["summary"],
                        source=doc["source"],
                    ),
                )
            )
        return TimelineConnection(
            edges=edges,
            page_info=PageInfo(
                has_next_page=len(docs) > size, end_cursor=edges[-1].cursor if edges else None
            ),
        )


schema = strawberry.federation.Schema(
    types=[Client],
    extensions=[error_masking],
    federation_version="2.9",
)
