"""B8 consent evidence. Seed 001: "Preferencias del perfil del cliente: Gestione las
preferencias de comunicación de su cliente desde esta pestaña … Notificaciones de
marketing: Alterne la capacidad del cliente para recibir notificaciones de marketing".
Each change records who made it (staff, the client, a partner's system), through which
channel and the consent shown; the client's export carries it."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from aiokafka import AIOKafkaConsumer
from plumbing import topics
from plumbing.testing import Graph

from ..journeys import tail

SET = """mutation($c: ID!, $cat: MessageCategory!, $ch: Channel!, $on: Boolean!,
  $via: ConsentSource, $text: String, $version: String) {
  setCommunicationPreference(clientId: $c, category: $cat, channel: $ch, enabled: $on,
    via: $via, consentText: $text, consentVersion: $version) {
    client { id } userErrors { field message code } } }"""
HISTORY = """query($c: ID!) { client(id: $c) { consentHistory {
  category channel enabled at actor actorId via consentText consentVersion } } }"""
EXPORT = "query($id: ID!) { clientExport(id: $id) }"
WORDING = "Acepto recibir promociones de Dojo Sakura por SMS."


async def preference_events(
    consumer: AIOKafkaConsumer, tenant: str, count: int
) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for _ in range(40):
        batches = await consumer.getmany(timeout_ms=500)
        for records in batches.values():
            for record in records:
                event = json.loads(record.value or b"{}")
                if (
                    event.get("tenant") == tenant
                    and event.get("type") == "clients.preferences_changed.v1"
                ):
                    found.append(event)
        if len(found) >= count:
            break
    return found


async def test_each_preference_change_keeps_who_where_and_the_wording(
    owner: Graph, graphs: Callable[..., Graph], tenant: str
) -> None:
    created = await owner(
        'mutation { createClient(input: {firstName: "Marco", lastName: "Rossi"}) '
        "{ client { id } } }"
    )
    marco = created["createClient"]["client"]["id"]
    me = graphs(tenant, "CLIENT", client_id=marco)
    partner = graphs(tenant, "PARTNER", subject="app-partner")
    consumer = await tail(topics.CLIENTS)
    try:
        desk = await owner(
            SET, {"c": marco, "cat": "MARKETING", "ch": "SMS", "on": False, "via": "IN_PERSON"}
        )
        assert desk["setCommunicationPreference"]["userErrors"] == []
        app = await me(
            SET,
            {
                "c": marco,
                "cat": "MARKETING",
                "ch": "SMS",
                "on": True,
                "text": WORDING,
                "version": "mkt-2026-03",
            },
        )
        assert app["setCommunicationPreference"]["userErrors"] == []
        relayed = await partner(
            SET, {"c": marco, "cat": "MARKETING", "ch": "EMAIL", "on": False, "via": "EMAIL_LINK"}
        )
        assert relayed["setCommunicationPreference"]["userErrors"] == []
        events = await preference_events(consumer, tenant, 3)
    finally:
        await consumer.stop()

    history = (await owner(HISTORY, {"c": marco}))["client"]["consentHistory"]
    assert [(h["category"], h["channel"], h["enabled"], h["actor"], h["via"]) for h in history] == [
        ("MARKETING", "EMAIL", False, "PARTNER", "EMAIL_LINK"),
        ("MARKETING", "SMS", True, "CLIENT", "APP"),
        ("MARKETING", "SMS", False, "STAFF", "IN_PERSON"),
    ]
    assert (history[1]["consentText"], history[1]["consentVersion"]) == (WORDING, "mkt-2026-03")
    assert history[1]["actorId"] == marco and history[0]["actorId"] == "app-partner"
    assert history[0]["at"] >= history[1]["at"] >= history[2]["at"]
    # The client sees their own evidence; a partner reads cards but not the evidence.
    mine = (await me(HISTORY, {"c": marco}))["client"]["consentHistory"]
    assert len(mine) == 3
    assert (await partner(HISTORY, {"c": marco}))["client"]["consentHistory"] == []
    assert sorted((e["data"]["actor_kind"], e["data"]["via"]) for e in events) == [
        ("CLIENT", "APP"),
        ("PARTNER", "EMAIL_LINK"),
        ("STAFF", "IN_PERSON"),
    ]

    # Switching on what is on records nothing.
    await me(SET, {"c": marco, "cat": "MARKETING", "ch": "SMS", "on": True})
    assert len((await owner(HISTORY, {"c": marco}))["client"]["consentHistory"]) == 3

    exported = json.loads((await owner(EXPORT, {"id": marco}))["clientExport"])
    evidence = exported["client"]["consent_evidence"]
    assert [(r["actor_kind"], r["source"], r["version"]) for r in evidence] == [
        ("STAFF", "IN_PERSON", None),
        ("CLIENT", "APP", "mkt-2026-03"),
        ("PARTNER", "EMAIL_LINK", None),
    ]
    assert evidence[1]["wording"] == WORDING


async def test_consent_evidence_that_is_refused(
    owner: Graph, graphs: Callable[..., Graph], tenant: str
) -> None:
    created = await owner(
        'mutation { createClient(input: {firstName: "Q", lastName: "R"}) { client { id } } }'
    )
    client = created["createClient"]["client"]["id"]
    base = {"c": client, "cat": "MARKETING", "ch": "SMS", "on": False}

    async def refused(graph: Graph, **more: Any) -> list[tuple[str, list[str]]]:
        payload = (await graph(SET, {**base, **more}))["setCommunicationPreference"]
        assert payload["client"] is None
        return [(e["code"], e["field"]) for e in payload["userErrors"]]

    assert await refused(owner, via="EMAIL_LINK") == [("BAD_CHANNEL", ["via"])]
    me = graphs(tenant, "CLIENT", client_id=client)
    assert await refused(me, via="CONSOLE") == [("BAD_CHANNEL", ["via"])]
    assert await refused(owner, text="x" * 2001) == [("TOO_LONG", ["consentText"])]
    assert await refused(owner, version="v" * 101) == [("TOO_LONG", ["consentVersion"])]
    no_scope = graphs(tenant, "PARTNER", subject="reader", scopes=["clients:read"])
    body = await no_scope.raw(SET, base)
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    history = (await owner(HISTORY, {"c": client}))["client"]["consentHistory"]
    assert history == []
