"""C5 custom values a new card starts with (`createClient`, an import row): each checked
against its field's type, and every required field in use given a value. A card made
without a required field would break the studio's rule from its first day; a card made
before a field became required keeps no value until someone sets one."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from plumbing.contracts import EventData
from plumbing.mongo import Doc

from clients.domain.card import CustomFieldType, FieldSpec, Invalid, custom_value
from clients.domain.model import Problems, fold
from clients.events import CustomFieldValueSet
from clients.service_layer.validation import normalise_phone

PATH = "customFields"


def _required(label: str) -> str:
    return f"the field {label!r} is required"


def _unknown(field_id: str) -> str:
    return f"unknown custom field {field_id!r}"


def _archived(label: str) -> str:
    return f"the field {label!r} is archived: it takes no new values"


def initial_values(
    definitions: Sequence[Doc],
    given: Mapping[str, str | None],
    *,
    country: str | None,
    problems: Problems,
) -> dict[str, str]:
    """The stored values of `given` (field id -> text as typed; blank: none), with what is
    wrong added to `problems` (path `customFields`, then the field id)."""
    by_id = {d["id"]: d for d in definitions}
    values: dict[str, str] = {}
    for field_id, raw in given.items():
        definition = by_id.get(field_id)
        if definition is None:
            problems.add(_unknown(field_id), "NOT_FOUND", PATH, field_id)
            continue
        if definition.get("archived"):
            problems.add(_archived(definition["label"]), "FIELD_ARCHIVED", PATH, field_id)
            continue
        if raw is None or not raw.strip():
            continue
        kind = CustomFieldType(definition["type"])
        phone = normalise_phone(raw, country) if kind is CustomFieldType.PHONE else None
        try:
            spec = FieldSpec(kind, tuple(definition.get("choices") or ()))
            values[field_id] = custom_value(spec, raw, phone=phone)
        except Invalid as exc:
            problems.add(f"{definition['label']}: {exc.message}", exc.code, PATH, field_id)
    reported = {p.path[1] for p in problems.items if len(p.path) > 1 and p.path[0] == PATH}
    for definition in definitions:
        wanted = definition.get("required") and not definition.get("archived")
        if wanted and definition["id"] not in values and definition["id"] not in reported:
            problems.add(_required(definition["label"]), "REQUIRED", PATH, definition["id"])
    return values


def value_events(
    client_id: str, definitions: Sequence[Doc], values: Mapping[str, str]
) -> list[EventData]:
    """One `custom_field_value_set` per value a new card starts with, as if set by hand."""
    labels = {d["id"]: d["label"] for d in definitions}
    return [
        CustomFieldValueSet(client_id=client_id, field_id=f, label=labels[f], value=v)
        for f, v in values.items()
    ]


def columns_of(headers: Sequence[str], definitions: Sequence[Doc]) -> dict[int, str]:
    """The CSV columns that are custom fields: a header equal to a field's label (ignoring
    case and accents) among the fields in use -> that field's id."""
    labels = {fold(d["label"]): d["id"] for d in definitions if not d.get("archived")}
    return {i: labels[fold(h.strip())] for i, h in enumerate(headers) if fold(h.strip()) in labels}
