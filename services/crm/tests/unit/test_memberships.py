"""C11: a membership's payment activity and next payment date; staff move the date, and
the billing partner's next report wins again."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from crm.events import MembershipNextPaymentSet, MembershipPayment, MembershipReported, catalog
from crm.service_layer.memberships import SetNextPayment, next_payment_set, set_next_payment
from crm.testing import MemoryCrm, MemoryRecordedFacts
from crm.testing_events import card, consume, fact, projection, views

NOW = datetime.now(UTC).replace(microsecond=0)
TODAY = NOW.date()


def report(at: datetime, next_on: date | None) -> MembershipReported:
    return MembershipReported(
        membership_id="m1",
        client_id="ana",
        plan="monthly",
        status="ACTIVE",
        valid_from=date(2026, 1, 1),
        reported_at=at,
        next_payment_on=next_on,
        payments=[
            MembershipPayment(
                payment_id="p1", at=at, amount=Decimal("39.90"), outcome="FAILED", reason="expired"
            )
        ],
    )


def command(on: date, now: datetime = NOW) -> SetNextPayment:
    return SetNextPayment(
        client_id="ana", membership_id="m1", next_payment_on=on, set_by="staff-1", now=now,
        today=TODAY,
    )  # fmt: skip


async def membership(crm: MemoryCrm) -> dict[str, object]:
    profile = await views(crm).profiles.get("ana") or {}
    return dict(profile["memberships"]["m1"])


async def staff_sets(crm: MemoryCrm, cmd: SetNextPayment) -> None:
    recorded = MemoryRecordedFacts()
    outcome = await set_next_payment(views(crm), recorded, cmd)
    assert outcome.accepted and outcome.problems == []
    for event in recorded.events:  # as the consumer applies them, twice (a replay)
        for _ in range(2):
            data = catalog.read(event)
            assert isinstance(data, MembershipNextPaymentSet)
            await next_payment_set(projection(crm, event), data)


async def test_a_report_carries_the_payments_and_the_next_date() -> None:
    crm = MemoryCrm()
    await consume(crm, card("ana"), fact(report(NOW - timedelta(hours=2), date(2026, 7, 1)), "ana"))
    kept = await membership(crm)
    assert kept["next_payment_on"] == "2026-07-01"
    assert [(p["payment_id"], p["outcome"], p["reason"]) for p in kept["payments"]] == [  # type: ignore[attr-defined]
        ("p1", "FAILED", "expired")
    ]


async def test_staff_move_the_date_until_the_partner_reports_again() -> None:
    crm = MemoryCrm()
    await consume(crm, card("ana"), fact(report(NOW - timedelta(hours=2), date(2026, 7, 1)), "ana"))
    later = TODAY + timedelta(days=10)
    await staff_sets(crm, command(later))
    assert (await membership(crm))["next_payment_on"] == later.isoformat()
    # A report made before staff's change, arriving late, keeps staff's date.
    await consume(crm, fact(report(NOW - timedelta(hours=1), date(2026, 7, 1)), "ana"))
    assert (await membership(crm))["next_payment_on"] == later.isoformat()
    # The partner's report made after it wins.
    await consume(crm, fact(report(NOW + timedelta(seconds=1), date(2026, 8, 1)), "ana"))
    assert (await membership(crm))["next_payment_on"] == "2026-08-01"


async def test_staff_are_told_what_they_cannot_move() -> None:
    crm = MemoryCrm()
    await consume(crm, card("ana"), fact(report(NOW - timedelta(hours=2), None), "ana"))
    recorded = MemoryRecordedFacts()
    past = await set_next_payment(views(crm), recorded, command(TODAY - timedelta(days=1)))
    other = SetNextPayment("ana", "m9", TODAY, None, NOW, TODAY)
    unknown = await set_next_payment(views(crm), recorded, other)
    assert [p.code for p in past.problems] == ["PAST_DATE"]
    assert [(p.code, p.field) for p in unknown.problems] == [
        ("UNKNOWN_MEMBERSHIP", ("membershipId",))
    ]
    assert recorded.events == []
