"""L3: a sale recorded with a points payment spends the points, oldest first, exactly
once; not when a redemption for the invoice already took them; a refund gives them back;
in the app only with the whole amount (L10)."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from decimal import Decimal

import pytest
from loyalty.domain.earning import Payment
from loyalty.domain.ledger import Kind, LoyaltyError
from loyalty.service_layer.account_changes import Decide
from loyalty.service_layer.points import redeeming, redemption_points
from loyalty.service_layer.purchases import Purchase, earning, paying_with_points, refunding
from plumbing.storage import MemoryStorage

from .test_account_changes import PROGRAM, T0, accounts, apply, balance, published, sale


@pytest.fixture
def storage() -> MemoryStorage:
    return MemoryStorage()


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
