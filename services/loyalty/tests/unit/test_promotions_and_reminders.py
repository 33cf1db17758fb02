"""B4 (points on a rank promotion) and B5 (expiry reminders): the domain rules."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from loyalty.domain.earning import (
    DEFAULT_REMINDER_DAYS,
    Program,
    ProgramVersion,
    PromotionReward,
    program_at,
    promotion_reward,
)
from loyalty.domain.ledger import Account, Kind

VALUE = Decimal("0.01")
T0 = datetime(2026, 3, 1, 10, 0, tzinfo=UTC)
YELLOW = PromotionReward("r-yellow", 300, 90)
PROGRAM = Program(enabled=True, promotion_rewards={"r-yellow": YELLOW})


def promote(account: Account, rank: str, at: datetime, entry: str = "e1") -> list[int]:
    reward = promotion_reward(PROGRAM, rank)
    assert reward is not None
    made = account.reward_promotion(
        entry_id=entry,
        rank_id=rank,
        rank_name="Yellow (Karate)",
        points=reward.points,
        expiry_days=reward.expiry_days,
        point_value=VALUE,
        at=at,
    )
    return [e.points for e in made]


# ---------------------------------------------------------------- B4
def test_a_reward_needs_an_enabled_program_and_a_rank_with_points() -> None:
    assert promotion_reward(PROGRAM, "r-yellow") == YELLOW
    assert promotion_reward(PROGRAM, "r-green") is None  # no reward for that rank
    assert promotion_reward(replace(PROGRAM, enabled=False), "r-yellow") is None
    assert promotion_reward(Program(), "r-yellow") is None  # never configured


def test_the_reward_in_force_when_the_promotion_was_published_applies() -> None:
    without = ProgramVersion(T0, Program(enabled=True))
    later = ProgramVersion(T0 + timedelta(days=1), PROGRAM)
    before = program_at([without, later], T0 + timedelta(hours=1))
    after = program_at([without, later], T0 + timedelta(days=2))
    assert promotion_reward(before, "r-yellow") is None  # a reward set later pays nothing back
    assert promotion_reward(after, "r-yellow") == YELLOW


def test_a_promotion_grants_once_per_client_and_rank_with_its_own_expiry() -> None:
    account = Account(client_id="c1")
    assert promote(account, "r-yellow", T0) == [300]
    [entry] = account.entries
    assert (entry.kind, entry.source_type, entry.source_id, entry.source_name) == (
        Kind.GRANT,
        "PROMOTION",
        "r-yellow",
        "Yellow (Karate)",
    )
    assert entry.expires_at == T0 + timedelta(days=90)
    assert entry.value == Decimal("3.00")
    # A replay of the event, or a demotion and a new promotion to the same rank: nothing.
    assert promote(account, "r-yellow", T0, entry="e2") == []
    assert promote(account, "r-yellow", T0 + timedelta(days=40), entry="e3") == []
    assert account.balance == 300 and len(account.entries) == 1


# ---------------------------------------------------------------- B5
def lots(account: Account) -> None:
    """100 points expiring in 40 days (the oldest), 50 in 200 days, 7 never."""
    hour = timedelta(hours=1)
    account.grant(
        entry_id="soon", points=100, point_value=VALUE, at=T0, expires_at=T0 + timedelta(days=40)
    )
    account.grant(
        entry_id="late",
        points=50,
        point_value=VALUE,
        at=T0 + hour,
        expires_at=T0 + timedelta(days=200),
    )
    account.grant(entry_id="never", points=7, point_value=VALUE, at=T0 + 2 * hour, expires_at=None)


def test_the_default_reminder_is_a_month_before() -> None:
    assert Program().expiry_reminder_days == DEFAULT_REMINDER_DAYS == 30


def test_a_lot_is_reminded_once_within_the_days_before_its_expiry() -> None:
    account = Account(client_id="c1")
    lots(account)
    assert account.remind(as_of=T0 + timedelta(days=5), days=30, point_value=VALUE) == []
    assert account.next_reminder() == T0 + timedelta(days=40)
    [reminder] = account.remind(as_of=T0 + timedelta(days=10), days=30, point_value=VALUE)
    assert (reminder.lot_id, reminder.points, reminder.value, reminder.balance) == (
        "soon",
        100,
        Decimal("1.00"),
        157,
    )
    assert reminder.expires_at == T0 + timedelta(days=40)
    assert reminder.at == T0 + timedelta(days=10)
    assert account.new_reminders == [reminder]
    # Reminders move nothing, and the next run (or another replica) reminds nothing more.
    assert account.balance == 157 and len(account.entries) == 3
    assert account.remind(as_of=T0 + timedelta(days=11), days=30, point_value=VALUE) == []
    assert account.next_reminder() == T0 + timedelta(days=200)


def test_what_is_left_of_a_lot_is_told_and_a_refunded_lot_is_not_reminded_again() -> None:
    account = Account(client_id="c1")
    lots(account)
    account.redeem(
        entry_id="r",
        invoice="I-1",
        points=60,
        point_value=VALUE,
        at=T0 + timedelta(days=1),
        branch_id=None,
        channel="IN_STUDIO",
        allow_partial=True,
    )
    [reminder] = account.remind(as_of=T0 + timedelta(days=20), days=30, point_value=VALUE)
    assert (reminder.points, reminder.balance) == (40, 97)
    # The refund gives the 60 points back to the same lot (same id, same expiry).
    account.refund(invoice="I-1", point_value=VALUE, at=T0 + timedelta(days=21), new_id=lambda: "b")
    assert account.remind(as_of=T0 + timedelta(days=22), days=30, point_value=VALUE) == []


def test_no_reminders_when_off_or_after_the_expiry() -> None:
    account = Account(client_id="c1")
    lots(account)
    assert account.remind(as_of=T0 + timedelta(days=20), days=0, point_value=VALUE) == []
    # The lot expired already (the expiry job's business): neither told nor in the balance.
    [late] = account.remind(as_of=T0 + timedelta(days=180), days=30, point_value=VALUE)
    assert (late.lot_id, late.balance) == ("late", 57)
    assert account.keys == {"reminder:late"}
