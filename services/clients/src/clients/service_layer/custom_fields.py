"""Use cases of the custom fields (C5): the studio's definitions (one document per
tenant, changed through `plumbing.storage.change`) and a card's values."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from plumbing.contracts import EventData
from plumbing.ids import new_id
from plumbing.mongo import Doc
from plumbing.storage import (
    Decision,
    Keep,
    Loaded,
    Outgoing,
    Refuse,
    Repository,
    Save,
    TooManyConflicts,
    change,
    outgoing,
)

from clients.domain.card import (
    MAX_LABEL,
    CustomFieldType,
    FieldSpec,
    Invalid,
    clean_choices,
    clean_collect_on,
    clean_label,
    custom_value,
)
from clients.domain.model import Problems, fold
from clients.events import (
    CustomFieldArchived,
    CustomFieldDefined,
    CustomFieldEdited,
    CustomFieldValueSet,
    catalog,
)
from clients.service_layer.card_details import (
    ATTEMPTS,
    Built,
    as_stored,
    change_card,
    problem,
    problems,
)
from clients.service_layer.cards import Outcome
from clients.service_layer.studio import studio_view
from clients.service_layer.validation import normalise_phone

DEFINITIONS = "definitions"  # the one document of a tenant's definitions
Defined = tuple[Doc | None, Problems]


def _event(definitions: Repository[Doc], data: EventData) -> list[Outgoing]:
    return [outgoing(catalog, data, tenant=definitions.tenant, subject=None)]


async def _change_definitions(
    definitions: Repository[Doc],
    decide_fields: Callable[[Doc, list[Doc]], Decision[Doc, Defined]],
    path: str,
) -> Defined:
    def decide(current: Loaded[Doc]) -> Decision[Doc, Defined]:
        state = current.state or {}
        return decide_fields(state, list(state.get("fields") or []))

    try:
        done = await change(definitions, DEFINITIONS, decide, attempts=ATTEMPTS)
    except TooManyConflicts:
        return None, problems("the fields changed meanwhile: try again", "CONFLICT", path)
    return done.result


async def define_custom_field(
    definitions: Repository[Doc],
    *,
    label: str,
    kind: CustomFieldType,
    choices: list[str] | None,
    collect_on: list[str] | None,
    required: bool,
) -> Defined:
    """C5: a new field; its label is unique among the fields not archived."""
    try:
        clean = clean_label(label, "label", MAX_LABEL)
    except Invalid as exc:
        return None, problems(exc.message, exc.code, "label", **exc.params)
    try:
        options = clean_choices(kind, choices)
    except Invalid as exc:
        return None, problems(exc.message, exc.code, "choices", **exc.params)
    try:
        forms = clean_collect_on(collect_on)
    except Invalid as exc:
        return None, problems(exc.message, exc.code, "collectOn", **exc.params)
    definition: Doc = {
        "id": new_id(),
        "label": clean,
        "type": kind.value,
        "choices": options,
        "collect_on": forms,
        "required": bool(required),
        "archived": False,
    }
    event = CustomFieldDefined(
        field_id=definition["id"],
        label=clean,
        type=kind.value,
        choices=options,
        collect_on=forms,
        required=bool(required),
    )

    def decide(state: Doc, fields: list[Doc]) -> Decision[Doc, Defined]:
        if fold(clean) in {fold(f["label"]) for f in fields if not f.get("archived")}:
            found = problems(f"a field labelled {clean!r} already exists", "DUPLICATE_LABEL",
                             "label")  # fmt: skip
            return Refuse((None, found))
        return Save(
            {**state, "fields": [*fields, definition]},
            (definition, Problems()),
            _event(definitions, event),
        )

    return await _change_definitions(definitions, decide, "label")


async def archive_custom_field(definitions: Repository[Doc], field_id: str) -> Defined:
    """C5: an archived field keeps its values but takes no new ones."""

    def decide(state: Doc, fields: list[Doc]) -> Decision[Doc, Defined]:
        found = next((f for f in fields if f["id"] == field_id), None)
        if found is None:
            return Refuse((None, problems(f"unknown custom field {field_id!r}", "NOT_FOUND", "id")))
        if found.get("archived"):
            return Keep((found, Problems()))
        changed = {**found, "archived": True}
        rewritten = [changed if f["id"] == field_id else f for f in fields]
        return Save(
            {**state, "fields": rewritten},
            (changed, Problems()),
            _event(definitions, CustomFieldArchived(field_id=field_id)),
        )

    return await _change_definitions(definitions, decide, "id")


@dataclass(frozen=True)
class FieldChanges:
    """What an edit changes; None: left as it is. The type never changes: the values
    already entered were checked against it."""

    label: str | None = None
    choices: list[str] | None = None
    collect_on: list[str] | None = None
    required: bool | None = None


async def edit_custom_field(
    definitions: Repository[Doc], field_id: str, changes: FieldChanges
) -> Defined:
    """C5 "Agregar/Editar campos": a new label, choices, forms or `required`. No value
    already entered changes: a value of a choice no longer offered stays on its cards as
    it was entered (`CustomFieldValue.retiredChoice`) until someone sets another."""
    given: Doc = {}
    try:
        if changes.label is not None:
            given["label"] = clean_label(changes.label, "label", MAX_LABEL)
    except Invalid as exc:
        return None, problems(exc.message, exc.code, "label")
    try:
        if changes.collect_on is not None:
            given["collect_on"] = clean_collect_on(changes.collect_on)
    except Invalid as exc:
        return None, problems(exc.message, exc.code, "collectOn")
    if changes.required is not None:
        given["required"] = bool(changes.required)

    def decide(state: Doc, fields: list[Doc]) -> Decision[Doc, Defined]:
        found = next((f for f in fields if f["id"] == field_id), None)
        if found is None:
            return Refuse((None, problems(f"unknown custom field {field_id!r}", "NOT_FOUND", "id")))
        if found.get("archived"):
            archived = f"the field {found['label']!r} is archived: it can no longer be edited"
            return Refuse((None, problems(archived, "FIELD_ARCHIVED", "id")))
        edited = {**found, **given}
        if changes.choices is not None:
            try:
                edited["choices"] = clean_choices(CustomFieldType(found["type"]), changes.choices)
            except Invalid as exc:
                return Refuse((None, problems(exc.message, exc.code, "choices")))
        others = {fold(f["label"]) for f in fields if not f.get("archived") and f is not found}
        if fold(edited["label"]) in others:
            taken = f"a field labelled {edited['label']!r} already exists"
            return Refuse((None, problems(taken, "DUPLICATE_LABEL", "label")))
        if edited == found:
            return Keep((found, Problems()))
        event = CustomFieldEdited(
            field_id=field_id,
            label=edited["label"],
            type=edited["type"],
            choices=edited.get("choices"),
            collect_on=list(edited.get("collect_on") or []),
            required=bool(edited.get("required")),
            changed=sorted(k for k in edited if edited[k] != found.get(k)),
        )
        rewritten = [edited if f["id"] == field_id else f for f in fields]
        return Save(
            {**state, "fields": rewritten}, (edited, Problems()), _event(definitions, event)
        )

    return await _change_definitions(definitions, decide, "id")


async def set_custom_value(
    cards: Repository[Doc],
    definitions: list[Doc],
    studio: Doc | None,
    client_id: str,
    field_id: str,
    value: str | None,
    *,
    now: datetime,
) -> Outcome:
    """C5: a value checked against its field's type (a phone in the studio's country)."""
    now = as_stored(now)
    definition = next((d for d in definitions if d["id"] == field_id), None)
    if definition is None:
        return problem(f"unknown custom field {field_id!r}", "NOT_FOUND", "fieldId")
    if definition.get("archived"):
        return problem(
            f"the field {definition['label']!r} is archived: its values can no longer change",
            "FIELD_ARCHIVED",
            "fieldId",
        )
    stored: str | None = None
    if value is None:
        if definition.get("required"):
            return problem(f"the field {definition['label']!r} is required", "REQUIRED", "value")
    else:
        kind = CustomFieldType(definition["type"])
        phone = None
        if kind is CustomFieldType.PHONE:
            phone = normalise_phone(value, studio_view(cards.tenant, studio).get("country"))
        try:
            stored = custom_value(
                FieldSpec(kind, tuple(definition.get("choices") or ())), value, phone=phone
            )
        except Invalid as exc:
            return problem(exc.message, exc.code, "value", **exc.params)
    event = CustomFieldValueSet(
        client_id=client_id, field_id=field_id, label=definition["label"], value=stored
    )

    def build(card: Doc) -> Built:
        values = dict(card.get("custom_values") or {})
        if stored is None:
            values.pop(field_id, None)
        else:
            values[field_id] = stored
        return {"custom_values": values}, [event]

    return await change_card(cards, client_id, now, build)
