"""What a client's points are made of: the lots, the ledger entries that move them, the
reminders of lots about to expire, and the idempotency keys that make every movement
happen once (`ledger.Account` holds them and applies the rules)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum


class Kind(StrEnum):
    EARN = "EARN"
    REDEEM = "REDEEM"
    GRANT = "GRANT"
    DEDUCT = "DEDUCT"
    EXPIRE = "EXPIRE"
    REVERSAL = "REVERSAL"


class LoyaltyError(Exception):
    def __init__(self, code: str, message: str, **params: object) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.params = params  # what the message names, by name (`UserError.params`)


@dataclass(frozen=True, slots=True)
class Lot:
    id: str
    points: int  # what is left of it
    at: datetime  # when it was credited: the order in which lots are spent
    expires_at: datetime | None


@dataclass(frozen=True, slots=True)
class Taken:
    """A part of a lot consumed by a debit (so a refund can give it back as it was)."""

    lot_id: str
    points: int
    at: datetime
    expires_at: datetime | None


@dataclass(frozen=True, slots=True)
class Entry:
    id: str
    kind: Kind
    points: int  # signed: credits positive, debits negative
    value: Decimal  # points x the point value at the time, signed like points
    balance_after: int
    at: datetime
    key: str | None = None
    branch_id: str | None = None
    invoice_number: str | None = None
    source_type: str = "MANUAL"
    source_id: str | None = None
    source_name: str | None = None
    note: str | None = None
    actor_id: str | None = None
    expires_at: datetime | None = None
    channel: str | None = None
    taken: tuple[Taken, ...] = ()


def earn_key(invoice: str) -> str:
    return f"earn:{invoice}"


def redeem_key(invoice: str) -> str:
    return f"redeem:{invoice}"


def refund_key(invoice: str) -> str:
    return f"refund:{invoice}"


def visit_key(key: str) -> str:
    return f"visit:{key}"


def promotion_key(rank_id: str) -> str:
    # Once per client and rank: a demotion and a new promotion to the same rank grant
    # nothing more (else demoting and promoting again would print points).
    return f"promotion:{rank_id}"


def reminder_key(lot_id: str) -> str:
    return f"reminder:{lot_id}"


@dataclass(frozen=True, slots=True)
class Reminder:
    """B5: what is left of one lot, expiring soon, as told at `at`; `balance` is the
    client's balance once whatever was already due at `at` has expired."""

    lot_id: str
    points: int
    value: Decimal
    expires_at: datetime
    balance: int
    at: datetime
