"""K7: partner facts recorded through the graph (the same facts as on Kafka)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

import strawberry
from plumbing import bounds
from plumbing.auth import Role
from plumbing.contracts import EventData
from plumbing.enums import AppPlatform
from plumbing.errors import Forbidden
from plumbing.gql import (
    context_of,
    require,
    require_scope,
    user_error,
)
from plumbing.intake import IngestPayload, Prerequisite
from pydantic import ValidationError
from strawberry.types import Info

from crm.events import (
    GiftCardReported,
    PurchaseRefunded,
    SessionScheduled,
    VisitRecorded,
    catalog,
)
from crm.graphql.context import INGESTERS, storage_of, user_errors
from crm.graphql.enums import AppEventKind, BookingStatus
from crm.graphql.fact_builders import (
    app_facts,
    booking_facts,
    membership_facts,
    purchase_facts,
)
from crm.graphql.fact_refusals import refusals
from crm.graphql.types import MembershipInput, PurchaseInput
from crm.service_layer.ingest import Outcome, record

Doc = dict[str, Any]


def payload_of(outcome: Outcome) -> IngestPayload:
    return IngestPayload(
        accepted=outcome.accepted,
        event_id=strawberry.ID(outcome.event_id) if outcome.event_id else None,
        user_errors=user_errors(outcome.problems),
        waiting_for=[
            Prerequisite(code=p.code, message=p.message, field=list(p.field) or None)
            for p in outcome.waiting_for
        ],
        corrects=strawberry.ID(outcome.corrects) if outcome.corrects else None,
    )


async def _ingest(
    info: Info[Any, Any],
    build: Any,
    *,
    under: str | None = None,
    renames: Mapping[str, str] | None = None,
    own_app: bool = False,
) -> IngestPayload:
    if not own_app:
        require(info, *INGESTERS)
    try:
        facts: list[EventData] = build()
    except ValidationError as exc:
        return IngestPayload(
            accepted=False, event_id=None, user_errors=refusals(exc, under=under, renames=renames)
        )
    for fact in facts if not own_app else []:  # a partner key pushes only what it was given
        require_scope(info, "ingest:" + catalog.type_of(fact).topic.split(".", 1)[1])
    storage = storage_of(info)
    return payload_of(await record(storage.views, storage.recorded, facts))


def _bad(message: str, code: str, *path: str) -> IngestPayload:
    return IngestPayload(
        accepted=False, event_id=None, user_errors=[user_error(message, code, *path)]
    )


@strawberry.type
class FactsMutation:
    @strawberry.mutation(description="K7: a sale (its invoice number identifies it).")
    async def record_purchase(
        self, info: Info[Any, Any], input: PurchaseInput
    ) -> IngestPayload | None:
        return await _ingest(info, lambda: purchase_facts(input), under="input")

    @strawberry.mutation(description="K7: a sale was refunded.")
    async def refund_purchase(
        self, info: Info[Any, Any], invoice_number: str, occurred_at: datetime
    ) -> IngestPayload | None:
        require(info, *INGESTERS)
        require_scope(info, "ingest:sales")
        # A refund before its sale is accepted as PENDING (UNKNOWN_INVOICE): the sale
        # names the client when it arrives.
        sale = await storage_of(info).views.facts.get(f"sale:{invoice_number}") or {}
        return await _ingest(
            info,
            lambda: [
                PurchaseRefunded(
                    invoice_number=invoice_number,
                    client_id=sale.get("client_id"),
                    occurred_at=occurred_at,
                )
            ],
        )

    @strawberry.mutation(description="K7: a session with its capacity (places offered).")
    async def record_session(
        self,
        info: Info[Any, Any],
        id: strawberry.ID,
        service_id: strawberry.ID,
        starts_at: datetime,
        capacity: int,
        professional_id: strawberry.ID | None = None,
        branch_id: strawberry.ID | None = None,
        service_name: str | None = None,
        professional_name: str | None = None,
    ) -> IngestPayload | None:
        require(info, *INGESTERS)
        require_scope(info, "ingest:bookings")
        if not 0 <= capacity <= bounds.MAX_CAPACITY:
            return _bad(
                f"capacity must be between 0 and {bounds.MAX_CAPACITY}", "BAD_CAPACITY", "capacity"
            )
        return await _ingest(
            info,
            lambda: [
                SessionScheduled(
                    session_id=str(id),
                    service_id=str(service_id),
                    service_name=service_name,
                    professional_id=professional_id,
                    professional_name=professional_name,
                    branch_id=branch_id,
                    starts_at=starts_at,
                    capacity=capacity,
                )
            ],
            renames={"session_id": "id"},
        )

    @strawberry.mutation(
        description="K7: status BOOKED, CANCELLED, WAITLISTED or CONVERTED (a waitlist place "
        "that became a booking with the same id)."
    )
    async def record_booking(
        self,
        info: Info[Any, Any],
        id: strawberry.ID,
        client_id: strawberry.ID,
        session_id: strawberry.ID,
        status: BookingStatus,
        from_app: bool,
        occurred_at: datetime,
        balance_kind: str | None = None,
    ) -> IngestPayload | None:
        require(info, *INGESTERS)
        require_scope(info, "ingest:bookings")
        return await _ingest(
            info,
            lambda: booking_facts(
                str(id),
                str(client_id),
                str(session_id),
                status.value,
                from_app,
                balance_kind,
                occurred_at,
            ),
        )

    @strawberry.mutation(description="K7: attendance (the same visit twice counts once).")
    async def record_visit(
        self,
        info: Info[Any, Any],
        client_id: strawberry.ID,
        attended_at: datetime,
        session_id: strawberry.ID | None = None,
        service_id: strawberry.ID | None = None,
        visit_id: strawberry.ID | None = None,
    ) -> IngestPayload | None:
        return await _ingest(
            info,
            lambda: [
                VisitRecorded(
                    visit_id=visit_id,
                    client_id=str(client_id),
                    session_id=session_id,
                    service_id=service_id,
                    attended_at=attended_at,
                )
            ],
        )

    @strawberry.mutation(
        description="K6/K7: kind SESSION_STARTED (needs platform), LOGGED_OUT, "
        "NOTIFICATION_BOUNCED (with reason) or APP_UNINSTALLED."
    )
    async def record_app_event(
        self,
        info: Info[Any, Any],
        client_id: strawberry.ID,
        kind: AppEventKind,
        occurred_at: datetime,
        platform: AppPlatform | None = None,
        reason: str | None = None,
    ) -> IngestPayload | None:
        principal = context_of(info).principal
        # K6 without a partner: the app reports its own sessions and sign-outs with the
        # signed-in client's token, for their own card only.
        own_app = principal.roles == frozenset({Role.CLIENT})
        if own_app and str(client_id) != principal.client_id:
            raise Forbidden("a client reports only their own app's events")
        if not own_app:
            require(info, *INGESTERS)
            require_scope(info, "ingest:app")
        if kind is AppEventKind.SESSION_STARTED and platform is None:
            return _bad(
                "a SESSION_STARTED app event needs its platform", "PLATFORM_REQUIRED", "platform"
            )
        return await _ingest(
            info,
            lambda: app_facts(str(client_id), kind.value, platform, occurred_at, reason),
            own_app=own_app,
        )

    @strawberry.mutation(
        description="C11/K3: a membership as the billing partner reports it (latest report wins)."
    )
    async def record_membership(
        self, info: Info[Any, Any], input: MembershipInput
    ) -> IngestPayload | None:
        return await _ingest(
            info,
            lambda: membership_facts(input),
            under="input",
            renames={"membership_id": "id", "credit_id": "id"},
        )

    @strawberry.mutation(
        description="C11: a gift card as the billing partner reports it (latest report wins)."
    )
    async def record_gift_card(
        self,
        info: Info[Any, Any],
        id: strawberry.ID,
        client_id: strawberry.ID,
        code: str,
        balance: Decimal,
        currency: str,
        reported_at: datetime,
        expires_at: datetime | None = None,
    ) -> IngestPayload | None:
        return await _ingest(
            info,
            lambda: [
                GiftCardReported(
                    gift_card_id=str(id),
                    client_id=str(client_id),
                    code=code,
                    balance=balance,
                    currency=currency.upper(),
                    expires_at=expires_at,
                    reported_at=reported_at,
                )
            ],
            renames={"gift_card_id": "id"},
        )
