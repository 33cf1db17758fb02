"""Checks of the program settings a manager sends (each problem is a userErrors entry)."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Protocol

from plumbing.enums import PaymentMethod
from plumbing.gql import UserError, user_error

MAX_DAYS = 3650
MAX_REMINDER_DAYS = 365


class ProgramInput(Protocol):
    @property
    def enabled(self) -> bool | None: ...
    @property
    def point_value(self) -> Decimal | None: ...
    @property
    def earn_percent(self) -> Decimal | None: ...
    @property
    def expiry_days(self) -> int | None: ...
    @property
    def non_earning_payment_methods(self) -> list[PaymentMethod] | None: ...
    @property
    def receipt_branch_ids(self) -> Sequence[object] | None: ...
    @property
    def expiry_reminder_days(self) -> int | None: ...


def _places(value: Decimal) -> int:
    exponent = value.as_tuple().exponent
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0


def program_problems(
    data: ProgramInput, branch_ids: Sequence[str] | None = None
) -> list[UserError]:
    """What is wrong with the settings; `branch_ids` are the studio's branches (None when
    this service has not heard of them yet: a branch id is then only checked for blanks)."""
    problems: list[UserError] = []
    value = data.point_value
    if value is not None and (
        not value.is_finite() or value <= 0 or value > 10_000 or _places(value) > 4
    ):
        problems.append(
            user_error(
                "pointValue must be more than 0, at most 10000, with at most 4 decimals",
                "BAD_POINT_VALUE",
                "input",
                "pointValue",
            )
        )
    percent = data.earn_percent
    if percent is not None and (
        not percent.is_finite() or percent < 0 or percent > 100 or _places(percent) > 4
    ):
        problems.append(
            user_error(
                "earnPercent must be between 0 and 100, with at most 4 decimals",
                "BAD_EARN_PERCENT",
                "input",
                "earnPercent",
            )
        )
    if data.expiry_days is not None and not 1 <= data.expiry_days <= MAX_DAYS:
        problems.append(
            user_error(
                f"expiryDays must be between 1 and {MAX_DAYS}",
                "BAD_EXPIRY_DAYS",
                "input",
                "expiryDays",
            )
        )
    if data.expiry_reminder_days is not None and not (
        0 <= data.expiry_reminder_days <= MAX_REMINDER_DAYS
    ):
        problems.append(
            user_error(
                f"expiryReminderDays must be between 0 (no reminders) and {MAX_REMINDER_DAYS}",
                "BAD_REMINDER_DAYS",
                "input",
                "expiryReminderDays",
            )
        )
    if data.receipt_branch_ids is not None and any(
        not str(b).strip() for b in data.receipt_branch_ids
    ):
        problems.append(
            user_error("branch ids must not be empty", "BAD_BRANCH", "input", "receiptBranchIds")
        )
    elif data.receipt_branch_ids is not None and branch_ids is not None:
        unknown = [str(b) for b in data.receipt_branch_ids if str(b) not in branch_ids]
        if unknown:
            problems.append(
                user_error(
                    f"unknown branch {', '.join(unknown)}: receipts can be enabled only for "
                    "the studio's branches",
                    "BAD_BRANCH",
                    "input",
                    "receiptBranchIds",
                )
            )
    return problems
