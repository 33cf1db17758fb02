"""L1 program settings a manager sends: each wrong value is a coded userError on its
field (`program_problems`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from loyalty.service_layer.validation import program_problems
from plumbing.enums import PaymentMethod


@dataclass
class Settings:
    enabled: bool | None = None
    point_value: Decimal | None = None
    earn_percent: Decimal | None = None
    expiry_days: int | None = None
    non_earning_payment_methods: list[PaymentMethod] | None = None
    receipt_branch_ids: Sequence[object] | None = None
    expiry_reminder_days: int | None = None


def _codes(settings: Settings, branches: Sequence[str] | None) -> list[tuple[str, list[str]]]:
    return [(str(e.code), list(e.field or [])) for e in program_problems(settings, branches)]


def test_receipts_only_for_the_studios_own_branches() -> None:
    branches = ("centro", "norte")

    assert _codes(Settings(receipt_branch_ids=["centro"]), branches) == []
    assert _codes(Settings(receipt_branch_ids=[]), branches) == []
    refused = program_problems(Settings(receipt_branch_ids=["centro", "sur"]), branches)
    assert [(str(e.code), e.field) for e in refused] == [
        ("BAD_BRANCH", ["input", "receiptBranchIds"])
    ]
    assert "sur" in refused[0].message and "centro" not in refused[0].message


def test_a_blank_branch_is_refused_even_before_the_branches_are_known() -> None:
    assert _codes(Settings(receipt_branch_ids=[" "]), None) == [
        ("BAD_BRANCH", ["input", "receiptBranchIds"])
    ]
    assert _codes(Settings(receipt_branch_ids=["sur"]), None) == []


def test_settings_without_branches_are_not_checked_against_them() -> None:
    assert _codes(Settings(point_value=Decimal("0.01")), ("centro",)) == []
