"""What the crm consumer reports (`plumbing.fact_reports`) is what the crm subgraph's live
updates read (`crm.facts_settled.v1`): keys for the studio's counters and each fact, the
outcome as the event's contract says it, and the partner scope of each fact's family."""

from __future__ import annotations

from crm.events import FactsSettled
from crm.graphql.live_facts import FACT_REPORTS, _family_scope, fact_keys, settled_in
from plumbing.envelope import Envelope
from plumbing.fact_reports import SettledFacts


class Sent:
    def __init__(self) -> None:
        self.values: list[bytes] = []

    async def publish(self, topic: str, key: bytes, value: bytes) -> None:
        assert topic == "crm.events"
        self.values.append(value)


def fact(kind: str, tenant: str = "t1") -> Envelope:
    return Envelope(type=kind, source="partners/test", tenant=tenant, data={"client_id": "c1"})


async def test_a_report_is_keyed_for_the_studio_and_each_fact_and_reads_back() -> None:
    sent = Sent()
    reports = SettledFacts(FACT_REPORTS, sent)
    visit, booking = fact("ingest.visit_recorded.v1"), fact("ingest.booking_made.v1")
    reports.note(visit, "APPLIED")
    reports.note(booking, "WAITING", "UNKNOWN_SESSION", "the session S1 is not known yet")
    reports.note(fact("loyalty.points_earned.v1"), "APPLIED")  # not a partner fact
    await reports.flush()
    [value] = sent.values
    report = Envelope.from_bytes(value)
    assert report.type == "crm.facts_settled.v1" and report.tenant == "t1"
    FactsSettled.model_validate(report.data)  # the contract the catalog publishes
    assert fact_keys(report) == ["t1", f"t1:{visit.id}", f"t1:{booking.id}"]
    outcomes = [(f.event_id, f.outcome, f.code) for f in settled_in(report)]
    assert outcomes == [(visit.id, "APPLIED", None), (booking.id, "WAITING", "UNKNOWN_SESSION")]


def test_other_events_on_the_topic_are_for_nobody() -> None:
    task = Envelope(type="crm.task_created.v1", source="crm", tenant="t1", data={})
    assert fact_keys(task) == [] and settled_in(task) == []


def test_a_partner_sees_the_facts_of_the_families_its_key_may_record() -> None:
    assert _family_scope("ingest.visit_recorded.v1") == "ingest:bookings"
    assert _family_scope("ingest.purchase_recorded.v1") == "ingest:sales"
    assert _family_scope("ingest.app_session_started.v1") == "ingest:app"
    assert _family_scope("ingest.made_up.v1") is None
