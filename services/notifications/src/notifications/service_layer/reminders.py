"""Use cases of the appointment reminders sent by themselves (L10, seed 002).

notifications keeps, per session, its start (from `ingest.session_scheduled.v1`, the
newest report winning, so a corrected time moves the reminder) and its bookings (from
`ingest.booking_made.v1` / `booking_cancelled.v1`). The `appointment_reminders` job
sends each standing booking's reminder once, `hours_before` the start: claimed first
(BOOKED → REMINDED), then written through `write_to_client`, whose message records
keyed `appointment-reminder:<booking>|<channel>` make a second run send nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

from plumbing.logs import get_logger

from notifications.domain.reminders import (
    MAX_HOURS_BEFORE,
    ReminderSettings,
    checked_hours,
    is_due,
    reminder_trigger,
)
from notifications.service_layer.dispatch import Deps, RecipientUnknown, write_to_client

log = get_logger("notifications.reminders")

# Seed 002: reminders "por App o SMS"; e-mail when neither reaches the client.
REMINDER_CHANNELS = ("PUSH", "SMS", "EMAIL")
BOOKED, CANCELLED, REMINDED = "BOOKED", "CANCELLED", "REMINDED"


@dataclass(frozen=True)
class BookedClient:
    booking_id: str
    client_id: str
    state: str  # BOOKED, CANCELLED or REMINDED


@dataclass(frozen=True)
class Session:
    session_id: str
    starts_at: datetime
    bookings: Sequence[BookedClient] = ()


class SessionBook(Protocol):
    """One tenant's sessions and bookings as the reminders need them."""

    tenant: str

    async def settings(self) -> ReminderSettings: ...

    async def save_settings(self, settings: ReminderSettings) -> None: ...

    async def session_reported(self, session_id: str, starts_at: datetime, at: datetime) -> None:
        """A session's start; a report older than the one kept changes nothing."""

    async def booked(self, session_id: str, booking_id: str, client_id: str) -> None:
        """A booking; one already known (booked, cancelled or reminded) stays as it is."""

    async def cancelled(self, session_id: str, booking_id: str, client_id: str) -> None: ...

    async def sessions_between(self, after: datetime, until: datetime) -> list[Session]:
        """Sessions starting in (after, until], with their bookings."""

    async def claim(self, session_id: str, booking_id: str) -> bool:
        """BOOKED → REMINDED; False when the booking is not BOOKED any more."""

    async def release(self, session_id: str, booking_id: str) -> None:
        """REMINDED → BOOKED, for a reminder that could not be written yet."""

    async def forget_client(self, client_id: str) -> None:
        """C12: the erased client's bookings go."""


@dataclass
class ReminderRun:
    tenants: int = 0
    sent: int = 0
    withheld: int = 0
    waiting: int = 0
    statuses: list[str] = field(default_factory=list)


async def set_reminder_settings(
    book: SessionBook, *, enabled: bool, hours_before: int, by: str, now: datetime
) -> ReminderSettings:
    """Raises `ReminderSettingsError` (BAD_HOURS) for hours outside 1–168."""
    settings = ReminderSettings(
        enabled=enabled, hours_before=checked_hours(hours_before), changed_by=by, changed_at=now
    )
    await book.save_settings(settings)
    return settings


async def send_due(deps: Deps, book: SessionBook, now: datetime, run: ReminderRun) -> None:
    """The reminders of one studio that are due at `now` (`domain.reminders.is_due`)."""
    settings = await book.settings()
    if not settings.enabled:
        return
    run.tenants += 1
    until = now + timedelta(hours=settings.hours_before)
    for session in await book.sessions_between(now, until):
        if not is_due(session.starts_at, now, settings):
            continue
        for booking in session.bookings:
            if booking.state != BOOKED or not await book.claim(
                session.session_id, booking.booking_id
            ):
                continue
            try:
                statuses = await write_to_client(
                    deps,
                    tenant=book.tenant,
                    trigger_event_id=reminder_trigger(booking.booking_id),
                    client_id=booking.client_id,
                    template_key="appointment_reminder",
                    channels=REMINDER_CHANNELS,
                )
            except RecipientUnknown:
                # The card has not reached this context yet: the next run tries again.
                await book.release(session.session_id, booking.booking_id)
                run.waiting += 1
                continue
            run.statuses += statuses
            if "SENT" in statuses:
                run.sent += 1
            else:
                run.withheld += 1
            log.info(
                "appointment_reminder_written",
                tenant=book.tenant,
                client_id=booking.client_id,
                booking_id=booking.booking_id,
                statuses=statuses,
            )


async def run_reminders(
    deps: Deps,
    open_book: Callable[[str], SessionBook],
    tenants: Sequence[str],
    now: datetime,
) -> ReminderRun:
    """The job over these studios. Safe in several replicas at once: a booking's claim
    is one guarded write, and its message records are keyed by the booking."""
    run = ReminderRun()
    for tenant in tenants:
        await send_due(deps, open_book(tenant), now, run)
    return run


# The furthest a studio may look ahead: the job lists studios with sessions this close.
LOOKAHEAD = timedelta(hours=MAX_HOURS_BEFORE)
