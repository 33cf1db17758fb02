"""Appointment reminders sent by themselves (L10, seed 002 `$CLIPOINTS$`): the rules.

A reminder goes out once per booking, `hours_before` the session starts, while the
booking stands and the session has not started. The studio may switch them off.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

DEFAULT_HOURS_BEFORE = 24
# A week ahead at most: a reminder further out is an announcement, not a reminder.
MAX_HOURS_BEFORE = 168
MIN_HOURS_BEFORE = 1


@dataclass(frozen=True)
class ReminderSettings:
    enabled: bool = True
    hours_before: int = DEFAULT_HOURS_BEFORE
    changed_by: str | None = None
    changed_at: datetime | None = None


class ReminderSettingsError(ValueError):
    def __init__(self, message: str, code: str, **params: object) -> None:
        super().__init__(message)
        self.code = code
        self.params = params


def checked_hours(hours_before: int) -> int:
    if not MIN_HOURS_BEFORE <= hours_before <= MAX_HOURS_BEFORE:
        raise ReminderSettingsError(
            f"hoursBefore must be between {MIN_HOURS_BEFORE} and {MAX_HOURS_BEFORE}",
            "BAD_HOURS",
            min=MIN_HOURS_BEFORE,
            max=MAX_HOURS_BEFORE,
        )
    return hours_before


def is_due(starts_at: datetime, now: datetime, settings: ReminderSettings) -> bool:
    """Worked example (24 h): a session at 19:00 on Tuesday is due from 19:00 on Monday
    until 18:59:59 on Tuesday; at 19:00 it has started and the reminder is never sent."""
    if not settings.enabled:
        return False
    return now < starts_at <= now + timedelta(hours=settings.hours_before)


def reminder_trigger(booking_id: str) -> str:
    """The trigger id of a booking's reminder: its message records are
    `<trigger>|<channel>`, so a second run (or replica) finds them and sends nothing."""
    return f"appointment-reminder:{booking_id}"
