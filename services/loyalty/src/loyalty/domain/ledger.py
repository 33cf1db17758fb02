"""One client's points: the ledger, the lots it is made of, and every rule that moves them.

Invariants (checked by the property test):
- `balance == sum(entry.points for entry in entries) == sum(lot.points for lot in lots)`;
- `balance >= 0` after every operation (nothing is ever overdrawn);
- `balance <= MAX_BALANCE` (`plumbing.bounds`), so every balance and movement fits the
  graph's 32-bit `Int`: a grant by hand that would pass it is refused (POINTS_LIMIT);
  what a fact credits (a purchase, an automation, a promotion, a refund giving spent
  points back) is credited up to it, and the entry's note says what was left out;
- an operation carrying an idempotency key already seen has no effect (replays).

Points live in lots: each credit (earn, grant, returned spend) is a lot with its own
expiry. Spending takes the oldest unexpired lots first; expiry turns what is left of an
expired lot into an EXPIRE entry. An operation never moves points to another account.
A client is reminded of a lot about to expire once per lot (B5); a reminder moves nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from decimal import Decimal

# Constants only (no I/O): the platform-wide bounds every service applies.
from plumbing.bounds import MAX_BALANCE, POINTS_LIMIT, room

from loyalty.domain.balance import Balance
from loyalty.domain.entries import (
    Entry,
    Kind,
    Lot,
    LoyaltyError,
    Reminder,
    Taken,
    earn_key,
    promotion_key,
    redeem_key,
    refund_key,
    reminder_key,
    visit_key,
)

__all__ = [
    "Account",
    "Balance",
    "Entry",
    "Kind",
    "Lot",
    "LoyaltyError",
    "Reminder",
    "Taken",
    "earn_key",
    "promotion_key",
    "redeem_key",
    "refund_key",
    "reminder_key",
    "visit_key",
]


@dataclass
class Account(Balance):
    """The movements of points (L2-L8, L11): credits and debits, each an entry."""

    # ------------------------------------------------------------------ credits
    def earn(
        self,
        *,
        entry_id: str,
        invoice: str,
        points: int,
        point_value: Decimal,
        at: datetime,
        expires_at: datetime | None,
        branch_id: str | None,
        source_name: str | None,
    ) -> list[Entry]:
        """Points a purchase earned (L2). A replay, or a purchase already refunded, earns
        nothing; a purchase earning 0 is still remembered (first purchase, replays)."""
        key = earn_key(invoice)
        if key in self.keys:
            return []
        self._remember(key)
        if self.first_invoice is None:
            self.first_invoice = invoice
        if points <= 0 or refund_key(invoice) in self.keys:
            return []
        points, note = self._up_to_limit(points)
        if points <= 0:
            return []
        self.lots.append(Lot(entry_id, points, at, expires_at))
        return [
            self._record(
                Entry(
                    id=entry_id,
                    kind=Kind.EARN,
                    points=points,
                    value=points * point_value,
                    balance_after=0,
                    at=at,
                    key=key,
                    branch_id=branch_id,
                    invoice_number=invoice,
                    source_type="PURCHASE",
                    source_id=invoice,
                    source_name=source_name,
                    note=note,
                    expires_at=expires_at,
                )
            )
        ]

    def grant(
        self,
        *,
        entry_id: str,
        points: int,
        point_value: Decimal,
        at: datetime,
        expires_at: datetime | None,
        key: str | None = None,
        source_type: str = "MANUAL",
        source_id: str | None = None,
        source_name: str | None = None,
        note: str | None = None,
        actor_id: str | None = None,
    ) -> list[Entry]:
        """Points given by staff (L6, no `key`) or by an automation (L7, its own expiry, a
        `key` that makes it once). Staff are told when the balance cannot take them all
        (POINTS_LIMIT); an automation gives what it can."""
        if points <= 0:
            raise LoyaltyError("BAD_POINTS", "points must be a positive whole number")
        if key is None and points > room(self.balance):
            raise LoyaltyError(
                POINTS_LIMIT,
                f"the client has {self.balance} points: {points} more would pass the "
                f"maximum balance of {MAX_BALANCE}",
                balance=self.balance,
                points=points,
                maximum=MAX_BALANCE,
            )
        if key is not None:
            if key in self.keys:
                return []
            self._remember(key)
        points, capped = self._up_to_limit(points)
        if points <= 0:
            return []
        self.lots.append(Lot(entry_id, points, at, expires_at))
        return [
            self._record(
                Entry(
                    id=entry_id,
                    kind=Kind.GRANT,
                    points=points,
                    value=points * point_value,
                    balance_after=0,
                    at=at,
                    key=key,
                    source_type=source_type,
                    source_id=source_id,
                    source_name=source_name,
                    note=" ".join(n for n in (note, capped) if n) or None,
                    actor_id=actor_id,
                    expires_at=expires_at,
                )
            )
        ]

    def reward_promotion(
        self,
        *,
        entry_id: str,
        rank_id: str,
        rank_name: str | None,
        points: int,
        expiry_days: int,
        point_value: Decimal,
        at: datetime,
    ) -> list[Entry]:
        """B4: the points a promotion to `rank_id` earns, once per client and rank whatever
        happens later (a replay, or a demotion and a new promotion, grant nothing more)."""
        return self.grant(
            entry_id=entry_id,
            points=points,
            point_value=point_value,
            at=at,
            expires_at=at + timedelta(days=expiry_days),
            key=promotion_key(rank_id),
            source_type="PROMOTION",
            source_id=rank_id,
            source_name=rank_name,
        )

    # ------------------------------------------------------------------ debits
    def deduct(
        self,
        *,
        entry_id: str,
        points: int,
        point_value: Decimal,
        at: datetime,
        note: str | None,
        actor_id: str | None,
    ) -> list[Entry]:
        """Points taken by hand (L6): never below zero, so more than the balance is refused."""
        if points <= 0:
            raise LoyaltyError("BAD_POINTS", "points must be a positive whole number")
        if points > self.balance:
            raise LoyaltyError(
                "INSUFFICIENT_POINTS",
                f"the client has {self.balance} points; {points} cannot be deducted",
                balance=self.balance,
                points=points,
            )
        taken = self._take(points)
        return [
            self._record(
                Entry(
                    id=entry_id,
                    kind=Kind.DEDUCT,
                    points=-points,
                    value=-points * point_value,
                    balance_after=0,
                    at=at,
                    source_type="MANUAL",
                    note=note,
                    actor_id=actor_id,
                    taken=taken,
                )
            )
        ]

    def redeem(
        self,
        *,
        entry_id: str,
        invoice: str,
        points: int,
        point_value: Decimal,
        at: datetime,
        branch_id: str | None,
        channel: str,
        allow_partial: bool,
    ) -> list[Entry]:
        """Points paying (part of) an invoice (L3). In the studio the desk may take what the
        balance covers (partial payment); in the app the balance must cover all of it."""
        if points <= 0:
            raise LoyaltyError("BAD_AMOUNT", "the amount must be positive")
        key = redeem_key(invoice)
        if key in self.keys:
            return []
        if self.balance <= 0:
            raise LoyaltyError(
                "INSUFFICIENT_POINTS", "the client has no points to redeem", balance=self.balance
            )
        if points > self.balance and not allow_partial:
            raise LoyaltyError(
                "INSUFFICIENT_POINTS",
                f"paying in the app needs the whole amount in points: {points} needed, "
                f"{self.balance} available; nothing was deducted",
                balance=self.balance,
                points=points,
            )
        used = min(points, self.balance)
        self._remember(key)
        taken = self._take(used)
        return [
            self._record(
                Entry(
                    id=entry_id,
                    kind=Kind.REDEEM,
                    points=-used,
                    value=-used * point_value,
                    balance_after=0,
                    at=at,
                    key=key,
                    branch_id=branch_id,
                    invoice_number=invoice,
                    source_type="REDEMPTION",
                    source_id=invoice,
                    channel=channel,
                    taken=taken,
                )
            )
        ]

    # ------------------------------------------------------------------ refunds (L11)
    def refund(
        self,
        *,
        invoice: str,
        point_value: Decimal,
        at: datetime,
        new_id: Callable[[], str],
    ) -> list[Entry]:
        """Take back what the invoice earned (never below zero) and give back what it spent
        (the same lots, with their own expiry)."""
        key = refund_key(invoice)
        if key in self.keys:
            return []
        self._remember(key)
        made: list[Entry] = []
        for earned in self.entries_with_key(earn_key(invoice)):
            back = min(earned.points, self.balance)
            if back <= 0:
                continue
            taken = self._take(back, prefer=earned.id)
            made.append(
                self._record(
                    Entry(
                        id=new_id(),
                        kind=Kind.REVERSAL,
                        points=-back,
                        value=-back * point_value,
                        balance_after=0,
                        at=at,
                        key=key,
                        branch_id=earned.branch_id,
                        invoice_number=invoice,
                        source_type="REFUND",
                        source_id=earned.id,
                        note=None
                        if back == earned.points
                        else f"{earned.points - back} earned points were already used",
                        taken=taken,
                    )
                )
            )
        for spent in self.entries_with_key(redeem_key(invoice)):
            returned, capped = self._up_to_limit(-spent.points)
            if returned <= 0:
                continue
            # The same lots as they were, oldest part first, up to what may be returned.
            given: list[Taken] = []
            left = returned
            for part in spent.taken:
                if left > 0:
                    given.append(replace(part, points=min(part.points, left)))
                    left -= given[-1].points
            by_id = {lot.id: lot for lot in self.lots}
            for part in given:
                if part.lot_id in by_id:
                    lot = by_id[part.lot_id]
                    by_id[part.lot_id] = replace(lot, points=lot.points + part.points)
                else:
                    by_id[part.lot_id] = Lot(part.lot_id, part.points, part.at, part.expires_at)
            self.lots = list(by_id.values())
            expiries = [p.expires_at for p in given if p.expires_at is not None]
            made.append(
                self._record(
                    Entry(
                        id=new_id(),
                        kind=Kind.REVERSAL,
                        points=returned,
                        value=returned * point_value,
                        balance_after=0,
                        at=at,
                        key=key,
                        branch_id=spent.branch_id,
                        invoice_number=invoice,
                        source_type="REFUND",
                        source_id=spent.id,
                        note=capped,
                        expires_at=min(expiries) if expiries else None,
                        taken=tuple(given),
                    )
                )
            )
        return made
