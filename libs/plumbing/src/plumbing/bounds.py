"""The bounds of what callers and partners send: money, points, counts and the time a
fact happened. One rule, here, for every service and both paths (the graph and Kafka),
so a fact one service accepts is accepted by every other that reads it.

| what | rule | refused with |
|---|---|---|
| money (`Amount`) | a finite decimal, 0 to `MAX_AMOUNT`, at most 2 decimals | `BAD_AMOUNT` |
| a sale's total | the sum of its lines at most `MAX_AMOUNT` | `BAD_AMOUNT` |
| points moved by hand | 1 to `MAX_POINTS` in one grant or deduction | `BAD_POINTS` |
| a balance | never above `MAX_BALANCE` (a grant by hand that would pass it) | `POINTS_LIMIT` |
| a time (`AwareTime`) | carries a UTC offset | `NAIVE_TIME` |
| when a fact happened (`HappenedAt`) | aware, and no later than now + `FUTURE_SKEW` | `FUTURE_TIME` |
| counts | quantity, capacity, days within `MAX_QUANTITY`, `MAX_CAPACITY`, `MAX_DAYS` | invalid |

Why these figures:
- `MAX_AMOUNT` 1,000,000.00: well above any one line, payment, sale, gift card or
  redemption a studio's till or billing partner reports (a year's membership, a pack of
  a hundred sessions), in its own currency; far enough below the 28 digits of decimal
  arithmetic that every sum and product of amounts stays exact.
- `MAX_BALANCE` 2,000,000,000: below the 2,147,483,647 a GraphQL `Int` can carry, so
  every balance, ledger entry and `balanceAfter` the graph returns is representable.
  What a fact earns (a purchase, an automation, a promotion, a refund giving spent
  points back) is credited up to it, never past it: the most a program can return is
  10,000 points a unit of money (point value 0.0001 at 100 %), so a sale of
  `MAX_AMOUNT` could otherwise earn 10^10 points.
- `FUTURE_SKEW` 5 minutes: partners' clocks drift; a fact reported as having happened
  later than that has not happened yet. A time that is legitimately ahead (when a class
  is scheduled, when a credit expires) is an `AwareTime`, not a `HappenedAt`.

The pydantic types below carry the rule into event models and tolerant readers; their
errors carry the code as their type (`code_of`), and `refusal` turns them into the
reason a consumer parks a fact with, code first. Graph arguments that are not part of a
model use `amount_problem` (a user error) and `aware` (`OutOfBounds`, a GraphQL error).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any, TypeVar

from pydantic import AfterValidator, BeforeValidator, Field, ValidationError
from pydantic_core import PydanticCustomError

from plumbing.errors import BadInput

L = TypeVar("L")

BAD_AMOUNT = "BAD_AMOUNT"
POINTS_LIMIT = "POINTS_LIMIT"
NAIVE_TIME = "NAIVE_TIME"
FUTURE_TIME = "FUTURE_TIME"
# The codes a pydantic error of these types carries (`code_of`).
CODES = frozenset({BAD_AMOUNT, NAIVE_TIME, FUTURE_TIME})

MAX_AMOUNT = Decimal("1000000.00")
CENT = Decimal("0.01")
MAX_BALANCE = 2_000_000_000
MAX_POINTS = 10_000_000
GRAPH_INT_MAX = 2**31 - 1
FUTURE_SKEW = timedelta(minutes=5)
MAX_QUANTITY = 10_000
MAX_CAPACITY = 10_000
MAX_DAYS = 3650


class OutOfBounds(BadInput):
    """A graph argument out of bounds: a GraphQL error with the code, naming `field`."""

    def __init__(self, message: str, *, code: str, field: str) -> None:
        super().__init__(f"{field}: {message}", code=code, params={"field": field}, field=field)
        self.field = field
        self.code = code


# ---------------------------------------------------------------- money
def amount_problem(value: Decimal, *, positive: bool = False) -> str | None:
    """What is wrong with an amount of money, or None."""
    if not value.is_finite():
        return f"{value} is not a number"
    if value < 0 or (positive and value == 0):
        return f"{value} must be {'more than 0' if positive else '0 or more'}"
    if value > MAX_AMOUNT:
        return f"{value} is above the maximum {MAX_AMOUNT}"
    if value != value.quantize(CENT):
        return f"{value} has more than 2 decimals"
    return None


def total_problem(amounts: Iterable[Decimal]) -> str | None:
    """What is wrong with the sum of amounts each within bounds (a sale's lines), or None."""
    total = sum(amounts, Decimal("0"))
    if total > MAX_AMOUNT:
        return f"the total {total} is above the maximum {MAX_AMOUNT}"
    return None


# ---------------------------------------------------------------- points
def room(balance: int) -> int:
    """How many more points a balance may take."""
    return max(MAX_BALANCE - balance, 0)


def shown(count: int) -> int:
    """A sum the graph returns as an `Int` (a report over many clients and movements is
    not bounded by any one balance): at most `GRAPH_INT_MAX`."""
    return min(count, GRAPH_INT_MAX)


# ---------------------------------------------------------------- time
def time_problem(value: datetime, *, now: datetime | None = None) -> tuple[str, str] | None:
    """`(code, message)` for a time without offset or, given `now`, a fact's time later
    than now plus the skew; None when it is fine."""
    if value.tzinfo is None or value.utcoffset() is None:
        return NAIVE_TIME, "needs a time zone offset (e.g. 2026-03-02T10:00:00+01:00)"
    if now is not None and value > now + FUTURE_SKEW:
        minutes = int(FUTURE_SKEW.total_seconds() // 60)
        return (
            FUTURE_TIME,
            f"{value.isoformat()} has not happened yet (more than {minutes} minutes "
            f"after {now.replace(microsecond=0).isoformat()})",
        )
    return None


def aware(value: datetime, field: str) -> datetime:
    """A graph argument that is a time; `OutOfBounds` (NAIVE_TIME) without an offset."""
    problem = time_problem(value)
    if problem is not None:
        raise OutOfBounds(problem[1], code=problem[0], field=field)
    return value


def aware_or_none(value: datetime | None, field: str) -> datetime | None:
    return None if value is None else aware(value, field)


# ---------------------------------------------------------------- pydantic types
def _refuse(code: str, message: str) -> PydanticCustomError:
    # The message goes in through the context: an amount or a time never reads as a
    # template.
    return PydanticCustomError(code, "{problem}", {"problem": message})


def _finite(value: Any) -> Any:
    """NaN and infinities are refused as BAD_AMOUNT, not as a shape error."""
    number: Decimal | None = None
    if isinstance(value, float) and not math.isfinite(value):
        number = Decimal(str(value))
    elif isinstance(value, Decimal):
        number = value
    elif isinstance(value, str):
        try:
            number = Decimal(value.strip())
        except InvalidOperation:
            return value  # not a number at all: the decimal parser says so
    if number is not None and not number.is_finite():
        raise _refuse(BAD_AMOUNT, f"{value} is not a number")
    return value


def _amount(value: Decimal) -> Decimal:
    problem = amount_problem(value)
    if problem is not None:
        raise _refuse(BAD_AMOUNT, problem)
    return value


def _sale_total(lines: list[L]) -> list[L]:
    problem = total_problem(getattr(line, "amount", Decimal("0")) for line in lines)
    if problem is not None:
        raise _refuse(BAD_AMOUNT, problem)
    return lines


def _aware(value: datetime) -> datetime:
    problem = time_problem(value)
    if problem is not None:
        raise _refuse(*problem)
    return value


def _happened(value: datetime) -> datetime:
    problem = time_problem(value, now=datetime.now(UTC))
    if problem is not None:
        raise _refuse(*problem)
    return value


Amount = Annotated[
    Decimal,
    BeforeValidator(_finite),
    AfterValidator(_amount),
    Field(
        description=f"Money in the studio's currency: 0 to {MAX_AMOUNT}, at most 2 decimals.",
        json_schema_extra={"minimum": 0, "maximum": float(MAX_AMOUNT)},
    ),
]
# A sale's lines (each with an `amount`): their total is money too.
SaleLines = Annotated[list[L], AfterValidator(_sale_total)]
AwareTime = Annotated[
    datetime,
    AfterValidator(_aware),
    Field(description="With a UTC offset."),
]
HappenedAt = Annotated[
    datetime,
    AfterValidator(_happened),
    Field(
        description="When it happened: with a UTC offset, no later than now plus "
        f"{int(FUTURE_SKEW.total_seconds() // 60)} minutes."
    ),
]


def code_of(error: Mapping[str, Any]) -> str | None:
    """The bounds code of one pydantic error (`ValidationError.errors()`), or None."""
    kind = error.get("type")
    return kind if kind in CODES else None


def refusal(exc: ValidationError) -> str | None:
    """The reason to park data refused by these bounds, code first (`BAD_AMOUNT:
    lines.0.amount: 1E+20 is above the maximum 1000000.00`); None when no error is one of
    them (the caller's own wording applies)."""
    for error in exc.errors():
        code = code_of(error)
        if code is not None:
            where = ".".join(str(part) for part in error.get("loc", ()))
            return f"{code}: {where}: {error['msg']}" if where else f"{code}: {error['msg']}"
    return None
