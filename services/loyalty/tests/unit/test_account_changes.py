"""Use cases on the storage port, in memory (`plumbing.storage.MemoryStorage`): each
feature rule that writes an account, as the service runs it (decision, `change`, events
in the same write), in milliseconds and without a stack. Named by feature id."""

from __future__ import annotations

import asyncio
import json
import weakref
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from loyalty.adapters.accounts import ACCOUNTS, AccountLedgers, AccountState
from loyalty.adapters.ledger_pages import MemoryPages
from loyalty.adapters.programs import PROGRAM_ID, PROGRAM_VERSIONS
from loyalty.domain.earning import Line, Payment, Program, ProgramVersion
from loyalty.domain.ledger import Account, Kind, LoyaltyError
from loyalty.service_layer.account_changes import Decide, Outcome, change_account
from loyalty.service_layer.automations import referral_grant, visit_grants
from loyalty.service_layer.points import (
    anonymised,
    deducting,
    granting,
    program_edit,
    redeeming,
    redemption_points,
    settling,
)
from loyalty.service_layer.purchases import Purchase, earning, paying_with_points, refunding
from plumbing.bounds import MAX_BALANCE
from plumbing.storage import MemoryStorage, Repository, change

T0 = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
PROGRAM = Program(enabled=True, earn_percent=Decimal("20"), expiry_days=365)


@pytest.fixture
def storage() -> MemoryStorage:
    return MemoryStorage()


# The sealed ledger pages of each storage's tenants (they live beside the aggregates).
_PAGES: weakref.WeakKeyDictionary[MemoryStorage, dict[str, MemoryPages]] = (
    weakref.WeakKeyDictionary()
)


def pages_of(storage: MemoryStorage, tenant: str = "t1") -> MemoryPages:
    return _PAGES.setdefault(storage, {}).setdefault(tenant, MemoryPages(tenant))


def accounts(storage: MemoryStorage, tenant: str = "t1", *, history: bool = True) -> AccountLedgers:
    states = storage.repository(ACCOUNTS, tenant)
    return AccountLedgers(states, pages_of(storage, tenant), history=history)


def sale(client: str, invoice: str, amount: str = "20.00", *, at: datetime = T0) -> Purchase:
    return Purchase(
        invoice=invoice,
        client_id=client,
        branch_id="b1",
        occurred_at=at,
        recorded_at=at,
        lines=[Line("SERVICE", "s", "Cut", Decimal(amount))],
        payments=[Payment("CASH", Decimal(amount))],
    )


async def apply(repo: Repository[AccountState], client: str, decide: Decide) -> Outcome:
    return await change_account(repo, client, decide, "EUR")


async def balance(repo: Repository[AccountState], client: str) -> int:
    state = (await repo.load(client)).state
    return 0 if state is None else state.account.balance


def published(storage: MemoryStorage) -> list[str]:
    return [json.loads(e["value"])["type"] for e in storage.pending()]


async def test_L2_a_purchase_earns_once(storage: MemoryStorage) -> None:
    repo = accounts(storage)
    first = await apply(repo, "c1", earning(PROGRAM, sale("c1", "I-1")))
    again = await apply(repo, "c1", earning(PROGRAM, sale("c1", "I-1")))
    assert [e.points for e in first.entries] == [400]
    assert again.entries == []
    assert await balance(repo, "c1") == 400
    assert published(storage) == ["loyalty.points_earned.v1"]


async def test_L11_a_refund_takes_back_what_the_purchase_earned(storage: MemoryStorage) -> None:
    repo = accounts(storage)
    await apply(repo, "c1", earning(PROGRAM, sale("c1", "I-1")))
    refund = await apply(repo, "c1", refunding(PROGRAM, "I-1", T0 + timedelta(days=1)))
    assert [(e.kind, e.points) for e in refund.entries] == [(Kind.REVERSAL, -400)]
    assert await balance(repo, "c1") == 0
    # A second refund of the same invoice changes nothing.
    assert (await apply(repo, "c1", refunding(PROGRAM, "I-1", T0))).entries == []
    assert published(storage) == ["loyalty.points_earned.v1", "loyalty.points_reversed.v1"]


