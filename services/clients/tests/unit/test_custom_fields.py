"""C5 custom fields on the in-memory storage: labels unique among live fields, archived
fields take no new values, values checked by type."""

from __future__ import annotations

from datetime import UTC, datetime

from clients.domain.card import CustomFieldType
from clients.service_layer import custom_fields
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
