"""C8 communication preferences and their B8 consent evidence on the in-memory storage.
Seed 001: "Preferencias del perfil del cliente: Gestione las preferencias de comunicación
de su cliente desde esta pestaña" (appointments, service, packages, marketing,
transactions, by SMS, push or e-mail)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from clients.domain.consent import (
    MAX_RECORDS,
    ActorKind,
    BadEvidence,
    ConsentSource,
    evidence,
)
from clients.service_layer import preferences
from clients.service_layer.privacy import export_card
from plumbing.mongo import Doc
from plumbing.storage import Aggregates, DocCodec, MemoryStorage, Repository, Save, change

T0 = datetime(2026, 3, 1, 10, 0, tzinfo=UTC)
STAFF = evidence(ActorKind.STAFF, "staff-1", None, None, None)


@pytest.fixture
def storage() -> MemoryStorage:
    return MemoryStorage()


@pytest.fixture
async def cards(storage: MemoryStorage) -> Repository[Doc]:
    repo = storage.repository(Aggregates("clients", DocCodec()), "t1")
    await change(repo, "c1", lambda _: Save({"id": "c1", "status": "ACTIVE"}, None))
    return repo


def sent(storage: MemoryStorage) -> list[dict[str, object]]:
    return [json.loads(entry["value"]) for entry in storage.pending()]


async def test_c8_a_preference_change_is_timestamped_and_a_repeat_changes_nothing(
    cards: Repository[Doc], storage: MemoryStorage
) -> None:
    on = await preferences.set_preference(
        cards, "c1", category="MARKETING", channel="SMS", enabled=True, evidence=STAFF, now=T0
    )
    assert on.client is not None and "preferences" not in on.client  # on is the default
    off = await preferences.set_preference(
        cards, "c1", category="MARKETING", channel="SMS", enabled=False, evidence=STAFF, now=T0
    )
    assert off.client is not None
    assert off.client["preferences"]["MARKETING_SMS"] == {"enabled": False, "changed_at": T0}
    later = T0 + timedelta(hours=1)
    repeat = await preferences.set_preference(
        cards, "c1", category="MARKETING", channel="SMS", enabled=False, evidence=STAFF, now=later
    )
    assert repeat.client is not None
    assert repeat.client["preferences"]["MARKETING_SMS"]["changed_at"] == T0
    assert [e["type"] for e in sent(storage)] == ["clients.preferences_changed.v1"]
    bad = await preferences.set_preference(
        cards, "c1", category="MARKETING", channel="FAX", enabled=False, evidence=STAFF, now=T0
    )
    assert [p.code for p in bad.problems.items] == ["INVALID_CHANNEL"]


async def test_b8_each_change_records_who_through_which_channel_and_the_wording(
    cards: Repository[Doc], storage: MemoryStorage
) -> None:
    wording = "Acepto recibir promociones de Dojo Sakura por SMS."
    client = evidence(ActorKind.CLIENT, "c1", ConsentSource.APP, f"  {wording} ", "mkt-2026-03")
    off = await preferences.set_preference(
        cards, "c1", category="MARKETING", channel="SMS", enabled=False, evidence=STAFF,
        now=T0,
    )  # fmt: skip
    assert off.client is not None
    later = T0 + timedelta(days=3)
    on = await preferences.set_preference(
        cards, "c1", category="MARKETING", channel="SMS", enabled=True, evidence=client,
        now=later,
    )  # fmt: skip
    assert on.client is not None
    assert on.client["consent_evidence"] == [
        {"category": "MARKETING", "channel": "SMS", "enabled": False, "at": T0,
         "actor_kind": "STAFF", "actor_id": "staff-1", "source": "CONSOLE", "wording": None,
         "version": None},
        {"category": "MARKETING", "channel": "SMS", "enabled": True, "at": later,
         "actor_kind": "CLIENT", "actor_id": "c1", "source": "APP", "wording": wording,
         "version": "mkt-2026-03"},
    ]  # fmt: skip
    # Switching on again is no change: no record, no event.
    again = await preferences.set_preference(
        cards, "c1", category="MARKETING", channel="SMS", enabled=True, evidence=client,
        now=later + timedelta(hours=1),
    )  # fmt: skip
    assert again.client is not None and len(again.client["consent_evidence"]) == 2
    events = sent(storage)
    assert [(e["data"]["actor_kind"], e["data"]["via"], e["data"]["consent_version"])
            for e in events] == [("STAFF", "CONSOLE", None), ("CLIENT", "APP", "mkt-2026-03")]  # fmt: skip
    assert all("wording" not in e["data"] for e in events)  # the wording stays on the card
    exported = json.loads(export_card(on.client, [], exported_at=later))
    assert [r["source"] for r in exported["client"]["consent_evidence"]] == ["CONSOLE", "APP"]
    assert exported["client"]["consent_evidence"][1]["at"] == "2026-03-04T10:00:00Z"


async def test_b8_a_card_keeps_the_newest_records() -> None:
    storage = MemoryStorage()
    cards = storage.repository(Aggregates("clients", DocCodec()), "t1")
    old = [{"category": "SERVICE", "n": n} for n in range(MAX_RECORDS)]
    await change(cards, "c1", lambda _: Save({"id": "c1", "consent_evidence": old}, None))
    done = await preferences.set_preference(
        cards, "c1", category="MARKETING", channel="EMAIL", enabled=False, evidence=STAFF,
        now=T0,
    )  # fmt: skip
    assert done.client is not None
    kept = done.client["consent_evidence"]
    assert len(kept) == MAX_RECORDS and kept[0]["n"] == 1 and kept[-1]["source"] == "CONSOLE"


def test_b8_what_evidence_is_refused() -> None:
    with pytest.raises(BadEvidence) as staff_link:
        evidence(ActorKind.STAFF, "s1", ConsentSource.EMAIL_LINK, None, None)
    assert (staff_link.value.code, staff_link.value.field) == ("BAD_CHANNEL", "via")
    with pytest.raises(BadEvidence) as console:
        evidence(ActorKind.CLIENT, "c1", ConsentSource.CONSOLE, None, None)
    assert console.value.field == "via"
    with pytest.raises(BadEvidence) as long_text:
        evidence(ActorKind.CLIENT, "c1", None, "x" * 2001, None)
    assert (long_text.value.code, long_text.value.field) == ("TOO_LONG", "consentText")
    with pytest.raises(BadEvidence) as long_version:
        evidence(ActorKind.PARTNER, "p1", None, None, "v" * 101)
    assert long_version.value.field == "consentVersion"
    assert evidence(ActorKind.PARTNER, "p1", None, "  ", " v2 ").source is (
        ConsentSource.PARTNER_SYSTEM
    )
    assert evidence(ActorKind.PARTNER, "p1", None, "  ", " v2 ").wording is None
    assert evidence(ActorKind.CLIENT, "c1", None, None, None).source is ConsentSource.APP