async def test_L4_the_oldest_points_are_spent_first(storage: MemoryStorage) -> None:
    repo = accounts(storage)
    await apply(repo, "c1", earning(PROGRAM, sale("c1", "I-1", at=T0)))
    await apply(repo, "c1", earning(PROGRAM, sale("c1", "I-2", at=T0 + timedelta(days=1))))
    spend = redeeming(
        PROGRAM,
        invoice="I-3",
        points=500,
        channel="APP",
        branch_id=None,
        now=T0 + timedelta(days=2),
    )
    out = await apply(repo, "c1", spend)
    taken = [(t.points, t.at) for t in out.entries[-1].taken]
    assert taken == [(400, T0), (100, T0 + timedelta(days=1))]
    state = (await repo.load("c1")).state
    assert state is not None
    assert [(lot.points, lot.at) for lot in state.account.lots] == [(300, T0 + timedelta(days=1))]


async def test_L5_points_expire_once_at_their_expiry(storage: MemoryStorage) -> None:
    repo = accounts(storage)
    await apply(repo, "c1", earning(PROGRAM, sale("c1", "I-1")))
    before = await apply(repo, "c1", settling(T0 + timedelta(days=364), PROGRAM))
    due = T0 + timedelta(days=365)
    expired = await apply(repo, "c1", settling(due, PROGRAM))
    again = await apply(repo, "c1", settling(due, PROGRAM))
    assert before.entries == [] and again.entries == []
    assert [(e.kind, e.points) for e in expired.entries] == [(Kind.EXPIRE, -400)]
    assert await balance(repo, "c1") == 0
    assert published(storage)[-1] == "loyalty.points_expired.v1"


async def test_L6_staff_grant_and_deduct_by_hand(storage: MemoryStorage) -> None:
    repo = accounts(storage)
    grant = granting(PROGRAM, points=50, note="welcome", expiry_days=10, actor_id="u1", now=T0)
    granted = await apply(repo, "c1", grant)
    assert granted.entries[0].expires_at == T0 + timedelta(days=10)
    assert (granted.entries[0].note, granted.entries[0].actor_id) == ("welcome", "u1")
    await apply(repo, "c1", deducting(PROGRAM, points=20, note="fix", actor_id="u1", now=T0))
    assert await balance(repo, "c1") == 30
    with pytest.raises(LoyaltyError) as refused:
        await apply(repo, "c1", deducting(PROGRAM, points=31, note="no", actor_id="u1", now=T0))
    assert refused.value.code == "INSUFFICIENT_POINTS"
    assert await balance(repo, "c1") == 30
    assert published(storage) == ["loyalty.points_granted.v1", "loyalty.points_deducted.v1"]


async def test_L6_a_grant_past_the_balance_limit_is_refused(storage: MemoryStorage) -> None:
    repo = accounts(storage)
    grant = granting(PROGRAM, points=10_000_000, note="n", expiry_days=None, actor_id="u", now=T0)
    # An account just below the limit, decided without storage (200 grants), saved once.
    full = AccountState(Account("c1"), exists=False, profile={}, erased=False)
    while full.account.balance < MAX_BALANCE:
        grant(full)
    await repo.save(await repo.load("c1"), full)
    with pytest.raises(LoyaltyError) as refused:
        await apply(repo, "c1", grant)
    assert refused.value.code == "POINTS_LIMIT"
    assert await balance(repo, "c1") == MAX_BALANCE


