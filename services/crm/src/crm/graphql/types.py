"""Strawberry types of the crm subgraph (contract names and shapes)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import Enum

import strawberry
from plumbing.enums import AppPlatform, PaymentMethod, PurchaseCategory, SalesChannel
from plumbing.gql import Money, PageInfo

from crm.graphql.enums import (
    BookingStatus,
    CreditStatus,
    MembershipStatus,
    TimelineKind,
    TimelineSource,
)


@strawberry.enum
class Period(Enum):
    DAY = "DAY"
    MONTH = "MONTH"


@strawberry.enum
class ClientScope(Enum):
    ALL = "ALL"
    ACTIVE = "ACTIVE"


@strawberry.enum
class TaskPriority(Enum):
    LOW = "LOW"
    NORMAL = "NORMAL"
    HIGH = "HIGH"
    URGENT = "URGENT"


@strawberry.type
class Booking:
    id: strawberry.ID
    session_id: strawberry.ID
    service_id: strawberry.ID | None
    service_name: str | None
    professional_id: strawberry.ID | None
    starts_at: datetime
    status: BookingStatus
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
    kind: str = strawberry.field(
        description="The billing partner's own category of the credit (e.g. CLASS)."
    )
    status: CreditStatus
    expires_at: datetime | None


@strawberry.enum(description="C11: how an attempt to collect a membership's fee ended.")
class PaymentOutcome(Enum):
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"


@strawberry.type(description="C11: one attempt to collect a membership's fee.")
class MembershipPayment:
    id: strawberry.ID
    at: datetime
    amount: Money
    outcome: PaymentOutcome
    method: PaymentMethod | None
    reason: str | None = strawberry.field(description="Why it failed, in the partner's words.")


@strawberry.type
class Membership:
    id: strawberry.ID
    plan: str
    branch_id: strawberry.ID | None
    seller_id: strawberry.ID | None
    status: MembershipStatus
    valid_from: date
    valid_until: date | None
    tolerance_days: int
    credits: list[Credit]
    note: str | None
    next_payment_on: date | None = strawberry.field(
        description="C11: when the next fee is due (the billing partner's date, or the one "
        "staff set since its last report)."
    )
    next_payment_set_by: str | None = strawberry.field(
        description="Who moved the next payment date, when staff did since the last report."
    )
    payment_activity: list[MembershipPayment] = strawberry.field(
        description='C11 "Actividad de pago": the attempts to collect the fee, '
        "succeeded and failed, newest first."
    )


@strawberry.type
class GiftCard:
    id: strawberry.ID
    code: str
    balance: Money
    expires_at: datetime | None


@strawberry.federation.type(
    keys=["id clientId"],
    description="C9: one entry of a client's timeline. Other subgraphs name one by its "
    "`id` and `clientId` (the client card's live updates, `ClientCardChange.timelineEntry`).",
)
class TimelineEntry:
    id: strawberry.ID = strawberry.field(description="The id of the event it records.")
    client_id: strawberry.ID = strawberry.field(description="Whose timeline it is on.")
    at: datetime
    kind: TimelineKind
    summary: str = strawberry.field(description="What happened, in the reader's language.")
    source: TimelineSource


@strawberry.type
class TimelineEdge:
    cursor: str
    node: TimelineEntry


@strawberry.type
class TimelineConnection:
    edges: list[TimelineEdge]
    page_info: PageInfo


@strawberry.type(
    description="K2: a place on a session's waitlist, with the session it waits for "
    "(a click on the day's waitlist opens that session)."
)
class WaitlistEntry:
    id: strawberry.ID = strawberry.field(description="The partner's waitlist entry id.")
    client_id: strawberry.ID | None = strawberry.field(
        description="Null once the client was erased (the entry still counts)."
    )
    session_id: strawberry.ID
    starts_at: datetime | None
    service_id: strawberry.ID | None
    service_name: str | None
    professional_id: strawberry.ID | None
    branch_id: strawberry.ID | None
    joined_at: datetime | None
    converted: bool = strawberry.field(description="The place became a booking.")


@strawberry.type
class OccupancyPoint:
    at: datetime
    places_offered: int
    places_booked: int
    rate: float


@strawberry.type(description="B10: one weekday × hour cell of a month's occupancy.")
class HeatCell:
    weekday: int = strawberry.field(description="ISO weekday: 1 Monday … 7 Sunday.")
    hour: int
    places_offered: int
    places_booked: int
    rate: float


@strawberry.type
class Bucket:
    key: str
    count: int


@strawberry.type
class Demographics:
    gender: list[Bucket]
    age_bands: list[Bucket]
    app_platform: list[Bucket]


@strawberry.type
class FunnelStage:
    id: strawberry.ID
    name: str
    client_count: int


@strawberry.type
class Funnel:
    id: strawberry.ID
    name: str
    stages: list[FunnelStage]
    created_at: datetime


@strawberry.input
class PurchaseLineInput:
    category: PurchaseCategory
    item_id: strawberry.ID
    name: str
    amount: Decimal
    quantity: int = 1


@strawberry.input
class PaymentInput:
    method: PaymentMethod
    amount: Decimal


@strawberry.input
class PurchaseInput:
    client_id: strawberry.ID
    invoice_number: str
    channel: SalesChannel
    occurred_at: datetime
    lines: list[PurchaseLineInput]
    payments: list[PaymentInput]
    branch_id: strawberry.ID | None = None
    amount_due: Decimal | None = strawberry.field(
        default=None,
        description="What is still owed; by default the total minus the payments.",
    )


@strawberry.input(description="A credit of a membership as the billing partner reports it.")
class CreditInput:
    id: strawberry.ID
    kind: str
    status: str = strawberry.field(description="AVAILABLE (unused), IN_USE, USED or EXPIRED.")
    expires_at: datetime | None = None


@strawberry.input(description="C11: one attempt to collect a membership's fee.")
class MembershipPaymentInput:
    id: strawberry.ID
    at: datetime
    amount: Decimal
    outcome: PaymentOutcome
    method: PaymentMethod | None = None
    reason: str | None = None


@strawberry.input(description="C11/K3: the billing partner's current view of one membership.")
class MembershipInput:
    id: strawberry.ID
    client_id: strawberry.ID
    plan: str
    status: str
    valid_from: date
    reported_at: datetime
    valid_until: date | None = None
    tolerance_days: int = 0
    branch_id: strawberry.ID | None = None
    seller_id: strawberry.ID | None = None
    credits: list[CreditInput] = strawberry.field(default_factory=list)
    note: str | None = None
    next_payment_on: date | None = None
    payments: list[MembershipPaymentInput] = strawberry.field(
        default_factory=list, description="The payment activity, at most 100 attempts."
    )


__all__ = ["AppPlatform"]
