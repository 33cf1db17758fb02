"""Time as a dependency: production reads the system clock, tests drive their own."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    def now(self) -> datetime:
        # Milliseconds, as BSON stores them: a time answered at once and the same time
        # read back later are then equal.
        now = datetime.now(UTC)
        return now.replace(microsecond=now.microsecond // 1000 * 1000)


class ManualClock:
    """A clock that only moves when told to (for tests of expiry and seniority)."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("ManualClock needs a timezone-aware start")
        self._now = start.astimezone(UTC)

    def now(self) -> datetime:
        return self._now

    def advance(self, delta: timedelta) -> None:
        self._now += delta


def utcnow() -> datetime:
    return datetime.now(UTC)


def as_utc(value: datetime) -> datetime:
    """Timezone-aware UTC; naive datetimes coming back from BSON are UTC by definition."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def to_millis(value: datetime) -> datetime:
    """UTC, cut to the millisecond: what `rfc3339` writes and BSON stores, so a moment
    written and read back is the same moment."""
    at = as_utc(value)
    return at.replace(microsecond=at.microsecond // 1000 * 1000)


def rfc3339(value: datetime) -> str:
    """The one written form of a moment, in the graph and on Kafka alike: RFC 3339 in UTC
    with exactly three fractional digits and `Z` (`2026-03-02T09:30:00.000Z`), the form
    every JavaScript engine parses (React Native's included). Naive means UTC, as BSON."""
    return to_millis(value).replace(tzinfo=None).isoformat(timespec="milliseconds") + "Z"