async def test_L10_the_app_redeems_only_with_the_whole_amount(storage: MemoryStorage) -> None:
    repo = accounts(storage)
    await apply(repo, "c1", earning(PROGRAM, sale("c1", "I-1")))
    points = redemption_points(PROGRAM, Decimal("5.00"))
    assert points == 500
    app = redeeming(PROGRAM, invoice="R-1", points=points, channel="APP", branch_id=None, now=T0)
    with pytest.raises(LoyaltyError) as refused:
        await apply(repo, "c1", app)
    assert refused.value.code == "INSUFFICIENT_POINTS"
    assert await balance(repo, "c1") == 400
    desk = redeeming(
        PROGRAM, invoice="R-2", points=points, channel="IN_STUDIO", branch_id=None, now=T0
    )
    paid = await apply(repo, "c1", desk)
    assert [e.points for e in paid.entries] == [-400]
    # The same redemption again is a replay; on another channel it is refused.
    assert (await apply(repo, "c1", desk)).entries == []
    other = redeeming(PROGRAM, invoice="R-2", points=points, channel="APP", branch_id=None, now=T0)
    with pytest.raises(LoyaltyError, match="already paid"):
        await apply(repo, "c1", other)


async def test_L3_two_racing_redemptions_cannot_both_pass(storage: MemoryStorage) -> None:
    repo = accounts(storage)
    await apply(repo, "c1", earning(PROGRAM, sale("c1", "I-1")))

    async def spend(invoice: str) -> Outcome | LoyaltyError:
        decide = redeeming(
            PROGRAM, invoice=invoice, points=300, channel="APP", branch_id=None, now=T0
        )
        try:
            return await apply(accounts(storage), "c1", decide)
        except LoyaltyError as exc:
            return exc

    results = await asyncio.gather(spend("R-1"), spend("R-2"))
    assert sum(isinstance(r, Outcome) for r in results) == 1
    assert await balance(repo, "c1") == 100


async def test_L7_automation_grants_once_and_expire_with_the_automations_days(
    storage: MemoryStorage,
) -> None:
    repo = accounts(storage)
    visits = {"id": "a1", "points": 30, "expiry_days": 7, "visit_count": 2}
    for key in ["v1", "v1", "v2", "v3", "v4"]:
        await apply(repo, "c1", visit_grants([visits], PROGRAM, key, T0))
    assert await balance(repo, "c1") == 60  # the 2nd and the 4th distinct visit
    invite = {"id": "a2", "points": 100, "expiry_days": 30}
    for _ in range(2):
        await apply(repo, "ref", referral_grant(invite, PROGRAM, "c1", T0))
    assert await balance(repo, "ref") == 100
    await apply(repo, "c1", settling(T0 + timedelta(days=7), PROGRAM))
    assert await balance(repo, "c1") == 0


async def test_L8_points_never_move_between_clients(storage: MemoryStorage) -> None:
    repo = accounts(storage)
    await apply(repo, "c1", earning(PROGRAM, sale("c1", "I-1")))
    spend = redeeming(PROGRAM, invoice="R-1", points=100, channel="APP", branch_id=None, now=T0)
    with pytest.raises(LoyaltyError):
        await apply(repo, "c2", spend)
    # Nor across studios: the same client id elsewhere is another account.
    with pytest.raises(LoyaltyError):
        await apply(accounts(storage, "t2"), "c1", spend)
    assert await balance(repo, "c1") == 400
    assert await balance(repo, "c2") == 0


async def test_erasure_keeps_the_figures_and_drops_the_notes(storage: MemoryStorage) -> None:
    repo = accounts(storage)
    grant = granting(PROGRAM, points=5, note="private", expiry_days=None, actor_id="u", now=T0)
    await apply(repo, "c1", grant)
    await change(repo, "c1", anonymised("c1"))
    state = (await repo.load("c1")).state
    assert state is not None
    assert state.account.balance == 5
    assert all(e.note is None for e in state.account.entries)


async def test_L1_program_changes_add_versions_in_order(storage: MemoryStorage) -> None:
    programs = storage.repository(PROGRAM_VERSIONS, "t1")

    def enable(p: Program) -> Program:
        return Program(enabled=True, earn_percent=p.earn_percent)

    def earn_10(p: Program) -> Program:
        return Program(enabled=p.enabled, earn_percent=Decimal("10"))

    await change(programs, PROGRAM_ID, program_edit(T0, enable))
    # A change dated before the last one takes effect with it, never before.
    done = await change(programs, PROGRAM_ID, program_edit(T0 - timedelta(days=1), earn_10))
    assert done.result == Program(enabled=True, earn_percent=Decimal("10"))
    versions = (await programs.load(PROGRAM_ID)).state
    assert versions == [
        ProgramVersion(T0, Program(enabled=True)),
        ProgramVersion(T0, Program(enabled=True, earn_percent=Decimal("10"))),
    ]


