"""C5 custom fields on the in-memory storage: labels unique among live fields, archived
fields take no new values, values checked by type."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from clients.domain.card import CustomFieldType
from clients.domain.model import Problems
from clients.service_layer import custom_fields
from clients.service_layer.initial_values import initial_values
from plumbing.mongo import Doc
from plumbing.storage import Aggregates, DocCodec, MemoryStorage, Save, change

T0 = datetime(2026, 3, 1, 10, 0, tzinfo=UTC)


def kinds() -> tuple[Aggregates[Doc], Aggregates[Doc]]:
    return Aggregates("custom_fields", DocCodec()), Aggregates("clients", DocCodec())


async def test_c5_a_label_is_unique_among_fields_not_archived() -> None:
    storage = MemoryStorage()
    definitions = storage.repository(kinds()[0], "t1")
    size, problems = await custom_fields.define_custom_field(
        definitions, label="Shoe size", kind=CustomFieldType.NUMBER, choices=None,
        collect_on=None, required=False,
    )  # fmt: skip
    assert size is not None and not problems
    _, twice = await custom_fields.define_custom_field(
        definitions, label="  shoe SIZE ", kind=CustomFieldType.TEXT, choices=None,
        collect_on=None, required=False,
    )  # fmt: skip
    assert [p.code for p in twice.items] == ["DUPLICATE_LABEL"]

    archived, _ = await custom_fields.archive_custom_field(definitions, size["id"])
    assert archived is not None and archived["archived"]
    again, _ = await custom_fields.archive_custom_field(definitions, size["id"])
    assert again == archived  # archiving twice changes nothing
    reused, problems = await custom_fields.define_custom_field(
        definitions, label="Shoe size", kind=CustomFieldType.TEXT, choices=None,
        collect_on=None, required=False,
    )  # fmt: skip
    assert reused is not None and not problems
    _, unknown = await custom_fields.archive_custom_field(definitions, "nope")
    assert [p.code for p in unknown.items] == ["NOT_FOUND"]
    state = (await definitions.load("definitions")).state
    assert state is not None and [f["label"] for f in state["fields"]] == ["Shoe size"] * 2
    assert len(storage.pending()) == 3  # defined, archived, defined


async def test_c5_values_are_checked_and_archived_fields_take_none() -> None:
    storage = MemoryStorage()
    definitions_kind, cards_kind = kinds()
    definitions = storage.repository(definitions_kind, "t1")
    cards = storage.repository(cards_kind, "t1")
    await change(cards, "c1", lambda _: Save({"id": "c1", "status": "ACTIVE"}, None))
    size, _ = await custom_fields.define_custom_field(
        definitions, label="Shoe size", kind=CustomFieldType.NUMBER, choices=None,
        collect_on=None, required=True,
    )  # fmt: skip
    assert size is not None
    fields = [size]

    done = await custom_fields.set_custom_value(
        cards, fields, None, "c1", size["id"], "38,50", now=T0
    )
    assert done.client is not None and done.client["custom_values"] == {size["id"]: "38.5"}
    bad = await custom_fields.set_custom_value(cards, fields, None, "c1", size["id"], "big", now=T0)
    assert bad.problems and bad.client is None
    required = await custom_fields.set_custom_value(
        cards, fields, None, "c1", size["id"], None, now=T0
    )
    assert [p.code for p in required.problems.items] == ["REQUIRED"]

    archived = [{**size, "archived": True}]
    refused = await custom_fields.set_custom_value(
        cards, archived, None, "c1", size["id"], "40", now=T0
    )
    assert [p.code for p in refused.problems.items] == ["FIELD_ARCHIVED"]
    card = (await cards.load("c1")).state
    assert card is not None and card["custom_values"] == {size["id"]: "38.5"}


async def test_c5_editing_a_field_keeps_every_value_already_entered() -> None:
    """Seed 004: "Agregar/Editar campos en la parte superior de la pestaña Información":
    the label, the choices and the forms of a field change; the cards do not."""
    storage = MemoryStorage()
    definitions_kind, cards_kind = kinds()
    definitions = storage.repository(definitions_kind, "t1")
    cards = storage.repository(cards_kind, "t1")
    await change(cards, "c1", lambda _: Save({"id": "c1", "status": "ACTIVE"}, None))
    belt, _ = await custom_fields.define_custom_field(
        definitions, label="Color de cinturón", kind=CustomFieldType.CHOICE,
        choices=["Blanco", "Nera"], collect_on=None, required=False,
    )  # fmt: skip
    assert belt is not None
    await custom_fields.set_custom_value(cards, [belt], None, "c1", belt["id"], "nera", now=T0)
    edited, problems = await custom_fields.edit_custom_field(
        definitions,
        belt["id"],
        custom_fields.FieldChanges(
            label="Cinturón", choices=["Blanco", "Negro"], collect_on=["Programación"],
            required=True,
        ),
    )  # fmt: skip
    assert not problems and edited is not None
    assert (edited["label"], edited["choices"], edited["collect_on"], edited["required"]) == (
        "Cinturón", ["Blanco", "Negro"], ["Programación"], True,
    )  # fmt: skip
    assert edited["type"] == "CHOICE" and edited["id"] == belt["id"]
    card = (await cards.load("c1")).state
    assert card is not None and card["custom_values"] == {belt["id"]: "Nera"}  # as entered
    events = [json.loads(entry["value"]) for entry in storage.pending()]
    [event] = [e for e in events if e["type"] == "clients.custom_field_edited.v1"]
    assert event["data"]["changed"] == ["choices", "collect_on", "label", "required"]
    # A retired choice cannot be set again; the new one can.
    again = await custom_fields.set_custom_value(
        cards, [edited], None, "c1", belt["id"], "Nera", now=T0
    )
    assert [p.code for p in again.problems.items] == ["INVALID_CHOICE"]
    # The same edit twice writes nothing more.
    before = len(storage.pending())
    same, _ = await custom_fields.edit_custom_field(
        definitions, belt["id"], custom_fields.FieldChanges(label="Cinturón")
    )
    assert same == edited and len(storage.pending()) == before


async def test_c5_what_an_edit_refuses() -> None:
    storage = MemoryStorage()
    definitions = storage.repository(kinds()[0], "t1")
    size, _ = await custom_fields.define_custom_field(
        definitions, label="Talla", kind=CustomFieldType.TEXT, choices=None,
        collect_on=None, required=False,
    )  # fmt: skip
    phone, _ = await custom_fields.define_custom_field(
        definitions, label="Teléfono 2", kind=CustomFieldType.PHONE, choices=None,
        collect_on=None, required=False,
    )  # fmt: skip
    assert size is not None and phone is not None

    async def codes(field_id: str, **changes: object) -> list[tuple[str, tuple[str, ...]]]:
        done, found = await custom_fields.edit_custom_field(
            definitions,
            field_id,
            custom_fields.FieldChanges(**changes),  # type: ignore[arg-type]
        )
        assert done is None
        return [(p.code, p.path) for p in found.items]

    assert await codes(size["id"], label="TELEFONO 2") == [("DUPLICATE_LABEL", ("label",))]
    assert await codes(size["id"], label="  ") == [("REQUIRED", ("label",))]
    assert await codes(size["id"], choices=["S", "M"]) == [("CHOICES_NOT_ALLOWED", ("choices",))]
    assert await codes("nope", label="X") == [("NOT_FOUND", ("id",))]
    await custom_fields.archive_custom_field(definitions, phone["id"])
    assert await codes(phone["id"], label="Móvil") == [("FIELD_ARCHIVED", ("id",))]
    # Its label is free again once archived.
    renamed, _ = await custom_fields.edit_custom_field(
        definitions, size["id"], custom_fields.FieldChanges(label="Teléfono 2")
    )
    assert renamed is not None and renamed["label"] == "Teléfono 2"


def test_c5_a_new_card_needs_every_required_field_in_use() -> None:
    fields = [
        {"id": "size", "label": "Talla", "type": "CHOICE", "choices": ["S", "M"],
         "required": True},
        {"id": "fax", "label": "Fax", "type": "TEXT", "required": True, "archived": True},
        {"id": "mobile", "label": "Móvil", "type": "PHONE", "required": False},
    ]  # fmt: skip
    problems = Problems()
    assert initial_values(fields, {"size": "m", "mobile": "611 000 001"}, country="ES",
                          problems=problems) == {"size": "M", "mobile": "+34611000001"}  # fmt: skip
    assert not problems
    missing = Problems()
    assert initial_values(fields, {"size": " "}, country="ES", problems=missing) == {}
    assert [(p.code, p.path, p.message) for p in missing.items] == [
        ("REQUIRED", ("customFields", "size"), "the field 'Talla' is required")
    ]
    wrong = Problems()
    initial_values(fields, {"size": "XL", "fax": "1", "x": "1"}, country="ES", problems=wrong)
    assert [(p.code, p.path) for p in wrong.items] == [
        ("INVALID_CHOICE", ("customFields", "size")),
        ("FIELD_ARCHIVED", ("customFields", "fax")),
        ("NOT_FOUND", ("customFields", "x")),
    ]
