"""A subscription refused for its document over WebSocket (graphql-transport-ws) is coded
and worded in the caller's language like the same refusal over HTTP: the upgrade's
Accept-Language, else the token's `lang` (docs/contract.md, "Language")."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from plumbing.auth import mint_token
from plumbing.live_testing import acknowledged_websocket
from plumbing.testing import GATEWAY_URL, jwt_secret


async def refusal(token: str, query: str, headers: dict[str, str]) -> dict[str, Any]:
    async with acknowledged_websocket(GATEWAY_URL, token, headers) as ws:
        await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": query}}))
        message = json.loads(await asyncio.wait_for(ws.recv(), 15))
    payload = message["payload"]
    [error] = payload if message["type"] == "error" else payload["errors"]
    return dict(error)


async def test_an_unknown_field_is_refused_in_the_upgrades_language(tenant: str) -> None:
    token = mint_token(jwt_secret(), tenant=tenant, roles=["OWNER"])
    error = await refusal(token, "subscription { staffInbox { kindd } }", {"Accept-Language": "es"})
    assert error["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    assert error["extensions"]["params"] == {"field": "kindd", "type": "StaffInboxUpdate"}
    assert error["message"] == 'El tipo "StaffInboxUpdate" no tiene el campo "kindd".'


async def test_a_syntax_error_is_refused_in_the_tokens_language(tenant: str) -> None:
    token = mint_token(jwt_secret(), tenant=tenant, roles=["OWNER"], language="it")
    error = await refusal(token, "subscription { staffInbox { kind ", {})
    assert error["extensions"]["code"] == "GRAPHQL_PARSE_FAILED"
    assert error["message"].startswith("Errore di sintassi"), error
