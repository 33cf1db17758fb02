"""Events of the crm context.

`ingest.*` facts come from partners, either straight onto Kafka or through the crm
subgraph's `record*` mutations; both paths produce exactly these shapes. Money amounts
are decimal strings ("12.50"); times are ISO 8601 with offset. Both paths refuse what is
out of `plumbing.bounds` (money, counts, the time a fact happened) in these models, so
every reader of the same fact with the same types decides the same.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from plumbing import topics
from plumbing.bounds import (
    MAX_CAPACITY,
    MAX_DAYS,
    MAX_QUANTITY,
    Amount,
    AwareTime,
    HappenedAt,
    SaleLines,
)
from plumbing.contracts import Catalog, EventData
from pydantic import Field

catalog = Catalog(source="services/crm")

AppPlatform = Literal["ANDROID", "IOS"]
PurchaseCategory = Literal["SERVICE", "VOUCHER", "PACK", "PRODUCT", "SUBSCRIPTION"]
PaymentMethod = Literal["CASH", "CARD", "TRANSFER", "POINTS", "GIFT_CARD", "OTHER"]
SalesChannel = Literal["IN_STUDIO", "APP"]


# ---------------------------------------------------------------- ingest.bookings
@catalog.event("ingest.session_scheduled.v1", topic=topics.INGEST_BOOKINGS)
class SessionScheduled(EventData):
    session_id: str
    service_id: str
    service_name: str | None = None
    professional_id: str | None = None
    professional_name: str | None = None  # for the console's pickers (`professionals`)
    branch_id: str | None = None
    starts_at: AwareTime  # when the class is scheduled: may well be ahead
    capacity: int = Field(ge=0, le=MAX_CAPACITY)


@catalog.event("ingest.booking_made.v1", topic=topics.INGEST_BOOKINGS)
class BookingMade(EventData):
    booking_id: str
    client_id: str
    session_id: str
    from_app: bool = False
    # What the booking consumes: e.g. "CREDIT", "MEMBERSHIP", "VOUCHER", "PAY_AS_YOU_GO".
    balance_kind: str | None = None
    occurred_at: HappenedAt


@catalog.event("ingest.booking_cancelled.v1", topic=topics.INGEST_BOOKINGS)
class BookingCancelled(EventData):
    booking_id: str
    client_id: str
    session_id: str
    balance_kind: str | None = None
    occurred_at: HappenedAt


@catalog.event("ingest.waitlist_joined.v1", topic=topics.INGEST_BOOKINGS)
class WaitlistJoined(EventData):
    entry_id: str
    client_id: str
    session_id: str
    occurred_at: HappenedAt


@catalog.event("ingest.waitlist_converted.v1", topic=topics.INGEST_BOOKINGS)
class WaitlistConverted(EventData):
    entry_id: str
    client_id: str
    session_id: str
    booking_id: str
    occurred_at: HappenedAt


@catalog.event("ingest.visit_recorded.v1", topic=topics.INGEST_BOOKINGS)
class VisitRecorded(EventData):
    """A client attended. `visit_id` identifies the visit, not the message: the same
    visit reported twice carries the same `visit_id` and counts once. When a partner
    omits it, it is `<client_id>:<session_id>`, or `<client_id>:<attended_at>` without a
    session (see `visit_key`)."""

    visit_id: str | None = None
    client_id: str
    session_id: str | None = None
    service_id: str | None = None
    attended_at: HappenedAt


def visit_key(visit: VisitRecorded) -> str:
    if visit.visit_id:
        return visit.visit_id
    if visit.session_id:
        return f"{visit.client_id}:{visit.session_id}"
    return f"{visit.client_id}:{visit.attended_at.isoformat()}"


# ---------------------------------------------------------------- ingest.sales
class PurchaseLine(EventData):
    category: PurchaseCategory
    item_id: str
    name: str
    quantity: int = Field(default=1, ge=1, le=MAX_QUANTITY)
    amount: Amount  # the line total, in the studio's currency


class Payment(EventData):
    method: PaymentMethod
    amount: Amount


@catalog.event("ingest.purchase_recorded.v1", topic=topics.INGEST_SALES)
class PurchaseRecorded(EventData):
    """A sale. `invoice_number` identifies it: the same invoice reported twice is one sale."""

    invoice_number: str
    client_id: str
    branch_id: str | None = None
    channel: SalesChannel = "IN_STUDIO"
    occurred_at: HappenedAt
    lines: SaleLines[PurchaseLine]
    payments: list[Payment]
    # What is still owed (an unpaid or partly paid sale); "0" when fully paid.
    amount_due: Amount = Decimal("0")


@catalog.event("ingest.purchase_refunded.v1", topic=topics.INGEST_SALES)
class PurchaseRefunded(EventData):
    invoice_number: str
    client_id: str | None = None
    occurred_at: HappenedAt


class ReportedCredit(EventData):
    credit_id: str
    kind: str
    status: str
    expires_at: AwareTime | None = None


PaymentOutcome = Literal["SUCCEEDED", "FAILED"]
# The payment attempts a report carries: the newest ones (the card shows "payment
# activity", not an accounting history).
MAX_REPORTED_PAYMENTS = 100


class MembershipPayment(EventData):
    """One attempt to collect a membership's fee (C11, "Actividad de pago")."""

    payment_id: str
    at: HappenedAt
    amount: Amount
    outcome: PaymentOutcome
    method: PaymentMethod | None = None
    # Why a payment failed, in the billing partner's words (e.g. "card expired").
    reason: str | None = Field(default=None, max_length=200)


