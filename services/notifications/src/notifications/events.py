"""The events the notifications context publishes (schema version 1), and the tolerant
readers of the other contexts' events it consumes (docs/events/*.json)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from plumbing import topics
from plumbing.bounds import AwareTime, HappenedAt
from plumbing.contracts import Catalog, EventData

catalog = Catalog(source="services/notifications")


@catalog.event("notifications.message_requested.v1", topic=topics.NOTIFICATIONS)
class MessageRequested(EventData):
    """N4: staff asked, from the client card, for a message to be sent to the client."""

    client_id: str
    template_key: str
    channel: str | None = None  # None: the first channel the client can be reached on
    requested_by: str


@catalog.event("notifications.message_sent.v1", topic=topics.NOTIFICATIONS)
class MessageSent(EventData):
    """A message left for the client (accepted by the mail server or the provider)."""

    message_id: str
    client_id: str
    template_key: str
    channel: str
    category: str | None = None
    trigger_event_id: str
    subject: str | None = None
    sent_at: datetime


@catalog.event("notifications.message_suppressed.v1", topic=topics.NOTIFICATIONS)
class MessageSuppressed(EventData):
    """N2: a message that may not be sent (preferences, no address), with the reason."""

    message_id: str
    client_id: str
    template_key: str
    channel: str
    category: str | None = None
    trigger_event_id: str
    reason: str


@catalog.event("notifications.message_failed.v1", topic=topics.NOTIFICATIONS)
class MessageFailed(EventData):
    """Every delivery attempt failed; the message is not tried again."""

    message_id: str
    client_id: str
    template_key: str
    channel: str
    trigger_event_id: str
    reason: str
    attempts: int


@catalog.event("notifications.staff_notified.v1", topic=topics.NOTIFICATIONS)
class StaffNotified(EventData):
    """N3: a notification reached the console inbox of every staff member of one role."""

    notification_id: str
    role: str
    kind: str
    client_id: str | None = None
    message: str
    trigger_event_id: str


# ---------------------------------------------------------------- what we read

PREFERENCES_CHANGED = "clients.preferences_changed.v1"
# Whether the client has the studio's app (K7 facts from the app partner, topic ingest.app):
# push messages reach only a client whose newest app fact is a session.
APP_SESSION_STARTED = "ingest.app_session_started.v1"
APP_LOGGED_OUT = "ingest.app_logged_out.v1"
NOTIFICATION_BOUNCED = "ingest.notification_bounced.v1"
CLIENT_ELIGIBLE = "ranks.client_eligible.v1"
CLIENT_PROMOTED = "ranks.client_promoted.v1"
POINTS_REDEEMED = "loyalty.points_redeemed.v1"
POINTS_EXPIRING = "loyalty.points_expiring.v1"
POINTS_EVENTS = (
    "loyalty.points_earned.v1",
    "loyalty.points_granted.v1",
    "loyalty.points_deducted.v1",
    "loyalty.points_expired.v1",
    "loyalty.points_reversed.v1",
)


class AppFactRead(EventData):
    client_id: str
    # The newest fact decides: one from the future would decide until then (crm parks it
    # too: `plumbing.bounds`, FUTURE_TIME).
    occurred_at: HappenedAt
    reason: str | None = None  # notification_bounced: APP_UNINSTALLED takes the app away


class PreferencesChangedRead(EventData):
    client_id: str
    category: str
    channel: str
    enabled: bool
    changed_at: datetime


class ClientEligibleRead(EventData):
    client_id: str
    category_id: str
    category_name: str
    rank_id: str | None = None
    rank_name: str | None = None
    next_rank_id: str
    next_rank_name: str
    terminology: str = "BELTS"
    notify_roles: tuple[str, ...] = ()
    notify_client: bool = False
    visits_in_rank: int | None = None
    days_in_rank: int | None = None


class ClientPromotedRead(EventData):
    client_id: str
    category_name: str | None = None
    to_rank_name: str | None = None
    rank_name: str | None = None
    terminology: str = "BELTS"
    notify_client: bool = False


class PointsChangedRead(EventData):
    """Any `loyalty.points_*.v1`: the balance after it is what `{points}` shows."""

    client_id: str
    points: int | None = None
    value: Decimal | None = None  # what `points` are worth: prices one point
    balance_after: int | None = None
    currency: str | None = None

    def value_per_point(self) -> Decimal | None:
        if self.value is None or not self.points:
            return None
        return self.value / self.points


class PointsRedeemedRead(PointsChangedRead):
    points: int
    invoice_number: str | None = None
    branch_id: str | None = None
    channel: str | None = None
    send_receipt: bool = False


class PointsExpiringRead(EventData):
    """`loyalty.points_expiring.v1` (B5): one lot's points expire at `expires_at`."""

    client_id: str
    points: int
    value: Decimal | None = None  # what `points` are worth: prices one point
    currency: str | None = None
    expires_at: datetime
    balance: int

    def balance_value(self) -> Decimal | None:
        if self.value is None or not self.points:
            return None
        return self.value / self.points * self.balance


class SessionScheduledRead(EventData):
    """`ingest.session_scheduled.v1`, for the reminders: a re-report moves the start."""

    session_id: str
    starts_at: AwareTime


class BookingRead(EventData):
    """`ingest.booking_made.v1` / `booking_cancelled.v1`, for the reminders."""

    booking_id: str
    client_id: str
    session_id: str


SESSION_SCHEDULED = "ingest.session_scheduled.v1"
BOOKING_MADE = "ingest.booking_made.v1"
BOOKING_CANCELLED = "ingest.booking_cancelled.v1"
