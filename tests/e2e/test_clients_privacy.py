"""C12 erase and export, and what the CLIENT role may see of its own card."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

from aiokafka import AIOKafkaConsumer
from plumbing import topics
from plumbing.testing import Graph, eventually

from ..journeys import tail

ERRORS = "userErrors { field message code }"
ERASE = f"mutation($id: ID!) {{ eraseClient(id: $id) {{ client {{ id }} {ERRORS} }} }}"
EXPORT = "query($id: ID!) { clientExport(id: $id) }"


async def first_event(
    consumer: AIOKafkaConsumer, tenant: str, kind: str, timeout: float = 30
) -> dict[str, Any] | None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for records in (await consumer.getmany(timeout_ms=500)).values():
            for record in records:
                event: dict[str, Any] = json.loads(record.value or b"{}")
                if event.get("tenant") == tenant and event.get("type") == kind:
                    return event
    return None


async def card(owner: Graph, email: str, phone: str = "+34 611 222 333") -> str:
    data = await owner(
        f"""mutation($e: String!, $p: String!) {{ createClient(input: {{firstName: "Elena", lastName: "Borrar",
        email: $e, phone: $p, birthDate: "1990-01-02"}}) {{ client {{ id }} {ERRORS} }} }}""",
        {"e": email, "p": phone},
    )
    assert data["createClient"]["userErrors"] == []
    return str(data["createClient"]["client"]["id"])


async def test_export_holds_everything_and_erase_removes_it(
    owner: Graph, graphs: Callable[..., Graph], tenant: str
) -> None:
    client = await card(owner, "elena@example.com")
    await owner(
        'mutation($c: ID!) { addClientNote(clientId: $c, text: "Prefiere tardes") { userErrors { code } } }',
        {"c": client},
    )
    field = await owner(
        'mutation { defineCustomField(label: "Talla", type: TEXT) { customField { id } } }'
    )
    await owner(
        'mutation($c: ID!, $f: ID!) { setCustomFieldValue(clientId: $c, fieldId: $f, value: "M") '
        "{ userErrors { code } } }",
        {"c": client, "f": field["defineCustomField"]["customField"]["id"]},
    )
    await owner(
        "mutation($c: ID!) { setCommunicationPreference(clientId: $c, category: MARKETING, "
        "channel: EMAIL, enabled: false) { userErrors { code } } }",
        {"c": client},
    )
    exported = json.loads((await owner(EXPORT, {"id": client}))["clientExport"])
    body = exported["client"]
    assert exported["service"] == "clients"
    assert (body["id"], body["email"], body["phone"]) == (
        client,
        "elena@example.com",
        "+34611222333",
    )
    assert [n["text"] for n in body["notes"]] == ["Prefiere tardes"]
    assert body["custom_values"] == [
        {
            "field_id": field["defineCustomField"]["customField"]["id"],
            "label": "Talla",
            "type": "TEXT",
            "value": "M",
        }
    ]
    assert body["preferences"]["MARKETING_EMAIL"]["enabled"] is False
    assert "_outbox" not in body and "tenant" not in body

    operator = graphs(tenant, "OPERATOR")
    assert (await operator.raw(EXPORT, {"id": client}))["errors"][0]["extensions"]["code"] == (
        "FORBIDDEN"
    )
    assert (await operator.raw(ERASE, {"id": client}))["errors"][0]["extensions"]["code"] == (
        "FORBIDDEN"
    )

    consumer = await tail(topics.CLIENTS)
    try:
        erased = await owner(ERASE, {"id": client})
        event = await first_event(consumer, tenant, "clients.client_erased.v1")
    finally:
        await consumer.stop()
    assert erased["eraseClient"] == {"client": None, "userErrors": []}
    assert event is not None and event["data"] == {"client_id": client}
    assert (await owner("query($id: ID!) { client(id: $id) { id } }", {"id": client}))[
        "client"
    ] is None
    listed = await owner('{ clients(filter: {search: "elena"}) { totalCount } }')
    assert listed["clients"]["totalCount"] == 0
    gone = await owner.raw(EXPORT, {"id": client})
    assert gone["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    again = await owner(ERASE, {"id": client})
    assert again["eraseClient"]["userErrors"][0]["code"] == "ALREADY_ERASED"
    # The email and phone are free again: a new card may take them.
    newcomer = await card(owner, "elena@example.com")
    assert newcomer != client
    me = graphs(tenant, "CLIENT", client_id=client)
    assert (await me("{ me { id } }"))["me"] is None


async def test_the_client_sees_only_its_own_card_and_not_staff_notes(
    owner: Graph, graphs: Callable[..., Graph], tenant: str
) -> None:
    mine = await card(owner, "mine@example.com")
    other = await card(owner, "other@example.com", "+34 611 222 444")
    await owner(
        'mutation($c: ID!) { addClientNote(clientId: $c, text: "staff only") { userErrors { code } } }',
        {"c": mine},
    )
    me = graphs(tenant, "CLIENT", client_id=mine)
    seen = await me(
        "{ me { id email notes { text } communicationPreferences { enabled } forms { id } } }"
    )
    assert seen["me"]["id"] == mine and seen["me"]["email"] == "mine@example.com"
    assert seen["me"]["notes"] == []
    assert len(seen["me"]["communicationPreferences"]) == 15
    assert (await me("query($id: ID!) { client(id: $id) { id } }", {"id": other}))["client"] is None
    listing = await me.raw("{ clients { totalCount } }")
    assert listing["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    staff = await owner("query($id: ID!) { client(id: $id) { notes { text } } }", {"id": mine})
    assert staff["client"]["notes"] == [{"text": "staff only"}]
    assert (await me.raw(EXPORT, {"id": mine}))["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_the_clients_own_timeline_leaves_out_the_studios_notes_and_tasks(
    owner: Graph, graphs: Callable[..., Graph], tenant: str
) -> None:
    mine = await card(owner, "timeline@example.com")
    note = "Cliente conflictivo, no dar descuentos"
    for n in range(3):
        await owner(
            "mutation($c: ID!, $t: String!) { addClientNote(clientId: $c, text: $t) "
            "{ userErrors { code } } }",
            {"c": mine, "t": f"{note} {n}"},
        )
    timeline = "query($id: ID!) { client(id: $id) { timeline(first: 2) { edges { node { kind summary } } } } }"

    async def kinds(graph: Graph, query: str, path: str) -> list[str]:
        data = await graph(query, {"id": mine})
        return [e["node"]["kind"] for e in data[path]["timeline"]["edges"]]

    staff_sees = await eventually(
        lambda: kinds(owner, timeline, "client"), until=lambda k: k.count("NOTE_ADDED") == 2
    )
    assert staff_sees == ["NOTE_ADDED", "NOTE_ADDED"]
    me = graphs(tenant, "CLIENT", client_id=mine)
    own = await me("{ me { timeline(first: 2) { edges { node { kind summary } } } } }")
    edges = own["me"]["timeline"]["edges"]
    # The card's creation, read past the newer notes the client does not see.
    assert [e["node"]["kind"] for e in edges] == ["CLIENT_CREATED"]
    assert all(note not in e["node"]["summary"] for e in edges)


async def test_lists_that_name_an_erased_client_still_answer(owner: Graph) -> None:
    client = await card(owner, "gone@example.com")
    task = 'mutation($c: ID) { createTask(title: "Call back", clientId: $c, priority: URGENT) { userErrors { code } } }'
    assert (await owner(task, {"c": client}))["createTask"]["userErrors"] == []
    assert (await owner(ERASE, {"id": client}))["eraseClient"]["userErrors"] == []
    listed = await owner.raw("{ tasks { title client { id firstName lastName status email } } }")
    assert "errors" not in listed, listed
    [entry] = [t for t in listed["data"]["tasks"] if t["client"]["id"] == client]
    assert entry["client"] == {
        "id": client,
        "firstName": "",
        "lastName": "",
        "status": "ARCHIVED",
        "email": None,
    }
