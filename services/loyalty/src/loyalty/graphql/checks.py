"""Checks of the numbers the loyalty mutations take, shared by their modules."""

from __future__ import annotations

from plumbing import bounds
from plumbing.gql import UserError, user_error

MAX_POINTS = bounds.MAX_POINTS  # one grant, deduction, fixed or reward amount
MAX_DAYS = 3650


def check_points(value: int, field: str) -> UserError | None:
    if value <= 0 or value > MAX_POINTS:
        return user_error(
            f"points must be between 1 and {MAX_POINTS}",
            "BAD_POINTS",
            field,
            minimum=1,
            maximum=MAX_POINTS,
        )
    return None


def check_days(value: int | None, field: str) -> UserError | None:
    if value is not None and not 1 <= value <= MAX_DAYS:
        return user_error(
            f"{field} must be between 1 and {MAX_DAYS} days",
            "BAD_EXPIRY_DAYS",
            field,
            maximum=MAX_DAYS,
        )
    return None


def at_input(error: UserError) -> UserError:
    return UserError(
        field=["input", *(error.field or [])],
        message=error.message,
        code=error.code,
        params=error.params,
    )
