"""Tokens and live subscriptions over the WebSocket: a token refused at connect closes the
socket 4401 before any subscribe; signing out everywhere ends the open subscriptions of
the signed-out sessions (UNAUTHENTICATED / SESSION_REVOKED, then 4401) within the
subgraphs' check period, not when the token expires (docs/live-updates.md)."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from typing import Any

import httpx
import websockets
from plumbing.auth import mint_token
from plumbing.live_testing import over_sse
from plumbing.testing import GATEWAY_URL, Graph, jwt_secret, unique_tenant

from .test_sign_in import PASSWORD, accepted, email, invited

INBOX = "subscription { staffInbox { kind } }"
WS_URL = GATEWAY_URL.replace("http", "ws", 1)


async def refused_at_connect(token: str) -> tuple[list[str], int | None, str | None]:
    """What a graphql-transport-ws connection with `token` hears after `connection_init`
    and a subscribe sent at once, and how it is closed."""
    heard: list[str] = []
    async with websockets.connect(WS_URL, subprotocols=["graphql-transport-ws"]) as ws:  # type: ignore[list-item]
        init = {"authorization": f"Bearer {token}"} if token else {}
        await ws.send(json.dumps({"type": "connection_init", "payload": init}))
        await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": INBOX}}))
        try:
            while True:
                heard.append(json.loads(await asyncio.wait_for(ws.recv(), 15))["type"])
        except websockets.ConnectionClosed as closed:
            code = closed.rcvd.code if closed.rcvd else None
            return heard, code, closed.rcvd.reason if closed.rcvd else None


async def test_a_missing_invalid_or_expired_token_is_refused_at_connect() -> None:
    tenant = unique_tenant()
    forged = mint_token("not-the-secret-" * 3, tenant=tenant, roles=["OWNER"])
    expired = mint_token(jwt_secret(), tenant=tenant, roles=["OWNER"], ttl_seconds=1)
    await asyncio.sleep(1.5)
    for token, reason in (
        ("", "TOKEN_MISSING"),
        (forged, "TOKEN_INVALID"),
        (expired, "TOKEN_EXPIRED"),
    ):
        heard, code, why = await refused_at_connect(token)
        # No connection_ack, and the subscribe sent with the init was never run.
        assert (heard, code, why) == ([], 4401, f"Unauthorized: {reason}")


async def signed_in_operator(graphs: Callable[..., Graph]) -> tuple[str, str]:
    """A studio and an operator's access token from a real sign-in (it names a session)."""
    tenant = unique_tenant()
    async with httpx.AsyncClient(base_url=GATEWAY_URL.removesuffix("/graphql")) as http:
        address = email()
        await accepted(http, await invited(graphs(tenant, "OWNER"), address, "OPERATOR"))
        answer = await http.post("/auth/sign-in", json={"email": address, "password": PASSWORD})
    assert answer.status_code == 200, answer.text
    return tenant, str(answer.json()["access_token"])


async def test_signing_out_everywhere_ends_the_open_subscriptions(
    graphs: Callable[..., Graph],
) -> None:
    tenant, access = await signed_in_operator(graphs)
    closes: list[tuple[int | None, str | None]] = []
    last: list[dict[str, Any]] = []

    async def over_websocket() -> None:
        async with websockets.connect(WS_URL, subprotocols=["graphql-transport-ws"]) as ws:  # type: ignore[list-item]
            init = {"authorization": f"Bearer {access}"}
            await ws.send(json.dumps({"type": "connection_init", "payload": init}))
            assert json.loads(await ws.recv())["type"] == "connection_ack"
            await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": INBOX}}))
            try:
                async for raw in ws:
                    message = json.loads(raw)
                    if message["type"] == "next":
                        last.append(message["payload"])
            except websockets.ConnectionClosed as closed:
                closes.append(
                    (closed.rcvd.code, closed.rcvd.reason) if closed.rcvd else (None, None)
                )

    socket = asyncio.create_task(over_websocket())
    async with over_sse(GATEWAY_URL, access, INBOX) as sse:
        started = await sse.next()
        assert started is not None and started["data"]["staffInbox"]["kind"] == "STARTED"
        for _ in range(150):  # the WebSocket's STARTED too
            if last or socket.done():
                break
            await asyncio.sleep(0.1)
        assert last and "data" in last[0], (last, closes)
        signed_out = time.monotonic()
        await graphs(tenant, token=access)("mutation { signOutEverywhere { signedOut } }")
        ended = await sse.next(timeout=20)
        took = time.monotonic() - signed_out
        assert ended is not None, "the stream completed without saying why"
        why = ended["errors"][0]["extensions"]
        assert (why["code"], why["reason"]) == ("UNAUTHENTICATED", "SESSION_REVOKED")
        assert await sse.next(timeout=5) is None  # completed
    await asyncio.wait_for(socket, 20)
    assert last[-1]["errors"][0]["extensions"]["reason"] == "SESSION_REVOKED"
    assert closes == [(4401, "Unauthorized: SESSION_REVOKED")]
    # Within the subgraphs' check period (5 s) and the call's time, not the token's 5 min.
    assert took < 15
