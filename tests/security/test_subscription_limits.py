"""One caller may hold at most LIVE_MAX_SUBSCRIPTIONS_PER_CALLER (256) live subscriptions
open in a gateway process: one more is refused at subscribe with TOO_MANY_SUBSCRIPTIONS in
the caller's language, the open ones go on, and ending one makes room again. Another
person of the same studio is not held to the first one's count (docs/live-updates.md,
"Limits")."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from plumbing.auth import mint_token
from plumbing.live_testing import acknowledged_websocket
from plumbing.testing import GATEWAY_URL, jwt_secret

MAXIMUM = 256
INBOX = "subscription { staffInbox { kind } }"


class Connection:
    """One graphql-transport-ws connection, many subscriptions on it."""

    def __init__(self, socket: Any) -> None:
        self.socket = socket

    async def subscribe(self, ident: str) -> None:
        message = {"id": ident, "type": "subscribe", "payload": {"query": INBOX}}
        await self.socket.send(json.dumps(message))

    async def first_of(self, idents: set[str]) -> dict[str, dict[str, Any]]:
        """The first message of each subscription in `idents`."""
        first: dict[str, dict[str, Any]] = {}
        while len(first) < len(idents):
            message = json.loads(await asyncio.wait_for(self.socket.recv(), 60))
            if message.get("id") in idents and message["id"] not in first:
                first[message["id"]] = message
        return first


async def test_one_caller_holds_at_most_the_limit_and_ending_one_makes_room(
    tenant: str,
) -> None:
    token = mint_token(jwt_secret(), tenant=tenant, roles=["OWNER"], subject="many-tabs")
    async with acknowledged_websocket(GATEWAY_URL, token, {"Accept-Language": "es"}) as socket:
        connection = Connection(socket)
        idents = {str(n) for n in range(MAXIMUM)}
        for ident in sorted(idents, key=int):
            await connection.subscribe(ident)
        started = await connection.first_of(idents)
        assert {m["payload"]["data"]["staffInbox"]["kind"] for m in started.values()} == {"STARTED"}
        await connection.subscribe("one-more")
        answer = (await connection.first_of({"one-more"}))["one-more"]
        # graphql-ws says a refusal at subscribe as `error` (the errors) or as `next`.
        payload = answer["payload"]
        [refused] = payload if answer["type"] == "error" else payload["errors"]
        assert refused["extensions"]["code"] == "TOO_MANY_SUBSCRIPTIONS", refused
        assert refused["extensions"]["params"] == {"maximum": str(MAXIMUM)}
        assert "256" in refused["message"] and "suscripciones" in refused["message"]

        # Another person of the studio is not counted with them.
        other = mint_token(jwt_secret(), tenant=tenant, roles=["OWNER"], subject="another")
        async with acknowledged_websocket(GATEWAY_URL, other) as elsewhere:
            await Connection(elsewhere).subscribe("theirs")
            theirs = (await Connection(elsewhere).first_of({"theirs"}))["theirs"]
            assert theirs["payload"]["data"]["staffInbox"]["kind"] == "STARTED"

        await socket.send(json.dumps({"id": "0", "type": "complete"}))
        await asyncio.sleep(0.5)
        await connection.subscribe("room-again")
        again = (await connection.first_of({"room-again"}))["room-again"]
        assert again["type"] == "next"
        assert again["payload"]["data"]["staffInbox"]["kind"] == "STARTED"
