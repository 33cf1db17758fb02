"""B7: staff set or lift a client's booking block. Thin: arguments -> use case -> payload."""

from __future__ import annotations

from typing import Any

import strawberry
from plumbing.auth import STAFF
from plumbing.gql import require
from strawberry.types import Info

from clients.domain.booking_block import BlockMode
from clients.graphql.caller import repo_of
from clients.graphql.card_details import CardDetailsMutation
from clients.graphql.payloads import ClientPayload, client_payload
from clients.graphql.types import BookingBlockMode
from clients.service_layer import booking_blocks


@strawberry.input(description="B7: a block on a client's bookings.")
class BookingBlockInput:
    mode: BookingBlockMode
    reason: str | None = strawberry.field(
        default=None,
        description="Why, in staff's words (at most 300 characters); booking systems show it "
        "to staff.",
    )
    branch_ids: list[strawberry.ID] = strawberry.field(
        default_factory=list, description="The branches it covers; empty: every branch."
    )


@strawberry.type
class BookingBlockMutation(CardDetailsMutation):
    @strawberry.mutation(
        description="B7: block a client's bookings (replaces any block they had). "
        "`bookingCheck` answers with its mode and the booking systems follow it."
    )
    async def set_booking_block(
        self, info: Info[Any, Any], client_id: strawberry.ID, input: BookingBlockInput
    ) -> ClientPayload | None:
        ctx = require(info, *STAFF)
        repo = repo_of(ctx)
        outcome = await booking_blocks.set_booking_block(
            repo.cards(),
            await repo.studio(),
            str(client_id),
            mode=BlockMode(input.mode.name),
            reason=input.reason,
            branch_ids=[str(b) for b in input.branch_ids],
            set_by=ctx.principal.subject,
            now=ctx.now(),
        )
        return client_payload(outcome)

    @strawberry.mutation(
        description="B7: lift a client's booking block (nothing to lift: the card)."
    )
    async def lift_booking_block(
        self, info: Info[Any, Any], client_id: strawberry.ID
    ) -> ClientPayload | None:
        ctx = require(info, *STAFF)
        outcome = await booking_blocks.lift_booking_block(
            repo_of(ctx).cards(), str(client_id), now=ctx.now()
        )
        return client_payload(outcome)
