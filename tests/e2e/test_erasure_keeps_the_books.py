"""B9 (C12): erasure that keeps the books. After a client is erased, the day's figures,
the occupancy and the points report keep their sums, and no list names the client: the
day's lists drop the id and keep the count, a waitlist entry keeps its session without
its client, the points report keeps the total without a row."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from loyalty.testing import balance_becomes, configure, create_client, known, purchase
from plumbing.testing import Graph, eventually

from ..journeys import crm_knows, iso

ERASE = "mutation($id: ID!) { eraseClient(id: $id) { userErrors { code } } }"
SESSION = """
mutation($at: DateTime!) {
  recordSession(id: "S-B9", serviceId: "yoga", startsAt: $at, capacity: 10) { accepted }
}"""
BOOKING = """
mutation($id: ID!, $c: ID!, $st: BookingStatus!, $at: DateTime!) {
  recordBooking(id: $id, clientId: $c, sessionId: "S-B9", status: $st, fromApp: false,
                occurredAt: $at) { accepted userErrors { code } }
}"""
DAY = """
query($d: Date!) { crmSummary(date: $d) {
  bookedToday { count clientsConnection(first: 10) { edges { node { id } } } }
  onWaitlist { count clientsConnection(first: 10) { edges { node { id } } } }
  cancelled { count }
  waitlistEntries { id clientId sessionId }
  occupancy { placesOffered placesBooked }
} }"""
REPORT = """
query($f: DateTime!, $t: DateTime!) {
  pointsEarnedReport(from: $f, to: $t) { edges { node { client { id } points } } totalPoints }
}"""


def listed(part: dict[str, Any]) -> list[str]:
    return sorted(e["node"]["id"] for e in part["clientsConnection"]["edges"])


async def test_b9_the_figures_keep_their_sums_without_the_client(owner: Graph) -> None:
    await configure(owner, pointValue="0.01", earnPercent="5")
    ana = await create_client(owner, "Ana")
    bea = await create_client(owner, "Bea")
    await known(owner, ana)
    await known(owner, bea)
    await crm_knows(owner, 2)
    now = datetime.now(UTC).replace(microsecond=0)
    start = (now + timedelta(days=1)).replace(hour=10, minute=0, second=0)
    day = start.date().isoformat()
    assert (await owner(SESSION, {"at": iso(start)}))["recordSession"]["accepted"]
    for booking_id, client, status in (
        ("B9-1", ana, "BOOKED"), ("B9-2", bea, "BOOKED"), ("B9-3", ana, "WAITLISTED"),
    ):  # fmt: skip
        made = await owner(BOOKING, {"id": booking_id, "c": client, "st": status, "at": iso(now)})
        assert made["recordBooking"]["userErrors"] == []
    for invoice, client in (("B9-F1", ana), ("B9-F2", bea)):
        await purchase(owner.tenant, client, invoice, [("SERVICE", "yoga", "100.00")],
                       [("CASH", "100.00")])  # fmt: skip
    await balance_becomes(owner, ana, 500)
    await balance_becomes(owner, bea, 500)
    window = {"f": iso(now - timedelta(days=1)), "t": iso(now + timedelta(days=1))}
    before = await eventually(
        lambda: owner(DAY, {"d": day}),
        until=lambda s: (
            s["crmSummary"]["bookedToday"]["count"] == 2
            and s["crmSummary"]["onWaitlist"]["count"] == 1
        ),
    )
    report = await owner(REPORT, window)
    assert report["pointsEarnedReport"]["totalPoints"] == 1000

    assert (await owner(ERASE, {"id": ana}))["eraseClient"]["userErrors"] == []
    after = await eventually(
        lambda: owner(DAY, {"d": day}),
        until=lambda s: listed(s["crmSummary"]["bookedToday"]) == [bea],
    )
    summary = after["crmSummary"]
    assert summary["bookedToday"]["count"] == 2  # the count holds, the id is gone
    assert (summary["onWaitlist"]["count"], listed(summary["onWaitlist"])) == (1, [])
    assert summary["waitlistEntries"] == [{"id": "B9-3", "clientId": None, "sessionId": "S-B9"}]
    assert summary["occupancy"] == before["crmSummary"]["occupancy"]
    assert ana not in str(summary)
    report = await eventually(
        lambda: owner(REPORT, window),
        until=lambda r: (
            [e["node"]["client"]["id"] for e in r["pointsEarnedReport"]["edges"]] == [bea]
        ),
    )
    assert report["pointsEarnedReport"]["totalPoints"] == 1000  # the books keep the sum
