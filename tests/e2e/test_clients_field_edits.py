"""C5 "Agregar/Editar campos" (seed 004: "También puede cambiar el tipo de información que
se recopila y almacena en la Tarjeta del cliente en general, por ejemplo, agregar un campo
de teléfono secundario o una pregunta en el formulario de admisión. Solo debe hacer clic en
Agregar/Editar campos"; "Las Etiquetas controlan los nombres que se muestran de los campos
del cliente"; "puede decidir recopilar la dirección de sus clientes cuando soliciten
reservar una cita seleccionando el formulario de Programación"): a field's label, choices
and forms are edited and every value already entered stays; a required field holds when a
card is created and when a file is imported."""

from __future__ import annotations

from collections.abc import Callable

from plumbing.testing import Graph

from ..journeys import finished, upload_csv

DEFINE = """mutation($l: String!, $t: CustomFieldType!, $c: [String!]) {
  defineCustomField(label: $l, type: $t, choices: $c) {
    customField { id } userErrors { field message code } } }"""
SET = """mutation($c: ID!, $f: ID!, $v: String) {
  setCustomFieldValue(clientId: $c, fieldId: $f, value: $v) { userErrors { code } } }"""
EDIT = """mutation($id: ID!, $l: String, $c: [String!], $o: [String!], $r: Boolean) {
  editCustomField(id: $id, label: $l, choices: $c, collectOn: $o, required: $r) {
    customField { id label type choices collectOn required archived }
    userErrors { field message code } } }"""
CREATE = """mutation($i: ClientInput!, $f: [CustomFieldValueInput!]) {
  createClient(input: $i, customFields: $f) {
    client { id customFields { field { label } value retiredChoice } }
    userErrors { field message code } } }"""
CARD = """query($id: ID!) { client(id: $id) {
  customFields { field { id label choices } value retiredChoice } } }"""


async def test_editing_a_field_keeps_the_values_and_required_holds_on_new_cards(
    owner: Graph, graphs: Callable[..., Graph]
) -> None:
    await owner('mutation { updateStudio(input: {country: "ES"}) { userErrors { code } } }')
    made = await owner(CREATE, {"i": {"firstName": "Lucía", "lastName": "Fernández"}})
    lucia = made["createClient"]["client"]["id"]
    defined = [
        (await owner(DEFINE, {"l": label, "t": kind, "c": choices}))["defineCustomField"]
        for label, kind, choices in (
            ("Color cinturón", "CHOICE", ["Blanco", "Nera"]),
            ("Teléfono secundario", "PHONE", None),
        )
    ]
    assert [d["userErrors"] for d in defined] == [[], []]
    belt, phone = (d["customField"] for d in defined)
    for field, value in ((belt, "nera"), (phone, "611 222 333")):
        done = await owner(SET, {"c": lucia, "f": field["id"], "v": value})
        assert done["setCustomFieldValue"]["userErrors"] == []

    edited = (
        await owner(
            EDIT,
            {
                "id": belt["id"],
                "l": "Cinturón",
                "c": ["Blanco", "Negro"],
                "o": ["Programación"],
                "r": True,
            },
        )
    )["editCustomField"]
    assert edited["userErrors"] == []
    assert edited["customField"] == {
        "id": belt["id"],
        "label": "Cinturón",
        "type": "CHOICE",
        "choices": ["Blanco", "Negro"],
        "collectOn": ["Programación"],
        "required": True,
        "archived": False,
    }
    card = (await owner(CARD, {"id": lucia}))["client"]["customFields"]
    shown = {c["field"]["label"]: (c["value"], c["retiredChoice"]) for c in card}
    assert shown == {"Cinturón": ("Nera", True), "Teléfono secundario": ("+34611222333", False)}

    # Required now: a card without it is refused, with it made.
    refused = (await owner(CREATE, {"i": {"firstName": "Alex", "lastName": "Romero"}}))[
        "createClient"
    ]
    assert refused["client"] is None
    assert [(e["code"], e["field"]) for e in refused["userErrors"]] == [
        ("REQUIRED", ["customFields", belt["id"]])
    ]
    assert "Cinturón" in refused["userErrors"][0]["message"]
    bad = (
        await owner(
            CREATE,
            {
                "i": {"firstName": "Alex", "lastName": "Romero"},
                "f": [{"fieldId": belt["id"], "value": "Nera"}],
            },
        )
    )["createClient"]
    assert [e["code"] for e in bad["userErrors"]] == ["INVALID_CHOICE"]
    alex = (
        await owner(
            CREATE,
            {
                "i": {"firstName": "Alex", "lastName": "Romero"},
                "f": [
                    {"fieldId": belt["id"], "value": "negro"},
                    {"fieldId": phone["id"], "value": "611 444 555"},
                ],
            },
        )
    )["createClient"]
    assert alex["userErrors"] == []
    assert {c["field"]["label"]: c["value"] for c in alex["client"]["customFields"]} == {
        "Cinturón": "Negro",
        "Teléfono secundario": "+34611444555",
    }

    # An import names the field by its label; a row without it is reported, not created.
    csv = (
        "Nombre;Apellidos;CINTURÓN\n"
        "Marco;Rossi;blanco\n"  # 2 ok
        "Giulia;Bianchi;\n"  # 3 required
        "Pablo;Navarro;Nera\n"  # 4 a retired choice
    ).encode()
    started = await upload_csv(owner, csv)
    job = await finished(owner, started["data"]["importClients"]["job"]["id"])
    assert (job["status"], job["created"]) == ("COMPLETED", 1)
    assert job["errors"] == [
        {"row": 3, "message": "the field 'Cinturón' is required"},
        {"row": 4, "message": "Cinturón: 'Nera' is not one of the choices: Blanco, Negro"},
    ]

    # What an edit refuses, and who may edit.
    taken = (await owner(EDIT, {"id": belt["id"], "l": "teléfono SECUNDARIO"}))["editCustomField"]
    assert [(e["code"], e["field"]) for e in taken["userErrors"]] == [
        ("DUPLICATE_LABEL", ["label"])
    ]
    missing = (await owner(EDIT, {"id": "no-such-field", "l": "X"}))["editCustomField"]
    assert [e["code"] for e in missing["userErrors"]] == ["NOT_FOUND"]
    operator = graphs(owner.tenant, "OPERATOR")
    body = await operator.raw(EDIT, {"id": belt["id"], "l": "Otro"})
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