@catalog.event("ingest.membership_reported.v1", topic=topics.INGEST_SALES)
class MembershipReported(EventData):
    """The billing partner's current view of one membership (latest report wins).
    `next_payment_on` and `payments` were added later: a producer that leaves them out
    reports as before (no next date known, no payment activity)."""

    membership_id: str
    client_id: str
    plan: str
    branch_id: str | None = None
    seller_id: str | None = None
    status: str
    valid_from: date
    valid_until: date | None = None
    tolerance_days: int = Field(default=0, ge=0, le=MAX_DAYS)
    credits: list[ReportedCredit] = Field(default_factory=list)
    note: str | None = None
    reported_at: HappenedAt
    next_payment_on: date | None = None
    payments: list[MembershipPayment] = Field(
        default_factory=list, max_length=MAX_REPORTED_PAYMENTS
    )


@catalog.event("ingest.gift_card_reported.v1", topic=topics.INGEST_SALES)
class GiftCardReported(EventData):
    gift_card_id: str
    client_id: str
    code: str
    balance: Amount
    currency: str
    expires_at: AwareTime | None = None
    reported_at: HappenedAt


# ---------------------------------------------------------------- ingest.app
@catalog.event("ingest.app_session_started.v1", topic=topics.INGEST_APP)
class AppSessionStarted(EventData):
    client_id: str
    platform: AppPlatform
    occurred_at: HappenedAt


@catalog.event("ingest.app_logged_out.v1", topic=topics.INGEST_APP)
class AppLoggedOut(EventData):
    client_id: str
    occurred_at: HappenedAt


@catalog.event("ingest.notification_bounced.v1", topic=topics.INGEST_APP)
class NotificationBounced(EventData):
    client_id: str
    # "APP_UNINSTALLED" takes the client out of the "with the app" count (K6).
    reason: str
    occurred_at: HappenedAt


# ---------------------------------------------------------------- crm.events (K4)
@catalog.event("crm.task_created.v1", topic=topics.CRM)
class TaskCreated(EventData):
    task_id: str
    title: str
    priority: str
    due_at: datetime | None = None
    assignee_id: str | None = None
    client_id: str | None = None


@catalog.event("crm.task_completed.v1", topic=topics.CRM)
class TaskCompleted(EventData):
    task_id: str
    title: str
    client_id: str | None = None
    completed_by: str | None = None


@catalog.event("crm.membership_next_payment_set.v1", topic=topics.CRM)
class MembershipNextPaymentSet(EventData):
    """C11: staff moved a membership's next payment date ("ajuste la próxima fecha de
    pago"). The billing partner follows it on `crm.events`; a report of its own made
    after `set_at` wins again."""

    membership_id: str
    client_id: str
    next_payment_on: date
    previous: date | None = None
    set_by: str | None = None
    set_at: datetime
    note: str | None = Field(default=None, max_length=500)


@catalog.event("crm.client_moved_in_funnel.v1", topic=topics.CRM)
class ClientMovedInFunnel(EventData):
    funnel_id: str
    funnel_name: str
    client_id: str
    stage_id: str
    stage_name: str
    from_stage_id: str | None = None


# ---------------------------------------------------------------- crm.events (live)
FactOutcome = Literal["APPLIED", "WAITING", "PARKED"]


class SettledFact(EventData):
    event_id: str  # the fact's event id: what `record*` answered, or the partner's own
    type: str
    outcome: FactOutcome
    code: str | None = None  # WAITING: what it waits for; PARKED: why it was parked
    reason: str | None = None
    settled_at: datetime


@catalog.event("crm.facts_settled.v1", topic=topics.CRM)
class FactsSettled(EventData):
    """What the crm consumer did with a studio's facts in the last moments (sent by
    `plumbing.fact_reports`, read by the graph's live updates; no consumer acts on it)."""

    facts: list[SettledFact]


@catalog.event("crm.timeline_entry_added.v1", topic=topics.CRM)
class TimelineEntryAdded(EventData):
    """C9: an entry was added to a client's timeline (subject: the client), in the same
    write as the entry (the timeline's outbox). Read by the graph's live updates (the
    client card's subscription); the entry itself, worded for its reader, is crm's
    `TimelineEntry` (`id`, `clientId`)."""

    entry_id: str  # the entry's id: the id of the event it records
    client_id: str
    type: str  # the recorded event's type (`ingest.visit_recorded.v1`…)
    kind: str  # its fact (`visit_recorded`…)
    source: str  # the service that published the recorded event
    at: datetime  # when the recorded fact happened: the entry's place on the timeline
    staff_only: bool = False  # the studio's own work: left out of what clients read
