"""The client card's live changes: which events are about a card and which part of it
they change; crm's timeline announcement becomes a TIMELINE change naming the entry
(crm resolves it through the gateway)."""

from __future__ import annotations

from clients.graphql.card_live import (
    ClientCardArea,
    _change,
    card_area,
    card_keys,
    shown_on_card,
)
from plumbing.envelope import Envelope


def announced(client_id: str, staff_only: bool = False) -> Envelope:
    return Envelope(
        type="crm.timeline_entry_added.v1",
        source="services/crm",
        tenant="t1",
        subject=client_id,
        data={
            "entry_id": "e1",
            "client_id": client_id,
            "type": "ingest.visit_recorded.v1",
            "kind": "visit_recorded",
            "source": "partners/p",
            "at": "2026-03-02T09:30:00.000Z",
            "staff_only": staff_only,
        },
    )


def test_a_timeline_entry_is_a_timeline_change_of_its_clients_card() -> None:
    event = announced("ana")
    assert card_area(event) is ClientCardArea.TIMELINE
    assert card_keys(event) == ["t1:ana"]
    change = _change(event, ClientCardArea.TIMELINE, "ana")
    assert change.timeline_entry is not None
    assert (change.timeline_entry.id, change.timeline_entry.client_id) == ("e1", "ana")
    assert change.points_balance is None and change.rank_name is None


def test_the_studios_own_work_reaches_staff_only_and_another_card_nobody() -> None:
    note = announced("ana", staff_only=True)
    assert shown_on_card(note, "ana", staff=True)
    assert not shown_on_card(note, "ana", staff=False)
    assert shown_on_card(announced("ana"), "ana", staff=False)
    assert not shown_on_card(announced("bea"), "ana", staff=True)


def test_crms_other_events_are_about_no_card() -> None:
    settled = Envelope(
        type="crm.facts_settled.v1",
        source="services/crm",
        tenant="t1",
        subject="ana",
        data={"facts": []},
    )
    assert card_area(settled) is None and card_keys(settled) == []
    points = Envelope(
        type="loyalty.points_earned.v1",
        source="services/loyalty",
        tenant="t1",
        subject="ana",
        data={"points": 3, "balance_after": 10},
    )
    change = _change(points, ClientCardArea.POINTS, "ana")
    assert change.timeline_entry is None and change.points_balance == 10
