"""An account's points as they stand: the balance, its lots and ledger, the keys of what
already applied, and the rules that need no new credit or debit: expiry (L5), reminders
(B5), counting visits (L7) and erasure. `ledger.Account` adds the movements.

Invariants: see `ledger`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from decimal import Decimal

# Constants only (no I/O): the platform-wide bounds every service applies.
from plumbing.bounds import MAX_BALANCE, room

from loyalty.domain.entries import (
    Entry,
    Kind,
    Lot,
    LoyaltyError,
    Reminder,
    Taken,
    reminder_key,
    visit_key,
)


@dataclass
class Balance:
    client_id: str
    balance: int = 0
    lots: list[Lot] = field(default_factory=list)
    entries: list[Entry] = field(default_factory=list)
    keys: set[str] = field(default_factory=set)
    visits: int = 0
    first_invoice: str | None = None
    version: int = 0
    # What this unit of work added, for the repository to append.
    new_entries: list[Entry] = field(default_factory=list)
    new_keys: list[str] = field(default_factory=list)
    new_reminders: list[Reminder] = field(default_factory=list)

    # ------------------------------------------------------------------ helpers
    def _remember(self, key: str) -> None:
        if key not in self.keys:
            self.keys.add(key)
            self.new_keys.append(key)

    def _record(self, entry: Entry) -> Entry:
        self.balance += entry.points
        entry = replace(entry, balance_after=self.balance)
        self.entries.append(entry)
        self.new_entries.append(entry)
        return entry

    def _take(self, points: int, *, prefer: str | None = None) -> tuple[Taken, ...]:
        """Consume `points` from the lots, the preferred lot first, then the oldest."""
        order = sorted(self.lots, key=lambda lot: (lot.id != prefer, lot.at, lot.id))
        taken: list[Taken] = []
        left = points
        remaining: dict[str, int] = {lot.id: lot.points for lot in self.lots}
        for lot in order:
            if left == 0:
                break
            used = min(lot.points, left)
            if used <= 0:
                continue
            taken.append(Taken(lot.id, used, lot.at, lot.expires_at))
            remaining[lot.id] -= used
            left -= used
        if left:
            raise LoyaltyError("INSUFFICIENT_POINTS", "not enough points")  # pragma: no cover
        self.lots = [replace(lot, points=remaining[lot.id]) for lot in self.lots]
        self.lots = [lot for lot in self.lots if lot.points > 0]
        return tuple(taken)

    def _up_to_limit(self, points: int) -> tuple[int, str | None]:
        """What a fact may credit of `points`, and the note when that is less."""
        credited = min(points, room(self.balance))
        if credited == points:
            return points, None
        return credited, (
            f"{points - credited} points above the maximum balance of {MAX_BALANCE} "
            "were not credited"
        )

    def entries_with_key(self, key: str) -> list[Entry]:
        return [e for e in self.entries if e.key == key]

    def expiring_within(self, now: datetime, until: datetime) -> int:
        return sum(lot.points for lot in self.lots if lot.expires_at and lot.expires_at <= until)

    # ------------------------------------------------------------------ expiry (L5)
    def settle(
        self, as_of: datetime, point_value: Decimal, new_id: Callable[[], str]
    ) -> list[Entry]:
        """Expire what is left of every lot whose expiry is at or before `as_of`."""
        made: list[Entry] = []
        for lot in sorted(self.lots, key=lambda lot: (lot.at, lot.id)):
            if lot.expires_at is None or lot.expires_at > as_of or lot.points <= 0:
                continue
            self.lots = [other for other in self.lots if other.id != lot.id]
            made.append(
                self._record(
                    Entry(
                        id=new_id(),
                        kind=Kind.EXPIRE,
                        points=-lot.points,
                        value=-lot.points * point_value,
                        balance_after=0,
                        at=lot.expires_at,
                        source_type="EXPIRY",
                        source_id=lot.id,
                        expires_at=lot.expires_at,
                        taken=(Taken(lot.id, lot.points, lot.at, lot.expires_at),),
                    )
                )
            )
        return made

    # ------------------------------------------------------------------ reminders (B5)
    def remind(self, *, as_of: datetime, days: int, point_value: Decimal) -> list[Reminder]:
        """The lots expiring after `as_of` but within `days` of it that were never reminded
        of, each remembered so it is reminded once (a lot spent and given back by a refund
        keeps its id, so it is not reminded again). `days <= 0`: reminders are off."""
        if days <= 0:
            return []
        until = as_of + timedelta(days=days)
        # Lots already past their expiry are the expiry job's; they are not in the balance
        # the client is told about either.
        balance = self.balance - sum(
            lot.points
            for lot in self.lots
            if lot.expires_at is not None and lot.expires_at <= as_of
        )
        made: list[Reminder] = []
        for lot in sorted(self.lots, key=lambda lot: (lot.expires_at or until, lot.at, lot.id)):
            if lot.expires_at is None or lot.points <= 0 or not as_of < lot.expires_at <= until:
                continue
            key = reminder_key(lot.id)
            if key in self.keys:
                continue
            self._remember(key)
            made.append(
                Reminder(
                    lot.id, lot.points, lot.points * point_value, lot.expires_at, balance, as_of
                )
            )
        self.new_reminders.extend(made)
        return made

    def next_reminder(self) -> datetime | None:
        """When the soonest lot not reminded of yet expires (the reminder job's hint)."""
        pending = [
            lot.expires_at
            for lot in self.lots
            if lot.expires_at is not None and reminder_key(lot.id) not in self.keys
        ]
        return min(pending, default=None)

    # ------------------------------------------------------------------ visits (L7)
    def record_visit(self, key: str) -> int | None:
        """Counts a visit once; returns the new count, or None for a visit already seen."""
        marker = visit_key(key)
        if marker in self.keys:
            return None
        self._remember(marker)
        self.visits += 1
        return self.visits

    # ------------------------------------------------------------------ erasure
    def anonymise(self) -> None:
        """Keep the figures, drop free text that may hold personal data."""
        self.entries = [replace(e, note=None) for e in self.entries]
