"""C1 import on a fake of its port (no stack): valid rows become cards, a row repeating
an email or phone of an earlier row or of an existing card is a duplicate, bad rows are
reported with their row number, and the relay hears of the new cards once."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from clients.events import ClientCreated
from clients.service_layer.cards import Actor
from clients.service_layer.imports import parse_csv, run_import
from plumbing.mongo import Doc

T0 = datetime(2026, 3, 1, 10, 0, tzinfo=UTC)


class FakeImportTarget:
    """Contact keys and cards in dictionaries; job updates recorded as given."""

    tenant = "t1"

    def __init__(self, existing: Mapping[str, str]) -> None:
        self.keys = dict(existing)  # "email:x" -> client id
        self.cards: dict[str, Doc] = {cid: {"id": cid} for cid in existing.values()}
        self.events: list[ClientCreated] = []
        self.updates: list[Mapping[str, Any]] = []
        self.announced: list[str] = []

    async def studio(self) -> Doc | None:
        return {"country": "ES", "time_zone": "Europe/Madrid"}

    async def claim_keys(self, claims: Sequence[tuple[str, str]]) -> set[str]:
        lost = set()
        for key, client_id in claims:
            if self.keys.setdefault(key, client_id) != client_id:
                lost.add(key)
        return lost

    async def keys_held(self, keys: Sequence[str]) -> dict[str, str]:
        return {k: self.keys[k] for k in keys if self.keys.get(k) in self.cards}

    async def release_keys(self, claims: Sequence[tuple[str, str]]) -> None:
        for key, client_id in claims:
            if self.keys.get(key) == client_id:
                del self.keys[key]

    async def insert_clients(self, batch: Sequence[tuple[Doc, Sequence[ClientCreated]]]) -> None:
        for doc, events in batch:
            self.cards[doc["id"]] = doc
            self.events.extend(events)

    async def announce(self, client_ids: Sequence[str]) -> None:
        self.announced.extend(client_ids)

    async def update_job(self, job_id: str, update: Mapping[str, Any]) -> Doc | None:
        self.updates.append(update)
        return None


CSV = """first name,last name,email,phone
Ana,Ruiz,ana@example.com,611 000 001
Bruno,Sanz,bruno@example.com,611 000 002
Ana,Again,ANA@example.com,611 000 009
Carla,Taken,carla@example.com,611 000 003
,Nameless,nobody@example.com,
Dani,Vega,,611 000 004
"""


async def test_c1_duplicates_by_email_or_phone_are_reported_and_the_rest_created() -> None:
    target = FakeImportTarget({"email:carla@example.com": "c-old"})
    parsed = parse_csv(CSV.encode(), max_rows=100)

    await run_import(target, "job1", parsed, actor=Actor("staff-1"), now=T0)

    created = sorted(e.first_name for e in target.events)
    assert created == ["Ana", "Bruno", "Dani"]
    assert sorted(target.announced) == sorted(e.client_id for e in target.events)
    progress, done = target.updates
    assert progress["$inc"] == {"processed": 6, "created": 3, "duplicates": 2}
    errors = {e["row"]: e["message"] for e in progress["$push"]["errors"]["$each"]}
    assert errors[4] == "duplicate: email ana@example.com is also on row 2"
    assert errors[5] == "duplicate: email carla@example.com belongs to client c-old"
    assert 6 in errors  # no first name
    assert done["$set"]["status"] == "COMPLETED"
    # The duplicate's phone was claimed with its row and given back.
    assert "phone:+34611000003" not in target.keys


async def test_c1_a_row_whose_name_could_spoof_a_screen_is_refused() -> None:
    target = FakeImportTarget({})
    csv = "first name,last name\nAna,Ruiz\nEve,Evil\u202egnp.exe\nNul,By\x00te\n"
    parsed = parse_csv(csv.encode(), max_rows=100)

    await run_import(target, "job1", parsed, actor=Actor("staff-1"), now=T0)

    assert [e.first_name for e in target.events] == ["Ana"]
    progress, _ = target.updates
    errors = {e["row"]: e["message"] for e in progress["$push"]["errors"]["$each"]}
    assert sorted(errors) == [3, 4]
    assert "U+202E" in errors[3] and "U+0000" in errors[4]
