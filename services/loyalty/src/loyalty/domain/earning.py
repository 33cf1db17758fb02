"""How many points a purchase earns (L1, L2, L3): pure arithmetic, exact fractions.

The rule, applied to each line separately and then summed:

    share   = (payments made with earning methods) / max(purchase total, payments total)
    points  = floor(line amount x share x earn% / 100 / point value)
    (a line whose service has a fixed number of points: floor(fixed x quantity x share);
     a line whose service is excluded, or whose amount is zero or negative: 0)

A purchase with any POINTS payment earns nothing, and neither does a disabled program.
Every intermediate value is a `Fraction`, so nothing is rounded before the final floor.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from fractions import Fraction

POINTS = "POINTS"
DEFAULT_EXPIRY_DAYS = 365
# B5: clients are told this many days before a lot of their points expires (0: never).
DEFAULT_REMINDER_DAYS = 30


@dataclass(frozen=True, slots=True)
class EarnRule:
    """Per service: excluded from earning, or a fixed number of points per unit."""

    service_id: str
    service_name: str
    excluded: bool
    fixed_points: int | None = None


@dataclass(frozen=True, slots=True)
class PromotionReward:
    """B4: points granted once to a client promoted to `rank_id`, with their own expiry."""

    rank_id: str
    points: int
    expiry_days: int


@dataclass(frozen=True, slots=True)
class Program:
    enabled: bool = False
    point_value: Decimal = Decimal("0.01")
    earn_percent: Decimal = Decimal("0")
    expiry_days: int = DEFAULT_EXPIRY_DAYS
    non_earning_methods: frozenset[str] = frozenset()
    receipt_branch_ids: tuple[str, ...] = ()
    rules: Mapping[str, EarnRule] = field(default_factory=dict)
    promotion_rewards: Mapping[str, PromotionReward] = field(default_factory=dict)
    expiry_reminder_days: int = DEFAULT_REMINDER_DAYS


@dataclass(frozen=True, slots=True)
class ProgramVersion:
    """The program as it stood from `since` on: purchases use the version of their time."""

    since: datetime
    program: Program


def program_at(versions: Sequence[ProgramVersion], at: datetime) -> Program:
    """The version in force at `at`; before the first configuration, the disabled default."""
    chosen = Program()
    for version in sorted(versions, key=lambda v: v.since):
        if version.since <= at:
            chosen = version.program
    return chosen


def promotion_reward(program: Program, rank_id: str) -> PromotionReward | None:
    """What a promotion to `rank_id` earns under `program` (the version in force when the
    promotion was published): nothing while the program is off or the rank has no reward."""
    if not program.enabled:
        return None
    reward = program.promotion_rewards.get(rank_id)
    if reward is None or reward.points <= 0:
        return None
    return reward


@dataclass(frozen=True, slots=True)
class Line:
    category: str
    item_id: str
    name: str
    amount: Decimal
    quantity: int = 1


@dataclass(frozen=True, slots=True)
class Payment:
    method: str
    amount: Decimal


def earning_share(program: Program, lines: Sequence[Line], payments: Sequence[Payment]) -> Fraction:
    """The part of the purchase paid with methods that earn (0..1)."""
    if any(p.method == POINTS for p in payments):
        return Fraction(0)
    total = sum((Fraction(line.amount) for line in lines), Fraction(0))
    paid = sum((Fraction(p.amount) for p in payments if p.amount > 0), Fraction(0))
    earning = sum(
        (
            Fraction(p.amount)
            for p in payments
            if p.amount > 0 and p.method not in program.non_earning_methods
        ),
        Fraction(0),
    )
    base = max(total, paid)
    if base <= 0:
        return Fraction(0)
    return min(max(earning / base, Fraction(0)), Fraction(1))


def points_per_line(
    program: Program, lines: Sequence[Line], payments: Sequence[Payment]
) -> list[int]:
    if not program.enabled or program.point_value <= 0:
        return [0 for _ in lines]
    share = earning_share(program, lines, payments)
    result: list[int] = []
    for line in lines:
        rule = program.rules.get(line.item_id)
        if line.amount <= 0 or share == 0 or (rule is not None and rule.excluded):
            result.append(0)
        elif rule is not None and rule.fixed_points is not None:
            result.append(max(math.floor(rule.fixed_points * line.quantity * share), 0))
        else:
            exact = (
                Fraction(line.amount)
                * share
                * Fraction(program.earn_percent)
                / 100
                / Fraction(program.point_value)
            )
            result.append(max(math.floor(exact), 0))
    return result


def points_for_amount(program: Program, amount: Decimal) -> int | None:
    """How many points pay `amount`; None when it is not a whole number of points."""
    if program.point_value <= 0:
        return None
    exact = Fraction(amount) / Fraction(program.point_value)
    if exact.denominator != 1:
        return None
    return exact.numerator
