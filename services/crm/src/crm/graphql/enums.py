"""The crm subgraph's statuses and kinds as enums: what partners report as free words
(a membership's status, a credit's) is shown in the contract's words, an unknown word as
OTHER; what crm records (a booking's status, a timeline entry's kind and source) is
closed."""

from __future__ import annotations

from enum import Enum, StrEnum

import strawberry


@strawberry.enum(
    description="A booking's status; as an input (`recordBooking`) also how "
    "the partner reports a waitlist."
)
class BookingStatus(Enum):
    BOOKED = "BOOKED"
    CANCELLED = "CANCELLED"
    WAITLISTED = "WAITLISTED"
    CONVERTED = strawberry.enum_value(
        "CONVERTED", description="A waitlist place that became a booking with the same id."
    )
    CONFIRMED = strawberry.enum_value("CONFIRMED", deprecation_reason="Use BOOKED.")
    CANCELED = strawberry.enum_value("CANCELED", deprecation_reason="Use CANCELLED.")
    WAITLIST = strawberry.enum_value("WAITLIST", deprecation_reason="Use WAITLISTED.")


@strawberry.enum(description="What happened in the client's app (`recordAppEvent`).")
class AppEventKind(StrEnum):
    SESSION_STARTED = "SESSION_STARTED"
    LOGGED_OUT = "LOGGED_OUT"
    NOTIFICATION_BOUNCED = "NOTIFICATION_BOUNCED"
    APP_UNINSTALLED = "APP_UNINSTALLED"


@strawberry.enum
class MembershipStatus(Enum):
    ACTIVE = "ACTIVE"
    PAUSED = "PAUSED"
    EXPIRED = "EXPIRED"
    CANCELLED = "CANCELLED"
    VOID = "VOID"
    OTHER = strawberry.enum_value("OTHER", description="A word of the billing partner's own.")


@strawberry.enum
class CreditStatus(Enum):
    AVAILABLE = strawberry.enum_value("AVAILABLE", description="Not used yet.")
    IN_USE = "IN_USE"
    USED = "USED"
    EXPIRED = "EXPIRED"
    OTHER = strawberry.enum_value("OTHER", description="A word of the billing partner's own.")


@strawberry.enum(description="What a timeline entry records (the fact of its event).")
class TimelineKind(StrEnum):
    NOTE_ADDED = "NOTE_ADDED"
    PREFERENCES_CHANGED = "PREFERENCES_CHANGED"
    CUSTOM_FIELD_VALUE_SET = "CUSTOM_FIELD_VALUE_SET"
    FORM_ASSIGNED = "FORM_ASSIGNED"
    FORM_COMPLETED = "FORM_COMPLETED"
    FORM_REMOVED = "FORM_REMOVED"
    DOCUMENT_ADDED = "DOCUMENT_ADDED"
    DOCUMENT_DELETED = "DOCUMENT_DELETED"
    DISLIKED_SERVICE_ADDED = "DISLIKED_SERVICE_ADDED"
    DISLIKED_SERVICE_UPDATED = "DISLIKED_SERVICE_UPDATED"
    DISLIKED_SERVICE_REMOVED = "DISLIKED_SERVICE_REMOVED"
    RANK_ASSIGNED = "RANK_ASSIGNED"
    CLIENT_ELIGIBLE = "CLIENT_ELIGIBLE"
    CLIENT_PROMOTED = "CLIENT_PROMOTED"
    CLIENT_DEMOTED = "CLIENT_DEMOTED"
    STRIPE_AWARDED = "STRIPE_AWARDED"
    STRIPE_REMOVED = "STRIPE_REMOVED"
    STRIPE_ELIGIBLE = "STRIPE_ELIGIBLE"
    POINTS_EARNED = "POINTS_EARNED"
    POINTS_REDEEMED = "POINTS_REDEEMED"
    POINTS_GRANTED = "POINTS_GRANTED"
    POINTS_DEDUCTED = "POINTS_DEDUCTED"
    POINTS_EXPIRED = "POINTS_EXPIRED"
    POINTS_REVERSED = "POINTS_REVERSED"
    TASK_CREATED = "TASK_CREATED"
    TASK_COMPLETED = "TASK_COMPLETED"
    CLIENT_MOVED_IN_FUNNEL = "CLIENT_MOVED_IN_FUNNEL"
    MESSAGE_SENT = "MESSAGE_SENT"
    STAFF_NOTIFIED = "STAFF_NOTIFIED"
    SESSION_SCHEDULED = "SESSION_SCHEDULED"
    BOOKING_MADE = "BOOKING_MADE"
    BOOKING_CANCELLED = "BOOKING_CANCELLED"
    WAITLIST_JOINED = "WAITLIST_JOINED"
    WAITLIST_CONVERTED = "WAITLIST_CONVERTED"
    VISIT_RECORDED = "VISIT_RECORDED"
    PURCHASE_RECORDED = "PURCHASE_RECORDED"
    PURCHASE_REFUNDED = "PURCHASE_REFUNDED"
    MEMBERSHIP_REPORTED = "MEMBERSHIP_REPORTED"
    MEMBERSHIP_NEXT_PAYMENT_SET = "MEMBERSHIP_NEXT_PAYMENT_SET"
    GIFT_CARD_REPORTED = "GIFT_CARD_REPORTED"
    APP_SESSION_STARTED = "APP_SESSION_STARTED"
    APP_LOGGED_OUT = "APP_LOGGED_OUT"
    NOTIFICATION_BOUNCED = "NOTIFICATION_BOUNCED"
    CLIENT_CREATED = "CLIENT_CREATED"
    OTHER = "OTHER"


@strawberry.enum(description="Which part of the platform recorded a timeline entry.")
class TimelineSource(Enum):
    CLIENTS = "CLIENTS"
    RANKS = "RANKS"
    LOYALTY = "LOYALTY"
    CRM = "CRM"
    NOTIFICATIONS = "NOTIFICATIONS"
    PARTNER = strawberry.enum_value("PARTNER", description="Reported by a partner system.")


_SYNONYMS = {"CANCELED": "CANCELLED", "FROZEN": "PAUSED", "SUSPENDED": "PAUSED"}


def membership_status(word: object) -> MembershipStatus:
    upper = _SYNONYMS.get(str(word).upper(), str(word).upper())
    return (
        MembershipStatus(upper) if upper in MembershipStatus.__members__ else MembershipStatus.OTHER
    )


def credit_status(word: object) -> CreditStatus:
    upper = str(word).upper()
    return CreditStatus(upper) if upper in CreditStatus.__members__ else CreditStatus.OTHER


def booking_status(word: object) -> BookingStatus:
    return (
        BookingStatus.CANCELLED
        if str(word).upper() in {"CANCELLED", "CANCELED"}
        else BookingStatus.BOOKED
    )


def timeline_kind(fact: object) -> TimelineKind:
    upper = str(fact).upper()
    return TimelineKind(upper) if upper in TimelineKind.__members__ else TimelineKind.OTHER


def timeline_source(event_type: str) -> TimelineSource:
    """From the event's type (`loyalty.points_earned.v1`), never the service's name."""
    context = event_type.split(".", 1)[0].upper()
    if context in TimelineSource.__members__:
        return TimelineSource(context)
    return TimelineSource.PARTNER
