"""B5: clients see which of their points expire when (`expiringLots`), and are told once
per lot, the program's `expiryReminderDays` before it expires: the loyalty job publishes
`loyalty.points_expiring.v1`, notifications sends `points_expiring` honouring the
client's preferences. Time is driven with the job trigger's `as_of`; messages are read
back from the SMTP and webhook sinks."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from loyalty.testing import (
    CONFIGURE,
    GRANT,
    account,
    balance_becomes,
    configure,
    create_client,
    purchase,
    run_job,
)
from notifications.domain.templates import date_text
from notifications.sinks import received_mail, received_webhooks
from plumbing.testing import Graph, eventually, subgraph_url

SEED = {"pointValue": "0.01", "earnPercent": "5"}
STUDIO = """mutation {
  updateStudio(input: {name: "Dojo Sakura", timeZone: "Europe/Madrid", language: "es"}) {
    userErrors { code }
  }
}"""
MESSAGES = """
query($r: [_Any!]!) {
  _entities(representations: $r) {
    ... on Client { messages { templateKey channel status reason body } messageChannels(category: SERVICE) }
  }
}"""
LOTS = """
query($id: ID!) {
  client(id: $id) { loyalty { balance expiringWithin(days: 31) expiringLots { points expiresAt } } }
}"""
OPT_OUT = """
mutation($id: ID!) {
  setCommunicationPreference(clientId: $id, category: SERVICE, channel: EMAIL, enabled: false) {
    userErrors { code }
  }
}"""
JOB = "expiry_reminders"


async def card(owner: Graph, client_id: str) -> dict[str, Any]:
    """What notifications keeps of the client (asked of its subgraph, as the gateway does)."""
    subgraph = Graph(owner.tenant, ["OWNER"], url=subgraph_url("notifications"))
    try:
        data = await subgraph(MESSAGES, {"r": [{"__typename": "Client", "id": client_id}]})
    finally:
        await subgraph.close()
    found: dict[str, Any] = data["_entities"][0]
    return found


async def reachable(owner: Graph, client_id: str, channels: list[str]) -> None:
    """Wait until notifications has the card (and the preferences) the clients context sent."""
    await eventually(
        lambda: card(owner, client_id),
        until=lambda c: sorted(c["messageChannels"]) == sorted(channels),
        timeout=60,
    )


async def messages(owner: Graph, client_id: str, count: int) -> list[tuple[str, str, str]]:
    found = await eventually(
        lambda: card(owner, client_id),
        until=lambda c: (
            len(c["messages"]) == count and "PENDING" not in [m["status"] for m in c["messages"]]
        ),
        timeout=30,
    )
    return sorted((m["templateKey"], m["channel"], m["status"]) for m in found["messages"])


async def reminded(owner: Graph, as_of: datetime) -> int:
    result: int = (await run_job(owner, JOB, as_of))["result"]["reminded"]
    return result


def day_in_madrid(at: datetime, language: str) -> str:
    return date_text(at.astimezone(ZoneInfo("Europe/Madrid")).date(), language)


async def test_b5_a_lot_is_reminded_once_by_mail_n_days_before_it_expires(owner: Graph) -> None:
    await owner(STUDIO)
    await configure(owner, **SEED, expiryDays=60, expiryReminderDays=10)
    email = f"puntos.{uuid.uuid4().hex[:10]}@example.com"
    client = await create_client(owner, "Ana", email=email, language="es")
    await reachable(owner, client, ["EMAIL"])  # no app: no push
    # Bought late in the evening (UTC): in Madrid the lot expires on the next day.
    bought = datetime.now(UTC).replace(hour=23, minute=30, second=0, microsecond=0)
    bought -= timedelta(days=1)
    expires = bought + timedelta(days=60)
    await purchase(
        owner.tenant,
        client,
        f"R-{uuid.uuid4().hex[:8]}",
        [("SERVICE", "s", "100.00")],
        [("CASH", "100.00")],
        occurred_at=bought,
    )
    await balance_becomes(owner, client, 500)
    granted = await owner(GRANT, {"c": client, "p": 120, "n": "welcome", "d": 200})
    assert granted["grantPoints"]["userErrors"] == []

    window = expires - timedelta(days=10)
    assert await reminded(owner, window - timedelta(hours=1)) == 0  # not yet
    assert await reminded(owner, window + timedelta(minutes=1)) == 1  # the 500, not the 120
    assert await reminded(owner, window + timedelta(minutes=1)) == 0  # once per lot
    assert await reminded(owner, expires - timedelta(hours=1)) == 0

    day = day_in_madrid(expires, "es")
    assert day != date_text(expires.date(), "es")  # the studio's calendar, not UTC's
    [mail] = await eventually(lambda: asyncio.to_thread(received_mail, email), timeout=30)
    assert mail["subject"] == f"Dojo Sakura: tus puntos caducan el {day}"
    assert f"500 de tus 620 puntos caducan el {day}" in mail["body"]
    assert "Hola Ana:" in mail["body"]
    assert await messages(owner, client, 1) == [("points_expiring", "EMAIL", "SENT")]
    # A reminder moves no points.
    acc = await account(owner, client)
    assert acc["balance"] == 620 and len(acc["ledger"]["edges"]) == 2
    await asyncio.sleep(1)
    assert len(received_mail(email)) == 1


async def test_b5_clients_see_their_lots_and_reminders_follow_settings_and_preferences(
    owner: Graph, graphs: Any
) -> None:
    await owner(STUDIO)
    await configure(owner, **SEED, expiryReminderDays=0)  # no reminders
    phone = f"+3933{uuid.uuid4().int % 100_000_000:08d}"
    client = await create_client(
        owner, "Giulia", email=f"g.{uuid.uuid4().hex[:10]}@example.com", phone=phone, language="it"
    )
    other = await create_client(owner, "Otro")
    me = graphs(owner.tenant, "CLIENT", client_id=client)
    assert (await me(OPT_OUT, {"id": client}))["setCommunicationPreference"]["userErrors"] == []
    await reachable(owner, client, ["SMS"])  # no app: no push
    data = await owner(GRANT, {"c": client, "p": 200, "n": "gift", "d": 30})
    expires = datetime.fromisoformat(data["grantPoints"]["entries"][0]["expiresAt"])

    # "N points expire on D": the client reads its own card, not anyone else's.
    own = (await me(LOTS, {"id": client}))["client"]["loyalty"]
    assert own["balance"] == 200 and own["expiringWithin"] == 200
    [lot] = own["expiringLots"]
    assert lot["points"] == 200
    # Stored times keep milliseconds.
    assert abs(datetime.fromisoformat(lot["expiresAt"]) - expires) < timedelta(milliseconds=2)
    foreign = (await me.raw(LOTS, {"id": other})).get("data") or {}
    assert (foreign.get("client") or {}).get("loyalty") is None  # nothing of another card

    as_of = expires - timedelta(days=5)
    assert await reminded(owner, as_of) == 0  # reminders are off
    await configure(owner, expiryReminderDays=7)  # the setting in force when the job runs
    assert await reminded(owner, as_of) == 1
    assert await reminded(owner, as_of + timedelta(days=1)) == 0

    # SERVICE messages by e-mail are off: the reminder goes by SMS.
    [hook] = await eventually(lambda: asyncio.to_thread(received_webhooks, phone), timeout=30)
    assert hook["path"] == "/sms"
    day = day_in_madrid(expires, "it")
    assert hook["body"]["body"] == f"Dojo Sakura: 200 dei tuoi 200 punti scadono il {day}."
    assert await messages(owner, client, 2) == [
        ("points_expiring", "EMAIL", "SUPPRESSED"),
        ("points_expiring", "SMS", "SENT"),
    ]


async def test_b5_reminder_days_are_checked(owner: Graph) -> None:
    data = await owner(CONFIGURE, {"input": {**SEED, "expiryReminderDays": 366}})
    [error] = data["configureLoyaltyProgram"]["userErrors"]
    assert (error["code"], error["field"]) == ("BAD_REMINDER_DAYS", ["input", "expiryReminderDays"])
    program = "{ loyaltyProgram { expiryReminderDays } }"
    assert (await owner(program))["loyaltyProgram"]["expiryReminderDays"] == 30  # the default
    await configure(owner, **SEED, expiryReminderDays=0)
    assert (await owner(program))["loyaltyProgram"]["expiryReminderDays"] == 0