# ---------------------------------------------------------------- L3: a sale paid with points
def paid_with_points(invoice: str, points_part: str, *, channel: str = "IN_STUDIO") -> Purchase:
    """A 20 € sale, `points_part` of it paid with points and the rest in cash."""
    rest = Decimal("20.00") - Decimal(points_part)
    return replace(
        sale("c1", invoice, at=T0 + timedelta(days=3)),
        payments=[Payment("POINTS", Decimal(points_part)), Payment("CASH", rest)],
        channel=channel,
    )


def pay(p: Purchase) -> Decide:
    return paying_with_points(PROGRAM, p, redemption_points(PROGRAM, p.points_paid))


async def test_the_sale_takes_its_points_oldest_first_once(storage: MemoryStorage) -> None:
    repo = accounts(storage)
    await apply(repo, "c1", earning(PROGRAM, sale("c1", "I-1", at=T0)))  # 400 points
    await apply(repo, "c1", earning(PROGRAM, sale("c1", "I-2", at=T0 + timedelta(days=1))))
    p = paid_with_points("F-7", "5.00")
    assert p.points_paid == Decimal("5.00")
    first = await apply(repo, "c1", pay(p))
    assert [(e.kind, e.points, e.invoice_number) for e in first.entries] == [
        (Kind.REDEEM, -500, "F-7")
    ]
    assert [(t.points, t.at) for t in first.entries[0].taken] == [
        (400, T0),
        (100, T0 + timedelta(days=1)),
    ]
    assert (await apply(repo, "c1", pay(p))).entries == []  # a replay, a duplicate
    assert (await apply(repo, "c1", earning(PROGRAM, p))).entries == []  # paid with points
    assert await balance(repo, "c1") == 300
    back = await apply(repo, "c1", refunding(PROGRAM, "F-7", T0 + timedelta(days=4)))
    assert sum(e.points for e in back.entries) == 500
    assert await balance(repo, "c1") == 800
    assert published(storage)[-2:] == ["loyalty.points_redeemed.v1", "loyalty.points_reversed.v1"]


async def test_a_redemption_for_the_invoice_already_took_them(storage: MemoryStorage) -> None:
    repo = accounts(storage)
    await apply(repo, "c1", earning(PROGRAM, sale("c1", "I-1", at=T0)))
    desk = redeeming(
        PROGRAM, invoice="F-7", points=300, channel="IN_STUDIO", branch_id="b1", now=T0
    )
    await apply(repo, "c1", desk)
    assert (await apply(repo, "c1", pay(paid_with_points("F-7", "3.00")))).entries == []
    assert await balance(repo, "c1") == 100


async def test_the_app_needs_the_whole_amount_the_desk_takes_what_there_is(
    storage: MemoryStorage,
) -> None:
    repo = accounts(storage)
    await apply(repo, "c1", earning(PROGRAM, sale("c1", "I-1", at=T0)))  # 400 points
    with pytest.raises(LoyaltyError) as refused:
        await apply(repo, "c1", pay(paid_with_points("A-1", "5.00", channel="APP")))
    assert refused.value.code == "INSUFFICIENT_POINTS"
    assert await balance(repo, "c1") == 400
    desk = await apply(repo, "c1", pay(paid_with_points("D-1", "5.00")))
    assert [e.points for e in desk.entries] == [-400]


async def test_a_refund_before_the_sale_leaves_the_points(storage: MemoryStorage) -> None:
    repo = accounts(storage)
    await apply(repo, "c1", earning(PROGRAM, sale("c1", "I-1", at=T0)))
    await apply(repo, "c1", refunding(PROGRAM, "F-9", T0))
    assert (await apply(repo, "c1", pay(paid_with_points("F-9", "2.00")))).entries == []
    assert await balance(repo, "c1") == 400
