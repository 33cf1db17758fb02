"""C6: the intake forms the custom fields name."""

from __future__ import annotations

from clients.domain.intake_forms import form_id, intake_forms


def test_forms_are_the_names_fields_collect_on_once_each() -> None:
    definitions = [
        {"id": "f1", "collect_on": ["Ficha de salud", "Alta"]},
        {"id": "f2", "collect_on": ["FICHA DE SALUD"]},
        {"id": "f3", "collect_on": ["Consentimiento"], "archived": True},
        {"id": "f4"},
    ]
    forms = intake_forms(definitions)
    assert [(f.id, f.name, f.field_ids) for f in forms] == [
        ("form-alta", "Alta", ["f1"]),
        ("form-ficha-de-salud", "Ficha de salud", ["f1", "f2"]),
    ]
    with_archived = intake_forms(definitions, include_archived=True)
    assert [f.id for f in with_archived] == [
        "form-alta",
        "form-consentimiento",
        "form-ficha-de-salud",
    ]


def test_a_form_id_ignores_case_accents_and_punctuation() -> None:
    assert form_id("Évaluation  posturale!") == "form-evaluation-posturale"
    assert form_id("***") == "form-unnamed"
