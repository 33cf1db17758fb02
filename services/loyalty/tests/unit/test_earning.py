"""The earning rule (L1-L3) with hand-worked figures, including its rounding edges."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from loyalty.domain.earning import (
    EarnRule,
    Line,
    Payment,
    Program,
    ProgramVersion,
    points_for_amount,
    points_per_line,
    program_at,
)

SEED = Program(enabled=True, point_value=Decimal("0.01"), earn_percent=Decimal("5"))
CARD_OFF = Program(
    enabled=True,
    point_value=Decimal("0.01"),
    earn_percent=Decimal("5"),
    non_earning_methods=frozenset({"CARD"}),
)


def line(amount: str, item: str = "svc", quantity: int = 1) -> Line:
    return Line("SERVICE", item, item, Decimal(amount), quantity)


def pay(method: str, amount: str) -> Payment:
    return Payment(method, Decimal(amount))


def test_seed_worked_examples() -> None:
    assert points_per_line(SEED, [line("100")], [pay("CASH", "100")]) == [500]
    assert points_per_line(CARD_OFF, [line("100")], [pay("CARD", "100")]) == [0]
    assert points_per_line(SEED, [line("100")], [pay("POINTS", "20"), pay("CASH", "80")]) == [0]


def test_rounding_is_down_and_per_line() -> None:
    assert points_per_line(SEED, [line("9.99")], [pay("CASH", "9.99")]) == [49]  # 49.95
    assert points_per_line(SEED, [line("0.19"), line("0.19")], [pay("CASH", "0.38")]) == [0, 0]
    assert points_per_line(SEED, [line("0.20")], [pay("CASH", "0.20")]) == [1]  # exactly 1
    # A third is never rounded before the floor: 10 x (1/3) x 5 % / 0.01 = 16.66... -> 16.
    three = [line("10")]
    assert points_per_line(CARD_OFF, three, [pay("CARD", "20"), pay("CASH", "10")]) == [16]


def test_non_earning_share_spreads_over_lines() -> None:
    lines = [line("70", "a"), line("30", "b")]
    assert points_per_line(CARD_OFF, lines, [pay("CARD", "60"), pay("CASH", "40")]) == [140, 60]


def test_overpayment_and_underpayment() -> None:
    # 120 cash for a 100 sale (change given): the whole sale earns.
    assert points_per_line(SEED, [line("100")], [pay("CASH", "120")]) == [500]
    # Half unpaid: only the paid half earns.
    assert points_per_line(SEED, [line("100")], [pay("CASH", "50")]) == [250]
    assert points_per_line(SEED, [line("100")], []) == [0]
    assert points_per_line(SEED, [line("0")], [pay("CASH", "0")]) == [0]
    assert points_per_line(SEED, [line("-5"), line("10")], [pay("CASH", "5")]) == [0, 50]


def test_service_rules_and_disabled_program() -> None:
    rules = {
        "fixed": EarnRule("fixed", "Massage", excluded=False, fixed_points=200),
        "out": EarnRule("out", "Trial", excluded=True),
    }
    program = Program(
        enabled=True, point_value=Decimal("0.01"), earn_percent=Decimal("5"), rules=rules
    )
    lines = [line("50", "fixed", 2), line("30", "out"), line("20", "oil")]
    assert points_per_line(program, lines, [pay("CASH", "100")]) == [400, 0, 100]
    # Fixed points follow the earning share too: 200 x 2 x 0.5 = 200.
    half = Program(
        enabled=True,
        point_value=Decimal("0.01"),
        earn_percent=Decimal("5"),
        non_earning_methods=frozenset({"CARD"}),
        rules=rules,
    )
    assert points_per_line(half, lines[:1], [pay("CARD", "25"), pay("CASH", "25")]) == [200]
    assert points_per_line(Program(), [line("100")], [pay("CASH", "100")]) == [0]


def test_program_version_of_a_time() -> None:
    t0 = datetime(2026, 1, 1, tzinfo=UTC)
    ten = Program(enabled=True, earn_percent=Decimal("10"))
    versions = [ProgramVersion(t0, SEED), ProgramVersion(t0 + timedelta(days=1), ten)]
    assert program_at(versions, t0 - timedelta(seconds=1)).enabled is False
    assert program_at(versions, t0 + timedelta(hours=1)) is SEED
    assert program_at(versions, t0 + timedelta(days=2)) is ten


def test_amount_in_points() -> None:
    assert points_for_amount(SEED, Decimal("20")) == 2000
    assert points_for_amount(SEED, Decimal("0.005")) is None
    assert points_for_amount(Program(point_value=Decimal("0.05")), Decimal("1.02")) is None
