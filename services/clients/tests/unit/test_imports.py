"""C1 import on a fake of its port (no stack): valid rows become cards, a row repeating
an email or phone of an earlier row or of an existing card is a duplicate, bad rows are
reported with their row number, and the relay hears of the new cards once."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from clients.events import ImportProgressed
from clients.service_layer.cards import Actor
from clients.service_layer.imports import parse_csv, run_import
from plumbing.contracts import EventData
from plumbing.mongo import Doc

T0 = datetime(2026, 3, 1, 10, 0, tzinfo=UTC)


class FakeImportTarget:
    """Contact keys and cards in dictionaries; job updates recorded as given."""

    tenant = "t1"

    def __init__(self, existing: Mapping[str, str], fields: Sequence[Doc] = ()) -> None:
        self.keys = dict(existing)  # "email:x" -> client id
        self.cards: dict[str, Doc] = {cid: {"id": cid} for cid in existing.values()}
        self.fields = list(fields)
        self.events: list[EventData] = []
        self.updates: list[Mapping[str, Any]] = []
        self.progress: list[ImportProgressed] = []
        self.announced: list[str] = []

    async def studio(self) -> Doc | None:
        return {"country": "ES", "time_zone": "Europe/Madrid"}

    async def definitions(self) -> list[Doc]:
        return self.fields

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

    async def insert_clients(self, batch: Sequence[tuple[Doc, Sequence[EventData]]]) -> None:
        for doc, events in batch:
            self.cards[doc["id"]] = doc
            self.events.extend(events)

    async def announce(self, client_ids: Sequence[str]) -> None:
        self.announced.extend(client_ids)

    async def update_job(
        self, job_id: str, update: Mapping[str, Any], progress: ImportProgressed | None = None
    ) -> Doc | None:
        self.updates.append(update)
        if progress is not None:
            self.progress.append(progress)
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
    # Each write of the job carries its counters whole, for whoever follows it live.
    told = [
        (p.status, p.processed, p.created, p.duplicates, p.error_count) for p in target.progress
    ]
    assert told == [("RUNNING", 6, 3, 2, 3), ("COMPLETED", 6, 3, 2, 3)]
    assert {(p.job_id, p.total) for p in target.progress} == {("job1", 6)}
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


def test_c1_a_windows_1252_file_from_excel_keeps_its_apostrophes_and_accents() -> None:
    # Excel in Spain and Italy saves "CSV (separado por comas)" in Windows-1252: 0x92 is
    # the apostrophe, 0xE8 an è, 0x80 the euro sign.
    data = b"Nome;Cognome;Note\r\nLuca;D\x92Alessandro;abbonamento 40\x80\r\nIr\xe8ne;Ca\xf1as;\r\n"

    parsed = parse_csv(data, max_rows=100)

    assert parsed.rows == [
        (2, ["Luca", "D\u2019Alessandro", "abbonamento 40\u20ac"]),
        (3, ["Ir\u00e8ne", "Ca\u00f1as", ""]),
    ]


def test_c1_utf8_with_or_without_a_byte_order_mark_is_read_as_utf8() -> None:
    text = "first name,last name\nLuca,D\u2019Alessandro\n"

    for data in (text.encode(), b"\xef\xbb\xbf" + text.encode()):
        parsed = parse_csv(data, max_rows=100)
        assert parsed.columns == ["first_name", "last_name"]
        assert parsed.rows == [(2, ["Luca", "D\u2019Alessandro"])]


def test_c1_bytes_windows_1252_leaves_undefined_fall_back_to_latin_1() -> None:
    parsed = parse_csv(b"first name,last name\nAna,Ru\x81iz\n", max_rows=100)

    assert parsed.rows == [(2, ["Ana", "Ru\x81iz"])]


def test_c1_a_stray_quote_is_reported_on_its_row_and_the_next_rows_are_read() -> None:
    data = (
        b"first name,last name,email\n"
        b'Ana,"Ruiz,ana@example.com\n'  # row 2: the quote is never closed
        b"Bruno,Sanz,bruno@example.com\n"
        b'Carla,Vidal "la Peque\xc3\xb1a",carla@example.com\n'  # a quote inside a cell
        b'Dani,"Vega,dani@example.com\n'  # row 5: opens a quote ...
        b'Eva,Sol",eva@example.com\n'  # ... that this quote closes (alone, a literal quote)
        b"Fran,Gil,fran@example.com\n"
    )

    parsed = parse_csv(data, max_rows=100)

    assert [row for row, _ in parsed.rows] == [3, 4, 6, 7]
    assert parsed.rows[1][1] == ["Carla", 'Vidal "la Peque\u00f1a"', "carla@example.com"]
    assert parsed.rows[2][1] == ["Eva", 'Sol"', "eva@example.com"]
    assert [row for row, _ in parsed.unreadable] == [2, 5]
    assert all("quote" in message for _, message in parsed.unreadable)


def test_c1_a_quoted_cell_with_a_line_break_is_one_record_numbered_by_its_first_line() -> None:
    data = b'first name,last name,notes\nAna,Ruiz,"knee injury\nno jumping"\nBruno,Sanz,\n'

    parsed = parse_csv(data, max_rows=100)

    assert parsed.rows == [
        (2, ["Ana", "Ruiz", "knee injury\nno jumping"]),
        (4, ["Bruno", "Sanz", ""]),
    ]
    assert parsed.unreadable == []


async def test_c1_a_duplicate_is_reported_on_the_first_line_of_a_two_line_record() -> None:
    target = FakeImportTarget({})
    data = (
        b"first name,last name,email,notes\n"
        b"Ana,Ruiz,ana@example.com,\n"
        b'Ana,Again,ana@example.com,"first line\nsecond line"\n'
    )
    parsed = parse_csv(data, max_rows=100)

    await run_import(target, "job1", parsed, actor=Actor("staff-1"), now=T0)

    progress, _ = target.updates
    errors = {e["row"]: e["message"] for e in progress["$push"]["errors"]["$each"]}
    assert errors == {3: "duplicate: email ana@example.com is also on row 2"}


async def test_c1_unreadable_rows_are_reported_as_errors_of_the_job() -> None:
    target = FakeImportTarget({})
    parsed = parse_csv(b'first name,last name\nAna,"Ruiz\nBruno,Sanz\n', max_rows=100)

    await run_import(target, "job1", parsed, actor=Actor("staff-1"), now=T0)

    unreadable, progress, done = target.updates
    assert unreadable["$inc"] == {"processed": 1}
    assert [e["row"] for e in unreadable["$push"]["errors"]["$each"]] == [2]
    assert progress["$inc"] == {"processed": 1, "created": 1, "duplicates": 0}
    assert [(p.processed, p.error_count) for p in target.progress] == [(1, 1), (2, 1), (2, 1)]
    assert [e.first_name for e in target.events] == ["Bruno"]
    assert done["$set"]["status"] == "COMPLETED"


SIZE = {"id": "f-size", "label": "Talla", "type": "CHOICE", "choices": ["S", "M", "L"],
        "collect_on": [], "required": True, "archived": False}  # fmt: skip
OLD = {"id": "f-old", "label": "Fax", "type": "TEXT", "required": True, "archived": True}


async def test_c5_a_required_custom_field_holds_at_import_from_the_column_of_its_label() -> None:
    """Seed 004: "Agregar/Editar campos": a field the studio added (Talla, required) is a
    column of the file named by its label; a row without it is reported, not created."""
    data = "nombre;apellidos;email;TALLA;Fax\nAna;Ruiz;ana@example.com;m;\nBruno;Sanz;;;\nCarla;Gil;;XL;\n"
    target = FakeImportTarget({}, [SIZE, OLD])
    parsed = parse_csv(data.encode(), max_rows=100)
    await run_import(target, "job1", parsed, actor=Actor("staff-1"), now=T0)
    [ana] = target.cards.values()
    assert ana["custom_values"] == {"f-size": "M"}
    errors = [
        e for u in target.updates for e in u.get("$push", {}).get("errors", {}).get("$each", [])
    ]
    assert [(e["row"], e["code"], e["message"]) for e in errors] == [
        (3, "REQUIRED", "the field 'Talla' is required"),
        (4, "INVALID_CHOICE", "Talla: 'XL' is not one of the choices: S, M, L"),
    ]
    assert [type(e).__name__ for e in target.events] == ["ClientCreated", "CustomFieldValueSet"]
