"""The client's points on the card, and the entities `node(id)` reaches in loyalty: a
client's account (`LoyaltyAccount`) and the studio's program (`LoyaltyProgram`)."""

from __future__ import annotations

from typing import Any

import strawberry
from plumbing.errors import Forbidden
from plumbing.gql import RequestContext, UserError, context_of, may_read_client
from plumbing.node_ids import key_of
from strawberry.types import Info

from loyalty.adapters.tenant_storage import request_stores
from loyalty.graphql.types import LedgerEntry, LoyaltyAccount, LoyaltyProgram
from loyalty.service_layer import views


@strawberry.federation.type(keys=["id"])
class Client:
    id: strawberry.ID

    @classmethod
    def resolve_reference(cls, info: Info[Any, Any], id: strawberry.ID) -> Client:
        may_read_client(info, str(id))  # a partner without `clients:read` is refused here
        return cls(id=id)

    @strawberry.field(description="The client's points: balance, ledger, what expires when.")
    async def loyalty(self, info: Info[Any, Any]) -> LoyaltyAccount | None:
        ctx = context_of(info)
        client_id = str(self.id)
        if not may_read_client(info, client_id):
            raise Forbidden("a client sees only their own points")
        return await account_view(ctx, client_id)


async def account_view(ctx: RequestContext, client_id: str) -> LoyaltyAccount:
    # The card needs the balance and the lots; the older ledger pages are read only if
    # the query asks for the ledger.
    shown = await views.card(request_stores(ctx), client_id)
    return LoyaltyAccount.of(
        shown.account,
        shown.program,
        shown.currency,
        known=shown.known,
        unread_pages=shown.unread_pages,
    )


async def program_view(ctx: RequestContext) -> LoyaltyProgram:
    program = await views.shown_program(request_stores(ctx))
    currency = await views.studio_currency(request_stores(ctx))
    return LoyaltyProgram.of(program, currency)


async def account_by_id(info: Info[Any, Any], id: strawberry.ID) -> LoyaltyAccount | None:
    """`node(id)` of a LoyaltyAccount (clients checked the card is the caller's studio's)."""
    key = key_of(str(id), "LoyaltyAccount", 1)
    if key is None:
        return None
    if not may_read_client(info, key[0]):
        raise Forbidden("a client sees only their own points")
    return await account_view(context_of(info), key[0])


async def program_by_id(info: Info[Any, Any], id: strawberry.ID) -> LoyaltyProgram | None:
    ctx = context_of(info)
    if key_of(str(id), "LoyaltyProgram", 1) != (ctx.tenant,):
        return None
    return await program_view(ctx)


LoyaltyAccount.resolve_reference = classmethod(  # type: ignore[attr-defined]
    lambda cls, info, id: account_by_id(info, id)
)
LoyaltyProgram.resolve_reference = classmethod(  # type: ignore[attr-defined]
    lambda cls, info, id: program_by_id(info, id)
)


@strawberry.type
class LedgerPayload:
    entries: list[LedgerEntry]
    account: LoyaltyAccount | None
    client: Client | None = strawberry.field(
        description="The client whose points changed (their card's `loyalty` is `account`)."
    )
    user_errors: list[UserError]
