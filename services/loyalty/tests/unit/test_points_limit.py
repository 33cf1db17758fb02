"""A balance never passes `plumbing.bounds.MAX_BALANCE` (every balance, movement and
`balanceAfter` fits the graph's 32-bit Int): a grant by hand that would pass it is
refused (POINTS_LIMIT); what a fact credits is credited up to it, with a note."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from loyalty.domain.earning import Line, Payment, Program, points_per_line
from loyalty.domain.ledger import Account, Kind, LoyaltyError
from plumbing.bounds import GRAPH_INT_MAX, MAX_AMOUNT, MAX_BALANCE, MAX_POINTS

VALUE = Decimal("0.0001")
T0 = datetime(2026, 1, 1, tzinfo=UTC)
LATER = T0 + timedelta(days=3650)
_ids = itertools.count()


def new_id() -> str:
    return f"e{next(_ids):08d}"


def earn(account: Account, invoice: str, points: int) -> list[object]:
    return list(
        account.earn(
            entry_id=new_id(),
            invoice=invoice,
            points=points,
            point_value=VALUE,
            at=T0,
            expires_at=LATER,
            branch_id=None,
            source_name=None,
        )
    )


def test_a_sale_at_the_maximum_amount_and_earning_rate_stays_representable() -> None:
    richest = Program(enabled=True, point_value=Decimal("0.0001"), earn_percent=Decimal("100"))
    [points] = points_per_line(
        richest, [Line("SERVICE", "s", "s", MAX_AMOUNT)], [Payment("CASH", MAX_AMOUNT)]
    )
    assert points == 10_000_000_000  # what the arithmetic says ...
    account = Account(client_id="c1")
    [entry] = account.earn(
        entry_id="e1",
        invoice="I-1",
        points=points,
        point_value=VALUE,
        at=T0,
        expires_at=LATER,
        branch_id=None,
        source_name=None,
    )
    # ... and what the ledger credits: up to the maximum, said so on the entry.
    assert entry.points == entry.balance_after == account.balance == MAX_BALANCE
    assert entry.note == (
        "8000000000 points above the maximum balance of 2000000000 were not credited"
    )
    assert earn(account, "I-2", 1) == []  # full: a further sale earns nothing ...
    assert "earn:I-2" in account.keys  # ... and is still remembered (replays, referral)


def test_a_grant_by_hand_that_would_pass_the_maximum_is_refused() -> None:
    account = Account(client_id="c1")
    earn(account, "I-1", MAX_BALANCE - 5)
    with pytest.raises(LoyaltyError) as refused:
        account.grant(
            entry_id="g", points=6, point_value=VALUE, at=T0, expires_at=LATER, note="gift"
        )
    assert refused.value.code == "POINTS_LIMIT"
    assert account.balance == MAX_BALANCE - 5 and not account.new_entries[1:]
    [granted] = account.grant(
        entry_id="g", points=5, point_value=VALUE, at=T0, expires_at=LATER, note="gift"
    )
    assert granted.balance_after == MAX_BALANCE and granted.note == "gift"


def test_an_automation_grants_what_the_balance_can_take_once() -> None:
    account = Account(client_id="c1")
    earn(account, "I-1", MAX_BALANCE - 40)
    [reward] = account.reward_promotion(
        entry_id="p",
        rank_id="black",
        rank_name="Black",
        points=100,
        expiry_days=30,
        point_value=VALUE,
        at=T0,
    )
    assert (reward.points, account.balance) == (40, MAX_BALANCE)
    assert reward.note == "60 points above the maximum balance of 2000000000 were not credited"
    again = account.reward_promotion(
        entry_id="p2",
        rank_id="black",
        rank_name="Black",
        points=100,
        expiry_days=30,
        point_value=VALUE,
        at=T0,
    )
    assert again == []  # once per rank, whatever it paid


def test_a_refund_gives_spent_points_back_up_to_the_maximum() -> None:
    account = Account(client_id="c1")
    earn(account, "I-1", MAX_BALANCE)
    account.redeem(
        entry_id="r",
        invoice="PAY",
        points=1000,
        point_value=VALUE,
        at=T0,
        branch_id=None,
        channel="IN_STUDIO",
        allow_partial=True,
    )
    earn(account, "I-2", 900)  # the balance is 100 short of the maximum
    [back] = account.refund(invoice="PAY", point_value=VALUE, at=T0, new_id=new_id)
    assert (back.kind, back.points, account.balance) == (Kind.REVERSAL, 100, MAX_BALANCE)
    assert sum(lot.points for lot in account.lots) == MAX_BALANCE
    assert back.note == "900 points above the maximum balance of 2000000000 were not credited"


steps = st.lists(
    st.one_of(
        st.tuples(st.just("earn"), st.integers(0, 4 * MAX_BALANCE)),
        st.tuples(st.just("grant"), st.integers(1, MAX_POINTS)),
        st.tuples(st.just("auto"), st.integers(1, MAX_POINTS)),
        st.tuples(st.just("redeem"), st.integers(1, MAX_BALANCE)),
        st.tuples(st.just("refund"), st.integers(0, 9)),
    ),
    max_size=30,
)


@settings(max_examples=200, deadline=None)
@given(steps)
def test_no_sequence_of_movements_passes_the_maximum(moves: list[tuple[str, int]]) -> None:
    account = Account(client_id="c1")
    for n, (kind, amount) in enumerate(moves):
        try:
            if kind == "earn":
                earn(account, f"I-{n % 10}", amount)
            elif kind in {"grant", "auto"}:
                account.grant(
                    entry_id=new_id(),
                    points=amount,
                    point_value=VALUE,
                    at=T0,
                    expires_at=LATER,
                    key=f"auto:{n}" if kind == "auto" else None,
                )
            elif kind == "redeem":
                account.redeem(
                    entry_id=new_id(),
                    invoice=f"I-{n % 10}",
                    points=amount,
                    point_value=VALUE,
                    at=T0,
                    branch_id=None,
                    channel="IN_STUDIO",
                    allow_partial=True,
                )
            else:
                account.refund(invoice=f"I-{amount}", point_value=VALUE, at=T0, new_id=new_id)
        except LoyaltyError as refused:
            assert refused.code in {"POINTS_LIMIT", "INSUFFICIENT_POINTS"}
        assert 0 <= account.balance <= MAX_BALANCE
        assert account.balance == sum(e.points for e in account.entries)
        assert account.balance == sum(lot.points for lot in account.lots)
        assert all(abs(e.points) <= GRAPH_INT_MAX for e in account.entries)
