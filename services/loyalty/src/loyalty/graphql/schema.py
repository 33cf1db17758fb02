"""The loyalty subgraph: the points account on the client card."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any

import strawberry
from plumbing.gql import Money, PageInfo, context_of, error_masking
from plumbing.studio import studio_settings
from strawberry.types import Info

from loyalty.adapters.accounts import accounts


@strawberry.enum
class LedgerKind(StrEnum):
    EARN = "EARN"
    REDEEM = "REDEEM"
    GRANT = "GRANT"
    DEDUCT = "DEDUCT"
    EXPIRE = "EXPIRE"
    REVERSAL = "REVERSAL"


@strawberry.type
class LedgerEntry:
    id: strawberry.ID
    kind: LedgerKind
    points: int
    value: Money
    branch_id: strawberry.ID | None
    invoice_number: str | None
    source_type: str
    source_id: strawberry.ID | None
    source_name: str | None
    note: str | None
    actor_id: strawberry.ID | None
    at: datetime
    expires_at: datetime | None


@strawberry.type
class LedgerEdge:
    cursor: str
    node: LedgerEntry


@strawberry.type
class LedgerConnection:
    edges: list[LedgerEdge]
    page_info: PageInfo


@strawberry.type
class LoyaltyAccount:
    client_id: strawberry.Private[str]
    balance: int
    balance_value: Money

    @strawberry.field(description="Points that expire within the given number of days.")
    def expiring_within(self, days: int) -> int:
        return 0

    @strawberry.field
    def ledger(
        self,
        first: int | None = 20,
        after: str | None = None,
        from_: Annotated[datetime | None, strawberry.argument(name="from")] = None,
        to: datetime | None = None,
    ) -> LedgerConnection:
        return LedgerConnection(edges=[], page_info=PageInfo(has_next_page=False, end_cursor=None))


@strawberry.federation.type(keys=["id"])
class Client:
    id: strawberry.ID

    @classmethod
    def resolve_reference(cls, info: Info[Any, Any], id: strawberry.ID) -> Client:
        return cls(id=id)

    @strawberry.field
    async def loyalty(self, info: Info[Any, Any]) -> LoyaltyAccount:
        ctx = context_of(info)
        client_id = str(self.id)
        allowed = ctx.principal.is_staff or ctx.principal.client_id == client_id
        account = await accounts(ctx.db, ctx.tenant).get(client_id) if allowed else None
        balance = int(account["balance"]) if account else 0
        studio = await studio_settings(ctx.db, ctx.tenant)
        point_value = Decimal("0.01")
        return LoyaltyAccount(
            client_id=client_id,
            balance=balance,
            balance_value=Money(amount=point_value * balance, currency=studio.currency),
        )


schema = strawberry.federation.Schema(
    types=[Client],
    extensions=[error_masking],
    federation_version="2.9",
)
