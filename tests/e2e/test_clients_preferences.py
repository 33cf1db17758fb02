"""C8: communication preferences, 5 categories x 3 channels, each change timestamped and
published as `clients.preferences_changed.v1` on `clients.events`."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

from aiokafka import AIOKafkaConsumer
from plumbing import topics
from plumbing.testing import Graph

from ..journeys import tail

PREFS = "communicationPreferences { category channel enabled changedAt }"
SET = f"""mutation($c: ID!, $cat: MessageCategory!, $ch: Channel!, $on: Boolean!) {{
  setCommunicationPreference(clientId: $c, category: $cat, channel: $ch, enabled: $on) {{
    client {{ {PREFS} }} userErrors {{ field message code }} }} }}"""


async def events_of(
    consumer: AIOKafkaConsumer, tenant: str, kind: str, count: int, timeout: float = 20
) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    deadline = time.monotonic() + timeout
    while len(found) < count and time.monotonic() < deadline:
        batches = await consumer.getmany(timeout_ms=500)
        for records in batches.values():
            for record in records:
                event = json.loads(record.value or b"{}")
                if event.get("tenant") == tenant and event.get("type") == kind:
                    found.append(event)
    return found


async def test_each_switch_is_separate_timestamped_and_published(
    owner: Graph, graphs: Callable[..., Graph], tenant: str
) -> None:
    created = await owner(
        'mutation { createClient(input: {firstName: "Pia", lastName: "Pref"}) '
        "{ client { id createdAt } } }"
    )
    client = created["createClient"]["client"]["id"]
    card = await owner(f"query($c: ID!) {{ client(id: $c) {{ {PREFS} }} }}", {"c": client})
    switches = card["client"]["communicationPreferences"]
    assert len(switches) == 15 and all(s["enabled"] for s in switches)
    assert {s["changedAt"] for s in switches} == {created["createClient"]["client"]["createdAt"]}

    consumer = await tail(topics.CLIENTS)
    try:
        off = await owner(SET, {"c": client, "cat": "MARKETING", "ch": "SMS", "on": False})
        me = graphs(tenant, "CLIENT", client_id=client)
        own = await me(SET, {"c": client, "cat": "APPOINTMENTS", "ch": "PUSH", "on": False})
        assert own["setCommunicationPreference"]["userErrors"] == []
        events = await events_of(consumer, tenant, "clients.preferences_changed.v1", 2)
    finally:
        await consumer.stop()
    state = {
        (s["category"], s["channel"]): s
        for s in off["setCommunicationPreference"]["client"]["communicationPreferences"]
    }
    assert state[("MARKETING", "SMS")]["enabled"] is False
    assert state[("MARKETING", "EMAIL")]["enabled"] is True  # other channels untouched
    assert state[("MARKETING", "PUSH")]["enabled"] is True
    changed_at = datetime.fromisoformat(state[("MARKETING", "SMS")]["changedAt"])
    assert changed_at > datetime.fromisoformat(created["createClient"]["client"]["createdAt"])
    assert sorted((e["data"]["category"], e["data"]["channel"]) for e in events) == [
        ("APPOINTMENTS", "PUSH"),
        ("MARKETING", "SMS"),
    ]
    first = next(e for e in events if e["data"]["category"] == "MARKETING")
    assert first["subject"] == client and first["data"]["client_id"] == client
    assert first["data"]["enabled"] is False
    assert datetime.fromisoformat(first["data"]["changed_at"]) == changed_at


async def test_preference_bad_inputs(
    owner: Graph, graphs: Callable[..., Graph], tenant: str
) -> None:
    created = await owner(
        'mutation { createClient(input: {firstName: "Q", lastName: "R"}) { client { id } } }'
    )
    client = created["createClient"]["client"]["id"]
    unknown = await owner(SET, {"c": "nobody", "cat": "MARKETING", "ch": "SMS", "on": False})
    assert unknown["setCommunicationPreference"]["userErrors"][0]["code"] == "NOT_FOUND"
    bad_category = await owner.raw(SET, {"c": client, "cat": "SPAM", "ch": "SMS", "on": False})
    assert bad_category["errors"]
    other = graphs(tenant, "CLIENT", client_id="someone-else")
    forbidden = await other.raw(SET, {"c": client, "cat": "MARKETING", "ch": "SMS", "on": False})
    assert forbidden["errors"][0]["extensions"]["code"] == "FORBIDDEN"
