"""K2 waitlist entries lead to their session; B9 erasure keeps the day's counts."""

from __future__ import annotations

from datetime import UTC, date, datetime

from crm.domain import rules
from crm.events import (
    AppSessionStarted,
    BookingCancelled,
    MembershipReported,
    ReportedCredit,
    WaitlistConverted,
    WaitlistJoined,
)
from crm.service_layer.profile_entries import balance_booked_mark, moment, period_id
from crm.service_layer.summary import load
from crm.testing import MemoryCrm
from crm.testing_events import (
    TENANT,
    booking,
    card,
    consume,
    fact,
    session,
    views,
)
from plumbing import readers
from plumbing.envelope import Envelope

STARTS = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)
AT = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
DAY = date(2026, 3, 10)


def joined(entry: str, client: str, session_id: str = "s1") -> Envelope:
    return fact(
        WaitlistJoined(entry_id=entry, client_id=client, session_id=session_id, occurred_at=AT),
        client,
    )


def converted(entry: str, client: str) -> Envelope:
    data = WaitlistConverted(
        entry_id=entry, client_id=client, session_id="s1", booking_id=entry, occurred_at=AT
    )
    return fact(data, client)


def erased(client: str) -> Envelope:
    return Envelope(
        type=readers.CLIENT_ERASED,
        source="clients",
        tenant=TENANT,
        subject=client,
        data={"client_id": client},
    )


async def test_a_waitlist_entry_names_its_session_and_its_conversion() -> None:
    crm = MemoryCrm(zone="UTC")
    await consume(crm, card("ana"), card("bea"), session("s1", STARTS))
    await consume(crm, joined("w1", "ana"), joined("w2", "bea"), converted("w2", "bea"))
    view = await load(views(crm), DAY, "DAY", None, crm.studio(TENANT).zone)
    entries = view.waitlist_entries()
    assert [(e["entry_id"], e["client_id"], e["session_id"]) for e in entries] == [
        ("w1", "ana", "s1"),
        ("w2", "bea", "s1"),
    ]
    assert entries[0]["service_id"] == "yoga"
    assert moment(entries[0]["starts_at"]) == STARTS
    assert [e["converted"] for e in entries] == [False, True]
    assert view.list_of("wait") == ["ana", "bea"]


async def test_an_erased_client_leaves_the_lists_and_the_counts_stay() -> None:
    crm = MemoryCrm(zone="UTC")
    await consume(crm, card("ana"), card("bea"), session("s1", STARTS))
    await consume(
        crm,
        booking("b1", "ana", "s1", AT),
        booking("b2", "bea", "s1", AT),
        joined("w1", "ana"),
        booking("b3", "ana", "s1", AT),
    )
    cancel = BookingCancelled(booking_id="b3", client_id="ana", session_id="s1", occurred_at=AT)
    await consume(crm, fact(cancel, "ana"))
    zone = crm.studio(TENANT).zone
    before = await load(views(crm), DAY, "DAY", None, zone)
    counts = [before.listed(name) for name in ("booked", "wait", "canc")]
    taken = sum(p.booked for _, p in before.occupancy(None, None))
    await consume(crm, erased("ana"), erased("ana"))  # a replay changes nothing more
    after = await load(views(crm), DAY, "DAY", None, zone)
    assert [after.listed(name) for name in ("booked", "wait", "canc")] == counts == [2, 1, 1]
    assert sum(p.booked for _, p in after.occupancy(None, None)) == taken == 2
    assert after.list_of("booked") == ["bea"]
    assert after.list_of("wait") == after.list_of("canc") == []
    assert [e["client_id"] for e in after.waitlist_entries()] == [None]
    assert "ana" not in str(after.day_doc)


async def test_an_erased_client_leaves_no_counted_once_mark_and_the_counts_stay() -> None:
    """B9: the marks that counted the client once in a period (K3's booked with a
    balance, the app users) go with the card; the day's and month's counts stay."""
    crm = MemoryCrm(zone="UTC")
    await consume(crm, card("ana"), session("s1", STARTS))
    credit = ReportedCredit(credit_id="k1", kind="CLASS", status="AVAILABLE")
    with_credit = MembershipReported(
        membership_id="m-ana",
        client_id="ana",
        plan="bono 10",
        status="ACTIVE",
        valid_from=date(2026, 1, 1),
        credits=[credit],
        reported_at=AT,
    )
    await consume(crm, fact(with_credit, "ana"), booking("b1", "ana", "s1", AT))
    app = AppSessionStarted(client_id="ana", platform="IOS", occurred_at=AT)
    await consume(crm, fact(app, "ana"))
    day, month = period_id("D", rules.ALL_SCOPE, "2026-03-10"), "2026-03"
    marks = [
        balance_booked_mark(day, "ana"),
        balance_booked_mark(period_id("M", rules.ALL_SCOPE, month), "ana"),
        "appact~D~2026-03-01~ana",
        f"appact~M~{month}~ana",
    ]
    assert [await views(crm).marks.get(m) is not None for m in marks] == [True] * 4
    app_day = period_id("D", rules.ALL_SCOPE, "2026-03-01")
    before = [await views(crm).periods.get(d) or {} for d in (day, app_day)]
    assert (before[0].get("bwb"), before[1].get("appact")) == (1, 1)
    await consume(crm, erased("ana"))
    assert [await views(crm).marks.get(m) for m in marks] == [None] * 4
    after = [await views(crm).periods.get(d) or {} for d in (day, app_day)]
    assert (after[0].get("bwb"), after[1].get("appact")) == (1, 1)
