"""Property test of the points ledger: random sequences of purchases, redemptions,
grants, deductions, refunds, expiries, promotion rewards, expiry reminders and replays.
After every step the balance equals the ledger's sum and the lots' sum, and is never
negative; replays change nothing; a reminder moves nothing and never repeats a lot."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st
from loyalty.domain.ledger import Account, Kind, LoyaltyError

VALUE = Decimal("0.01")
T0 = datetime(2026, 1, 1, tzinfo=UTC)
_ids = itertools.count()


def new_id() -> str:
    return f"e{next(_ids):08d}"


invoices = st.sampled_from([f"INV-{i}" for i in range(6)])
op = st.one_of(
    st.tuples(st.just("earn"), invoices, st.integers(0, 900), st.integers(1, 400)),
    st.tuples(st.just("redeem"), invoices, st.integers(1, 1500), st.booleans()),
    st.tuples(st.just("grant"), st.integers(1, 700), st.integers(1, 400), st.none()),
    st.tuples(st.just("deduct"), st.integers(1, 900), st.none(), st.none()),
    st.tuples(st.just("refund"), invoices, st.none(), st.none()),
    st.tuples(st.just("expire"), st.none(), st.none(), st.none()),
    st.tuples(st.just("tick"), st.integers(1, 200), st.none(), st.none()),
    st.tuples(st.just("promote"), st.sampled_from(["r1", "r2"]), st.integers(1, 300), st.none()),
    st.tuples(st.just("remind"), st.integers(0, 90), st.none(), st.none()),
)
reminded: list[str] = []


def check(account: Account) -> None:
    assert account.balance >= 0
    assert account.balance == sum(e.points for e in account.entries)
    assert account.balance == sum(lot.points for lot in account.lots)
    assert all(lot.points > 0 for lot in account.lots)
    for entry in account.entries:
        assert entry.value == entry.points * VALUE


def apply(account: Account, step: tuple[object, ...], now: datetime) -> None:
    kind = step[0]
    if kind == "earn":
        _, invoice, points, days = step
        assert isinstance(invoice, str) and isinstance(points, int) and isinstance(days, int)
        account.earn(
            entry_id=new_id(),
            invoice=invoice,
            points=points,
            point_value=VALUE,
            at=now,
            expires_at=now + timedelta(days=days),
            branch_id=None,
            source_name=None,
        )
    elif kind == "redeem":
        _, invoice, points, partial = step
        assert isinstance(invoice, str) and isinstance(points, int) and isinstance(partial, bool)
        account.settle(now, VALUE, new_id)
        account.redeem(
            entry_id=new_id(),
            invoice=invoice,
            points=points,
            point_value=VALUE,
            at=now,
            branch_id=None,
            channel="IN_STUDIO" if partial else "APP",
            allow_partial=partial,
        )
    elif kind == "grant":
        _, points, days, _ = step
        assert isinstance(points, int) and isinstance(days, int)
        account.grant(
            entry_id=new_id(),
            points=points,
            point_value=VALUE,
            at=now,
            expires_at=now + timedelta(days=days),
        )
    elif kind == "deduct":
        _, points, _, _ = step
        assert isinstance(points, int)
        account.settle(now, VALUE, new_id)
        account.deduct(
            entry_id=new_id(), points=points, point_value=VALUE, at=now, note="x", actor_id="a"
        )
    elif kind == "refund":
        _, invoice, _, _ = step
        assert isinstance(invoice, str)
        account.refund(invoice=invoice, point_value=VALUE, at=now, new_id=new_id)
    elif kind == "expire":
        account.settle(now, VALUE, new_id)
    elif kind == "promote":
        _, rank, points, _ = step
        assert isinstance(rank, str) and isinstance(points, int)
        account.reward_promotion(
            entry_id=new_id(),
            rank_id=rank,
            rank_name=rank,
            points=points,
            expiry_days=90,
            point_value=VALUE,
            at=now,
        )
    elif kind == "remind":
        _, days, _, _ = step
        assert isinstance(days, int)
        before = (account.balance, len(account.entries), list(account.lots))
        made = account.remind(as_of=now, days=days, point_value=VALUE)
        assert (account.balance, len(account.entries), list(account.lots)) == before
        assert all(now < r.expires_at <= now + timedelta(days=days) for r in made)
        reminded.extend(r.lot_id for r in made)


@settings(max_examples=300, deadline=None)
@given(st.lists(op, max_size=40), st.lists(st.integers(0, 39), max_size=10))
def test_balance_is_always_the_ledger_and_never_negative(
    steps: list[tuple[object, ...]], replays: list[int]
) -> None:
    account = Account(client_id="c1")
    now = T0
    done: list[tuple[object, ...]] = []
    reminded.clear()
    for step in steps:
        if step[0] == "tick":
            assert isinstance(step[1], int)
            now += timedelta(days=step[1])
            continue
        before = account.balance
        try:
            apply(account, step, now)
        except LoyaltyError as refused:
            # A refused operation leaves the account as it was (beyond expiry settling).
            assert refused.code in {"INSUFFICIENT_POINTS", "BAD_POINTS", "BAD_AMOUNT"}
            assert account.balance <= before
        check(account)
        assert len(reminded) == len(set(reminded))  # once per lot
        done.append(step)
        # Replays of purchases, refunds, redemptions and promotions already applied change
        # nothing.
        for index in replays:
            if index < len(done) and done[index][0] in {"earn", "refund", "redeem", "promote"}:
                account.settle(now, VALUE, new_id)
                snapshot = (account.balance, len(account.entries))
                # A redemption refused the first time was never applied: it may apply now.
                applied = done[index][0] != "redeem" or f"redeem:{done[index][1]}" in account.keys
                try:
                    apply(account, done[index], now)
                except LoyaltyError:
                    pass
                if applied:
                    assert (account.balance, len(account.entries)) == snapshot
                check(account)


def test_oldest_points_are_spent_first_and_expiry_is_idempotent() -> None:
    account = Account(client_id="c1")
    account.grant(
        entry_id="old", points=100, point_value=VALUE, at=T0, expires_at=T0 + timedelta(days=30)
    )
    account.grant(
        entry_id="new",
        points=100,
        point_value=VALUE,
        at=T0 + timedelta(hours=1),
        expires_at=T0 + timedelta(days=5),
    )
    account.redeem(
        entry_id="r",
        invoice="I",
        points=100,
        point_value=VALUE,
        at=T0 + timedelta(days=1),
        branch_id=None,
        channel="IN_STUDIO",
        allow_partial=True,
    )
    assert [lot.id for lot in account.lots] == ["new"]
    expired = account.settle(T0 + timedelta(days=6), VALUE, new_id)
    assert [(e.kind, e.points) for e in expired] == [(Kind.EXPIRE, -100)]
    assert account.settle(T0 + timedelta(days=6), VALUE, new_id) == []
    assert account.balance == 0
    # The refund gives back the spent lot as it was (its own expiry, 30 days).
    [back] = account.refund(
        invoice="I", point_value=VALUE, at=T0 + timedelta(days=7), new_id=new_id
    )
    assert (back.kind, back.points, back.expires_at) == (
        Kind.REVERSAL,
        100,
        T0 + timedelta(days=30),
    )
    assert account.refund(invoice="I", point_value=VALUE, at=T0, new_id=new_id) == []


def test_app_needs_the_whole_amount_and_nothing_moves_on_refusal() -> None:
    account = Account(client_id="c1")
    account.grant(entry_id="g", points=500, point_value=VALUE, at=T0, expires_at=None)
    try:
        account.redeem(
            entry_id="r",
            invoice="I",
            points=2000,
            point_value=VALUE,
            at=T0,
            branch_id=None,
            channel="APP",
            allow_partial=False,
        )
    except LoyaltyError as exc:
        assert exc.code == "INSUFFICIENT_POINTS"
    else:  # pragma: no cover
        raise AssertionError("the app redeemed more than the balance")
    assert account.balance == 500 and len(account.entries) == 1
    assert "redeem:I" not in account.keys
