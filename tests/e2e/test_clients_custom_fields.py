"""C5: custom fields defined by the studio, values validated by type, archived fields."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from plumbing.testing import Graph

DEFINE = """mutation($l: String!, $t: CustomFieldType!, $c: [String!], $o: [String!], $r: Boolean) {
  defineCustomField(label: $l, type: $t, choices: $c, collectOn: $o, required: $r) {
    customField { id label type choices collectOn required archived }
    userErrors { field message code } } }"""
SET = """mutation($c: ID!, $f: ID!, $v: String) {
  setCustomFieldValue(clientId: $c, fieldId: $f, value: $v) {
    client { customFields { field { id label archived } value } }
    userErrors { field message code } } }"""


async def define(owner: Graph, label: str, kind: str, **more: Any) -> dict[str, Any]:
    data = await owner(DEFINE, {"l": label, "t": kind, **more})
    assert data["defineCustomField"]["userErrors"] == []
    definition: dict[str, Any] = data["defineCustomField"]["customField"]
    return definition


async def set_value(owner: Graph, client: str, field: str, value: str | None) -> dict[str, Any]:
    payload: dict[str, Any] = (await owner(SET, {"c": client, "f": field, "v": value}))[
        "setCustomFieldValue"
    ]
    return payload


async def test_values_are_validated_by_type_and_normalised(owner: Graph) -> None:
    await owner('mutation { updateStudio(input: {country: "IT"}) { userErrors { code } } }')
    created = await owner(
        'mutation { createClient(input: {firstName: "Gia", lastName: "Neri"}) { client { id } } }'
    )
    client = created["createClient"]["client"]["id"]
    belt = await define(
        owner,
        "Cintura",
        "CHOICE",
        c=["Bianca", "Gialla", "Nera"],
        o=["Iscrizione"],
        r=True,
    )
    assert belt["choices"] == ["Bianca", "Gialla", "Nera"]
    assert (belt["collectOn"], belt["required"], belt["archived"]) == (["Iscrizione"], True, False)
    fields = {
        kind: (await define(owner, f"Campo {kind}", kind))["id"]
        for kind in ("TEXT", "NUMBER", "DATE", "EMAIL", "PHONE", "BOOLEAN")
    }
    good = [
        (belt["id"], "nera", "Nera"),
        (fields["TEXT"], "  allergia al lattice ", "allergia al lattice"),
        (fields["NUMBER"], "12,50", "12.5"),
        (fields["DATE"], "2024-02-29", "2024-02-29"),
        (fields["EMAIL"], "Tutor@Example.IT", "tutor@example.it"),
        (fields["PHONE"], "333 123 4567", "+393331234567"),
        (fields["BOOLEAN"], "sì", "true"),
    ]
    for field, raw, stored in good:
        payload = await set_value(owner, client, field, raw)
        assert payload["userErrors"] == [], (raw, payload)
        values = {v["field"]["id"]: v["value"] for v in payload["client"]["customFields"]}
        assert values[field] == stored
    bad: list[tuple[str, str | None, str]] = [
        (belt["id"], "Viola", "INVALID_CHOICE"),
        (belt["id"], None, "REQUIRED"),
        (fields["NUMBER"], "dodici", "INVALID_NUMBER"),
        (fields["DATE"], "2023-02-29", "INVALID_DATE"),
        (fields["EMAIL"], "not-an-email", "INVALID_EMAIL"),
        (fields["PHONE"], "12", "INVALID_PHONE"),
        (fields["BOOLEAN"], "forse", "INVALID_BOOLEAN"),
        (fields["TEXT"], "   ", "REQUIRED"),
        ("no-such-field", "x", "NOT_FOUND"),
    ]
    for field, wrong, code in bad:
        payload = await set_value(owner, client, field, wrong)
        assert [e["code"] for e in payload["userErrors"]] == [code], (wrong, payload)
    unknown_client = await set_value(owner, "nobody", fields["TEXT"], "x")
    assert unknown_client["userErrors"][0]["code"] == "NOT_FOUND"
    cleared = await set_value(owner, client, fields["TEXT"], None)
    values = {v["field"]["id"]: v["value"] for v in cleared["client"]["customFields"]}
    assert values[fields["TEXT"]] is None and values[belt["id"]] == "Nera"


async def test_archiving_keeps_values_and_bad_definitions_are_refused(
    owner: Graph, graphs: Callable[..., Graph], tenant: str
) -> None:
    created = await owner(
        'mutation { createClient(input: {firstName: "Ugo", lastName: "Blu"}) { client { id } } }'
    )
    client = created["createClient"]["client"]["id"]
    shoe = await define(owner, "Shoe size", "NUMBER")
    await set_value(owner, client, shoe["id"], "42")
    archived = await owner(
        "mutation($id: ID!) { archiveCustomField(id: $id) { customField { id archived } } }",
        {"id": shoe["id"]},
    )
    assert archived["archiveCustomField"]["customField"] == {"id": shoe["id"], "archived": True}
    card = await owner(
        "query($id: ID!) { client(id: $id) { customFields { field { label archived } value } } }",
        {"id": client},
    )
    assert card["client"]["customFields"] == [
        {"field": {"label": "Shoe size", "archived": True}, "value": "42"}
    ]
    frozen = await set_value(owner, client, shoe["id"], "43")
    assert frozen["userErrors"][0]["code"] == "FIELD_ARCHIVED"
    listed = await owner("{ customFieldDefinitions { label } }")
    assert listed["customFieldDefinitions"] == []
    everything = await owner("{ customFieldDefinitions(includeArchived: true) { label } }")
    assert everything["customFieldDefinitions"] == [{"label": "Shoe size"}]
    # The label is free again once the old field is archived.
    again = await define(owner, "Shoe size", "NUMBER")
    assert again["id"] != shoe["id"]

    refusals: list[tuple[dict[str, Any], str]] = [
        ({"l": "  ", "t": "TEXT"}, "REQUIRED"),
        ({"l": "Shoe size", "t": "TEXT"}, "DUPLICATE_LABEL"),
        ({"l": "Colour", "t": "CHOICE", "c": ["Red"]}, "CHOICES_REQUIRED"),
        ({"l": "Colour", "t": "CHOICE", "c": ["Red", "red"]}, "DUPLICATE_CHOICE"),
        ({"l": "Age", "t": "NUMBER", "c": ["1", "2"]}, "CHOICES_NOT_ALLOWED"),
    ]
    for variables, code in refusals:
        refused = (await owner(DEFINE, variables))["defineCustomField"]
        assert refused["customField"] is None, variables
        assert [e["code"] for e in refused["userErrors"]] == [code], (variables, refused)
    missing = await owner(
        'mutation { archiveCustomField(id: "nope") { customField { id } userErrors { code } } }'
    )
    assert missing["archiveCustomField"] == {
        "customField": None,
        "userErrors": [{"code": "NOT_FOUND"}],
    }
    operator = graphs(tenant, "OPERATOR")
    forbidden = await operator.raw(DEFINE, {"l": "Other", "t": "TEXT"})
    assert forbidden["errors"][0]["extensions"]["code"] == "FORBIDDEN"
