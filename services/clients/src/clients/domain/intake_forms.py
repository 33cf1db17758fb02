"""C6: the studio's intake forms, as its custom fields name them (`collect_on`). A form
has no document of its own: it is the name the definitions give it, and its id is made
from that name, so the same name is the same form wherever it appears."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from plumbing.mongo import Doc

from clients.domain.model import fold


@dataclass
class IntakeForm:
    id: str
    name: str
    field_ids: list[str] = field(default_factory=list)


def form_id(name: str) -> str:
    """`"Ficha de salud"` -> `"form-ficha-de-salud"`: case and accents do not count."""
    slug = re.sub(r"[^0-9a-z]+", "-", fold(name)).strip("-")
    return f"form-{slug or 'unnamed'}"


def intake_forms(definitions: Iterable[Doc], *, include_archived: bool = False) -> list[IntakeForm]:
    """The forms the definitions collect on, by name, each with the fields it collects
    (in the definitions' order); archived fields count only when asked for."""
    forms: dict[str, IntakeForm] = {}
    for definition in definitions:
        if definition.get("archived") and not include_archived:
            continue
        for name in definition.get("collect_on") or []:
            form = forms.setdefault(form_id(name), IntakeForm(form_id(name), name))
            form.field_ids.append(str(definition["id"]))
    return sorted(forms.values(), key=lambda f: fold(f.name))
