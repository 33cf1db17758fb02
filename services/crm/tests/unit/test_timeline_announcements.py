"""C9 live: every entry added to a client's timeline is announced once
(`crm.timeline_entry_added.v1`, subject the client), with what the card's subscription
needs to place it and to tell who may read it; a replay adds and announces nothing."""

from __future__ import annotations

from datetime import UTC, datetime

from crm.events import TimelineEntryAdded, catalog
from crm.service_layer.timeline_entries import add_to_timeline
from crm.testing import MemoryCrm, MemoryTimelines
from crm.testing_events import TENANT, booking, card, consume, session
from plumbing import topics
from plumbing.envelope import Envelope

BOOKED = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def timelines_of(crm: MemoryCrm) -> MemoryTimelines:
    return crm.timelines[TENANT]


async def test_each_entry_added_is_announced_once_with_its_client_and_place() -> None:
    crm = MemoryCrm()
    made = booking("b1", "ana", "s1", BOOKED)
    await consume(crm, card("ana"), session("s1", BOOKED), made)
    await consume(crm, made)  # redelivered: no entry, no announcement

    published = timelines_of(crm).published
    assert [(e.type, e.subject, e.tenant) for e in published] == [
        ("crm.timeline_entry_added.v1", "ana", TENANT)
    ] * 2
    assert all(catalog.topic_of(e.type) == topics.CRM for e in published)
    said = catalog.read(published[1])
    assert isinstance(said, TimelineEntryAdded)
    assert (said.entry_id, said.client_id, said.kind, said.type) == (
        made.id,
        "ana",
        "booking_made",
        made.type,
    )
    assert said.at == BOOKED and not said.staff_only
    entry = await timelines_of(crm).entry("ana", made.id)
    assert entry is not None and entry["kind"] == "booking_made"


async def test_the_studios_own_work_is_announced_as_staff_only() -> None:
    crm = MemoryCrm()
    note = Envelope(
        type="clients.note_added.v1",
        source="services/clients",
        tenant=TENANT,
        subject="ana",
        data={"client_id": "ana", "text": "prefers mornings"},
    )
    visit = Envelope(
        type="ingest.visit_recorded.v1",
        source="partner",
        tenant=TENANT,
        subject="ana",
        data={"client_id": "ana", "visit_id": "v1", "attended_at": BOOKED.isoformat()},
    )
    timelines = crm.views(TENANT).timelines
    await add_to_timeline(timelines, "ana", [note, visit, note])
    said = [catalog.read(e) for e in timelines_of(crm).published]
    assert [(s.kind, s.staff_only) for s in said if isinstance(s, TimelineEntryAdded)] == [
        ("note_added", True),
        ("visit_recorded", False),
    ]
