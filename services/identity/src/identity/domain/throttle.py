"""Brute-force throttling: failed sign-ins counted per account and per address.

After `LIMIT` failures within `WINDOW`, further attempts are refused until the oldest
counted failure leaves the window, right password or not, so guessing costs time.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

WINDOW = timedelta(minutes=15)
ACCOUNT_LIMIT = 5
ADDRESS_LIMIT = 100


@dataclass
class Failures:
    times: list[datetime] = field(default_factory=list)

    def recent(self, now: datetime) -> list[datetime]:
        return [t for t in self.times if now - t < WINDOW]

    def blocked_until(self, now: datetime, limit: int) -> datetime | None:
        recent = self.recent(now)
        if len(recent) < limit:
            return None
        return recent[-limit] + WINDOW

    def add(self, now: datetime, limit: int) -> Failures:
        return Failures([*self.recent(now), now][-limit:])
