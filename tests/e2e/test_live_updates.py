"""Live updates through the gateway (docs/live-updates.md): a client card's changes and
the staff inbox, over SSE and over graphql-transport-ws (token in `connectionParams`),
fed by the events on Kafka. The events are put on the topics as their services publish
them (the loyalty event a purchase makes, the inbox event a notification makes)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

import websockets
from aiokafka import AIOKafkaProducer
from plumbing import topics
from plumbing.auth import mint_token
from plumbing.envelope import Envelope
from plumbing.live_testing import LiveCaller, over_sse, over_websocket
from plumbing.testing import GATEWAY_URL, Graph, jwt_secret, unique_tenant

from ..journeys import new_client, publish

CARD = """
subscription Card($id: ID!, $after: String) {
  clientCard(clientId: $id, after: $after) {
    kind cursor
    change { eventId type area pointsBalance points client { id firstName } }
  }
}"""
INBOX = """
subscription Inbox { staffInbox { kind cursor notification { id kind message } } }"""


def points_earned(tenant: str, client_id: str, balance: int) -> Envelope:
    """What loyalty publishes when a purchase earns points (loyalty.events)."""
    return Envelope(
        type="loyalty.points_earned.v1",
        source="services/loyalty",
        tenant=tenant,
        subject=client_id,
        data={
            "client_id": client_id,
            "points": 12,
            "balance_after": balance,
            "value": "1.20",
            "currency": "EUR",
            "entry_id": f"entry-{balance}",
            "at": "2026-03-02T09:30:00Z",
        },
    )


def staff_notified(tenant: str, role: str, text: str) -> Envelope:
    return Envelope(
        type="notifications.staff_notified.v1",
        source="services/notifications",
        tenant=tenant,
        subject="c-1",
        data={
            "notification_id": f"{text}|{role}",
            "role": role,
            "kind": "rank_eligible",
            "client_id": "c-1",
            "message": text,
            "trigger_event_id": text,
        },
    )


def token(graph: Graph) -> str:
    assert graph.token is not None
    return graph.token


async def started(caller: LiveCaller, field: str) -> dict[str, Any]:
    payload = await caller.next()
    assert payload is not None and not payload.get("errors"), payload
    update: dict[str, Any] = payload["data"][field]
    assert update["kind"] == "STARTED", update
    return update


async def card_changes(caller: LiveCaller, quiet: float) -> list[dict[str, Any]]:
    """Every change `caller` receives until none has come for `quiet` seconds."""
    changes: list[dict[str, Any]] = []
    while True:
        try:
            payload = await caller.next(timeout=quiet)
        except TimeoutError:
            return changes
        assert payload is not None and not payload.get("errors"), payload
        changes.append(payload["data"]["clientCard"]["change"])


async def points_changes(
    caller: LiveCaller, quiet: float, first: float = 15.0
) -> list[dict[str, Any]]:
    """The POINTS changes `caller` receives until none has come for `quiet` seconds (or
    for `first` seconds before the first one). The card's other changes (its own
    `client_created`, the timeline lines crm adds for each event) may come too, whenever
    their relays publish them."""
    changes: list[dict[str, Any]] = []
    while True:
        try:
            payload = await caller.next(timeout=quiet if changes else first)
        except TimeoutError:
            return changes
        assert payload is not None and not payload.get("errors"), payload
        change = payload["data"]["clientCard"]["change"]
        if change and change["area"] == "POINTS":
            changes.append(change)


async def test_a_purchase_reaches_the_open_card_and_nobody_else(
    tenant: str, graphs: Callable[..., Graph], producer: AIOKafkaProducer
) -> None:
    owner = graphs(tenant, "OWNER")
    ana = await new_client(owner, "Ana")
    bea = await new_client(owner, "Bea")
    elsewhere = graphs(unique_tenant(), "OWNER")
    other_studios = await new_client(elsewhere, "Eva")
    bea_herself = graphs(tenant, "CLIENT", client_id=bea, subject="bea")
    async with (
        over_sse(GATEWAY_URL, token(owner), CARD, {"id": ana}) as console,
        over_websocket(GATEWAY_URL, token(bea_herself), CARD, {"id": bea}) as app,
        over_sse(GATEWAY_URL, token(elsewhere), CARD, {"id": other_studios}) as other,
    ):
        for caller in (console, app, other):
            await started(caller, "clientCard")
        # The same card id in another studio must not leak into this one either.
        await publish(producer, topics.LOYALTY, points_earned(elsewhere.tenant, ana, 999))
        await publish(producer, topics.LOYALTY, points_earned(tenant, ana, 112))
        # The purchase's timeline line (crm's) and the cards' own lines come too: only
        # the points are counted, and nothing of Ana's may reach another card.
        [change] = await points_changes(console, 1.5)
        assert (change["area"], change["pointsBalance"], change["points"]) == ("POINTS", 112, 12)
        assert change["client"] == {"id": ana, "firstName": "Ana"}
        for caller, own, what in (
            (app, bea, "another client's card received Ana's points"),
            (other, other_studios, "another studio received Ana's points"),
        ):
            heard = await card_changes(caller, 0.5)
            assert all(c["client"]["id"] == own and c["area"] != "POINTS" for c in heard), what


async def test_the_inbox_gets_its_roles_notifications_over_websocket(
    tenant: str, graphs: Callable[..., Graph], producer: AIOKafkaProducer
) -> None:
    owner = graphs(tenant, "OWNER")
    operator = graphs(tenant, "OPERATOR")
    async with (
        over_websocket(GATEWAY_URL, token(owner), INBOX) as owners,
        over_sse(GATEWAY_URL, token(operator), INBOX) as operators,
    ):
        await started(owners, "staffInbox")
        await started(operators, "staffInbox")
        await publish(producer, topics.NOTIFICATIONS, staff_notified(tenant, "OWNER", "eligible-1"))
        payload = await owners.next()
        assert payload is not None
        notification = payload["data"]["staffInbox"]["notification"]
        assert notification == {
            "id": "eligible-1|OWNER",
            "kind": "RANK_ELIGIBLE",
            "message": "eligible-1",
        }
        assert await operators.nothing_for(1.0), "an OWNER notification reached an OPERATOR"


async def test_a_reconnection_with_the_last_cursor_gets_what_it_missed(
    tenant: str, graphs: Callable[..., Graph], producer: AIOKafkaProducer
) -> None:
    owner = graphs(tenant, "OWNER")
    ana = await new_client(owner, "Ana")
    async with over_sse(GATEWAY_URL, token(owner), CARD, {"id": ana}) as first:
        await started(first, "clientCard")
        await publish(producer, topics.LOYALTY, points_earned(tenant, ana, 10))
        # The card's own changes (its creation, its timeline lines) may come first: the
        # cursor kept is the points change's.
        seen = await first.next()
        while (
            seen is not None
            and (seen["data"]["clientCard"]["change"] or {}).get("area") != "POINTS"
        ):
            seen = await first.next()
        assert seen is not None
        cursor = seen["data"]["clientCard"]["cursor"]
    await publish(producer, topics.LOYALTY, points_earned(tenant, ana, 20))  # while away
    variables = {"id": ana, "after": cursor}
    async with over_websocket(GATEWAY_URL, token(owner), CARD, variables) as back:
        await started(back, "clientCard")
        # The card's own `client_created` may come too, whenever its relay publishes it.
        [missed] = await points_changes(back, 1.0)
        assert missed["pointsBalance"] == 20, "an event was handed over twice"
    async with over_sse(GATEWAY_URL, token(owner), CARD, {"id": ana, "after": "nope"}) as bad:
        refused = await bad.next()
        assert refused is not None
        assert refused["errors"][0]["extensions"]["code"] == "BAD_CURSOR"


async def test_an_expired_token_ends_the_subscription(tenant: str) -> None:
    short = mint_token(jwt_secret(), tenant=tenant, roles=["OWNER"], ttl_seconds=3)
    async with over_websocket(GATEWAY_URL, short, INBOX) as caller:
        await started(caller, "staffInbox")
        ended = await caller.next(timeout=10)
        assert ended is not None
        assert ended["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
        assert await caller.next(timeout=5) is None  # completed


async def closing(token_: str) -> tuple[list[dict[str, Any]], int | None, str | None]:
    """What a raw graphql-transport-ws connection with `token_` receives for one inbox
    subscription, and how the gateway closes it (code, reason)."""
    messages: list[dict[str, Any]] = []
    url = GATEWAY_URL.replace("http", "ws", 1)
    async with websockets.connect(url, subprotocols=["graphql-transport-ws"]) as ws:  # type: ignore[list-item]
        init = {"authorization": f"Bearer {token_}"} if token_ else {}
        await ws.send(json.dumps({"type": "connection_init", "payload": init}))
        messages.append(json.loads(await asyncio.wait_for(ws.recv(), 15)))  # the ack
        subscribe = {"query": INBOX}
        await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": subscribe}))
        try:
            while True:
                messages.append(json.loads(await asyncio.wait_for(ws.recv(), 15)))
        except websockets.ConnectionClosed as closed:
            received = closed.rcvd
            return (
                messages,
                received.code if received else None,
                received.reason if received else None,
            )


async def test_a_token_that_expires_under_a_subscription_closes_the_websocket_4401(
    tenant: str,
) -> None:
    """A token refused at connect is closed before any subscribe (test_live_sessions.py);
    one that expires later ends its subscriptions, then the connection."""
    short = mint_token(jwt_secret(), tenant=tenant, roles=["OWNER"], ttl_seconds=3)
    messages, code, why = await closing(short)
    assert (code, why) == (4401, "Unauthorized: TOKEN_EXPIRED"), messages
    kinds = [m["type"] for m in messages]
    assert kinds == ["connection_ack", "next", "next", "complete"], messages
    assert messages[2]["payload"]["errors"][0]["extensions"]["reason"] == "TOKEN_EXPIRED"


async def test_a_websocket_without_a_valid_token_gets_nothing(tenant: str) -> None:
    forged = mint_token("not-the-secret-" * 3, tenant=tenant, roles=["OWNER"])
    for token_ in (forged, ""):
        async with over_websocket(GATEWAY_URL, token_, INBOX) as caller:
            refused = await caller.next()
            assert refused is not None and refused.get("errors"), refused
            assert not refused.get("data"), refused
