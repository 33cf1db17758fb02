"""Demo data of the clients context: the studio, two branches and a dozen client cards."""

from __future__ import annotations

from studio_admin.demo.state import DemoState
from studio_admin.graph import Graph

PEOPLE = [
    # first, last, email, phone, birth date, gender, language, status
    (
        "Ana",
        "García",
        "ana.garcia@example.com",
        "+34 612 345 001",
        "1990-04-12",
        "FEMALE",
        "es",
        "ACTIVE",
    ),
    (
        "Javier",
        "Martínez",
        "javier.martinez@example.com",
        "+34 612 345 002",
        "1985-11-03",
        "MALE",
        "es",
        "ACTIVE",
    ),
    (
        "Lucía",
        "Fernández",
        "lucia.fernandez@example.com",
        "+34 612 345 003",
        "2012-06-21",
        "FEMALE",
        "es",
        "ACTIVE",
    ),
    (
        "Marco",
        "Rossi",
        "marco.rossi@example.com",
        "+39 333 123 4567",
        "1978-01-30",
        "MALE",
        "it",
        "ACTIVE",
    ),
    (
        "Giulia",
        "Bianchi",
        "giulia.bianchi@example.com",
        "+39 333 765 4321",
        "1995-09-09",
        "FEMALE",
        "it",
        "ACTIVE",
    ),
    (
        "Sofía",
        "López",
        "sofia.lopez@example.com",
        "+34 612 345 006",
        "2010-02-14",
        "FEMALE",
        "es",
        "ACTIVE",
    ),
    (
        "Daniel",
        "Sánchez",
        "daniel.sanchez@example.com",
        "+34 612 345 007",
        "1988-07-07",
        "MALE",
        "es",
        "INACTIVE",
    ),
    (
        "Alex",
        "Romero",
        "alex.romero@example.com",
        "+34 612 345 008",
        "2001-12-01",
        "NON_BINARY",
        "es",
        "ACTIVE",
    ),
    (
        "Elena",
        "Conti",
        "elena.conti@example.com",
        "+39 347 555 0101",
        "1992-03-18",
        "FEMALE",
        "it",
        "LEAD",
    ),
    (
        "Pablo",
        "Navarro",
        "pablo.navarro@example.com",
        "+34 612 345 010",
        "2014-08-25",
        "MALE",
        "es",
        "ACTIVE",
    ),
    (
        "Carmen",
        "Ruiz",
        "carmen.ruiz@example.com",
        "+34 612 345 011",
        "1970-05-05",
        "FEMALE",
        "es",
        "ACTIVE",
    ),
    (
        "Luca",
        "Ferrari",
        "luca.ferrari@example.com",
        "+39 320 222 3344",
        "1999-10-10",
        "MALE",
        "it",
        "ACTIVE",
    ),
]

CREATE = """
mutation($input: ClientInput!) {
  createClient(input: $input) { client { id } userErrors { field message code } }
}
"""


def fill(graph: Graph, state: DemoState) -> None:
    graph.mutate(
        """mutation { updateStudio(input: {name: "Dojo Sakura", timeZone: "Europe/Madrid",
            currency: "EUR", language: "es", country: "ES"}) { userErrors { message code } } }"""
    )
    branches = graph("{ studio { branches { id name } } }")["studio"]["branches"]
    state.branch_ids = {b["name"]: b["id"] for b in branches}
    for name in ("Centro", "Norte"):
        if name in state.branch_ids:
            continue  # a previous, interrupted run already added it
        studio = graph.mutate(
            "mutation($n: String!) { addBranch(name: $n) { studio { branches { id name } } userErrors { message code } } }",
            {"n": name},
        )["studio"]
        state.branch_ids = {b["name"]: b["id"] for b in studio["branches"]}
    for i, (first, last, email, phone, birth, gender, language, status) in enumerate(PEOPLE):
        payload = graph.mutate(
            CREATE,
            {
                "input": {
                    "firstName": first,
                    "lastName": last,
                    "email": email,
                    "phone": phone,
                    "birthDate": birth,
                    "gender": gender,
                    "language": language,
                    "status": status,
                    "preferredBranchId": state.branch_ids["Centro" if i % 3 else "Norte"],
                    "referralSource": "Instagram" if i % 2 else "Recomendación",
                }
            },
        )
        state.client_ids[f"{first} {last}"] = payload["client"]["id"]
    graph.mutate(
        "mutation($id: ID!) { addClientNote(clientId: $id, text: $t) { userErrors { code } } }".replace(
            "$t", '"Prefiere clases por la tarde. Alergia al látex."'
        ),
        {"id": state.client_ids["Ana García"]},
    )
    fill_card_details(graph, state)


