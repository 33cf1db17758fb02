"""Live updates of what the consumers do (docs/live-updates.md): the studio's "today"
counters as facts are applied (K2), what became of a recorded fact (K7) and an import's
progress (C1), through the gateway over SSE and graphql-transport-ws."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from aiokafka import AIOKafkaProducer
from plumbing.live_testing import LiveCaller, over_sse, over_websocket
from plumbing.testing import GATEWAY_URL, Graph, unique_tenant

from tests.journeys import upload_csv

from ..journeys import crm_client, iso
from .test_live_updates import started, token

TODAY = """
subscription Today {
  crmToday { kind cursor factsApplied lastFactAppliedAt summary { date activeInApp } }
}"""
OUTCOME = """
subscription Outcome($id: ID!) {
  factOutcome(eventId: $id) { kind outcome { eventId type status code reason } }
}"""
IMPORT = """
subscription Import($id: ID!) {
  importJobProgress(id: $id) {
    kind progress { status total processed created duplicates errorCount }
    job { status errors { row } }
  }
}"""
APP = """
mutation($c: ID!, $at: DateTime!) {
  recordAppEvent(clientId: $c, kind: SESSION_STARTED, platform: ANDROID, occurredAt: $at) {
    accepted eventId userErrors { code }
  }
}"""
SESSION = """
mutation($id: ID!, $at: DateTime!) {
  recordSession(id: $id, serviceId: "yoga", startsAt: $at, capacity: 8) { accepted eventId }
}"""
BOOKING = """
mutation($id: ID!, $c: ID!, $s: ID!, $at: DateTime!) {
  recordBooking(id: $id, clientId: $c, sessionId: $s, status: BOOKED, fromApp: false,
                occurredAt: $at) { accepted status eventId }
}"""


async def until(caller: LiveCaller, field: str, done: Callable[[dict[str, Any]], bool]) -> Any:
    """The updates of `field` up to the first that is `done`."""
    seen: list[dict[str, Any]] = []
    while True:
        payload = await caller.next(timeout=20)
        assert payload is not None, f"the subscription ended after {seen}"
        assert not payload.get("errors"), payload
        update = payload["data"][field]
        seen.append(update)
        if done(update):
            return seen


async def test_k2_today_counters_follow_the_facts_applied_and_only_the_studios_own(
    owner: Graph, graphs: Callable[..., Graph], producer: AIOKafkaProducer
) -> None:
    ana = await crm_client(owner, producer, "Ana")
    partner = graphs(owner.tenant, "PARTNER", subject="app-partner")
    elsewhere = graphs(unique_tenant(), "OWNER")
    async with (
        over_sse(GATEWAY_URL, token(owner), TODAY) as dashboard,
        over_websocket(GATEWAY_URL, token(elsewhere), TODAY) as other,
    ):
        first = await started(dashboard, "crmToday")
        assert first["summary"]["activeInApp"] == 0 and first["lastFactAppliedAt"] is None
        await started(other, "crmToday")
        now = datetime.now(UTC).replace(microsecond=0)
        sent = await partner(APP, {"c": ana, "at": iso(now)})
        assert sent["recordAppEvent"]["accepted"], sent
        changes = await until(dashboard, "crmToday", lambda u: u["summary"]["activeInApp"] == 1)
        last = changes[-1]
        assert last["kind"] == "CHANGE" and last["factsApplied"] >= 1
        applied_at = datetime.fromisoformat(last["lastFactAppliedAt"].replace("Z", "+00:00"))
        assert abs((applied_at - now).total_seconds()) < 60
        assert await other.nothing_for(1.0), "another studio's dashboard heard of Ana's app"


async def test_k7_a_recorded_fact_is_followed_from_waiting_to_applied(
    owner: Graph, graphs: Callable[..., Graph], producer: AIOKafkaProducer
) -> None:
    ana = await crm_client(owner, producer, "Ana")
    partner = graphs(owner.tenant, "PARTNER", subject="booking-partner")
    elsewhere = graphs(unique_tenant(), "OWNER")
    now = datetime.now(UTC).replace(microsecond=0)
    early = await partner(BOOKING, {"id": "B1", "c": ana, "s": "S1", "at": iso(now)})
    booking = early["recordBooking"]["eventId"]
    assert early["recordBooking"]["status"] == "PENDING", early
    async with (
        over_websocket(GATEWAY_URL, token(partner), OUTCOME, {"id": booking}) as follows,
        over_sse(GATEWAY_URL, token(elsewhere), OUTCOME, {"id": booking}) as stranger,
    ):
        await started(stranger, "factOutcome")
        # The booking waits for its session: told WAITING (perhaps before the subscription
        # opened: it is delivered all the same), then APPLIED once the session comes.
        seen = await until(follows, "factOutcome", lambda u: u["outcome"] is not None)
        assert seen[0]["kind"] == "STARTED"
        waiting = seen[-1]["outcome"]
        assert (waiting["eventId"], waiting["status"]) == (booking, "WAITING"), seen
        assert waiting["code"] == "UNKNOWN_SESSION"
        start = iso(now + timedelta(days=1))
        assert (await partner(SESSION, {"id": "S1", "at": start}))["recordSession"]["accepted"]
        [applied] = await until(follows, "factOutcome", lambda u: u["outcome"] is not None)
        assert applied["outcome"]["status"] == "APPLIED"
        assert await follows.next(timeout=10) is None  # ended once the fact is settled
        assert await stranger.nothing_for(0.5), "another studio heard of the booking"


async def test_c1_an_import_is_followed_to_its_end(owner: Graph) -> None:
    csv = "first name,last name,email\nAna,Ruiz,ana@example.com\n,Nameless,\nBea,Gil,\n"
    body = await upload_csv(owner, csv.encode())
    job = body["data"]["importClients"]["job"]
    async with over_websocket(GATEWAY_URL, token(owner), IMPORT, {"id": job["id"]}) as follows:
        seen = await until(
            follows, "importJobProgress", lambda u: u["progress"]["status"] != "RUNNING"
        )
        assert seen[0]["kind"] == "STARTED"
        final = seen[-1]
        assert final["progress"] == {
            "status": "COMPLETED",
            "total": 3,
            "processed": 3,
            "created": 2,
            "duplicates": 0,
            "errorCount": 1,
        }
        assert final["job"] == {"status": "COMPLETED", "errors": [{"row": 3}]}
        assert await follows.next(timeout=10) is None