def fill_card_details(graph: Graph, state: DemoState) -> None:
    """C4–C8: custom fields, intake forms, a disliked service, preferences, a blocked card."""
    ids = state.client_ids
    existing = {
        d["label"]: d["id"]
        for d in graph("{ customFieldDefinitions(includeArchived: true) { id label } }")[
            "customFieldDefinitions"
        ]
    }
    define = """mutation($l: String!, $t: CustomFieldType!, $c: [String!], $o: [String!],
      $r: Boolean) { defineCustomField(label: $l, type: $t, choices: $c, collectOn: $o,
      required: $r) { customField { id } userErrors { message code } } }"""
    fields = {}
    for label, kind, choices, required in (
        ("Talla de kimono", "CHOICE", ["120", "140", "160", "180", "200"], False),
        # Not required: a required field must be given on every new card (C5), and the
        # console's new-card form does not ask for custom fields yet.
        ("Contacto de emergencia", "PHONE", None, False),
        ("Lesiones previas", "TEXT", None, False),
        ("Autorización de fotos", "BOOLEAN", None, False),
    ):
        if label in existing:
            fields[label] = existing[label]
            continue
        fields[label] = graph(
            define,
            {"l": label, "t": kind, "c": choices, "o": ["Ficha de inscripción"], "r": required},
        )["defineCustomField"]["customField"]["id"]
    set_value = """mutation($c: ID!, $f: ID!, $v: String) {
      setCustomFieldValue(clientId: $c, fieldId: $f, value: $v) { userErrors { message code } } }"""
    for person, label, value in (
        ("Ana García", "Talla de kimono", "160"),
        ("Ana García", "Contacto de emergencia", "+34 612 999 000"),
        ("Lucía Fernández", "Talla de kimono", "140"),
        ("Lucía Fernández", "Autorización de fotos", "sí"),
        ("Javier Martínez", "Lesiones previas", "Rodilla derecha (2023)"),
        ("Javier Martínez", "Talla de kimono", "200"),
    ):
        graph.mutate(set_value, {"c": ids[person], "f": fields[label], "v": value})
    # "Agregar/Editar campos": the kimono sizes change (200 no longer sold: Javier's card
    # keeps it, shown as a retired choice) and a label is reworded; no value changes.
    edit = """mutation($id: ID!, $l: String, $c: [String!]) { editCustomField(id: $id, label: $l,
      choices: $c) { customField { id } userErrors { message code } } }"""
    graph.mutate(edit, {"id": fields["Talla de kimono"], "c": ["100", "120", "140", "160", "180"]})
    graph.mutate(edit, {"id": fields["Lesiones previas"], "l": "Lesiones o alergias"})
    assign = """mutation($c: ID!, $f: ID!, $n: String!) { assignForm(clientId: $c, formId: $f,
      name: $n) { client { forms { id name } } userErrors { message code } } }"""
    forms = graph.mutate(
        assign, {"c": ids["Ana García"], "f": "ficha-inscripcion", "n": "Ficha de inscripción"}
    )["client"]["forms"]
    graph.mutate(
        """mutation($c: ID!, $a: ID!) { completeForm(clientId: $c, assignedFormId: $a)
        { userErrors { message code } } }""",
        {"c": ids["Ana García"], "a": forms[-1]["id"]},
    )
    graph.mutate(
        assign, {"c": ids["Lucía Fernández"], "f": "consentimiento-menor", "n": "Consentimiento"}
    )
    graph.mutate(
        """mutation($c: ID!) { addDislikedService(clientId: $c, serviceId: "sparring",
        serviceName: "Sparring libre", comment: "Prefiere no hacer contacto")
        { userErrors { message code } } }""",
        {"c": ids["Javier Martínez"]},
    )
    graph.mutate(
        """mutation($id: ID!) { updateClient(id: $id, input: {weightKg: 78.5})
        { userErrors { message code } } }""",
        {"id": ids["Daniel Sánchez"]},
    )
    # B7: "Lista negra de citas", as a policy: only the waitlist online, at Centro.
    centro = state.branch_ids.get("Centro")
    graph.mutate(
        """mutation($c: ID!, $b: [ID!]!) { setBookingBlock(clientId: $c, input: {
        mode: WAITLIST_ONLY, reason: "No se presentó a tres clases seguidas", branchIds: $b})
        { userErrors { message code } } }""",
        {"c": ids["Daniel Sánchez"], "b": [centro] if centro else []},
    )
    # B8: each change is kept as evidence (who, through which channel, the wording shown).
    wording = "Puedes dejar de recibir promociones de Dojo Sakura cuando quieras."
    for person, category, channel, via in (
        ("Marco Rossi", "MARKETING", "SMS", "IN_PERSON"),
        ("Marco Rossi", "MARKETING", "PUSH", "IN_PERSON"),
        ("Carmen Ruiz", "MARKETING", "EMAIL", "PHONE"),
    ):
        graph.mutate(
            """mutation($c: ID!, $cat: MessageCategory!, $ch: Channel!, $via: ConsentSource,
            $t: String, $v: String) { setCommunicationPreference(clientId: $c, category: $cat,
            channel: $ch, enabled: false, via: $via, consentText: $t, consentVersion: $v) {
            userErrors { message code } } }""",
            {"c": ids[person], "cat": category, "ch": channel, "via": via, "t": wording,
             "v": "marketing-2026-01"},
        )  # fmt: skip
