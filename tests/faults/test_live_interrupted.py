"""A subgraph restarting under open subscriptions: each caller, sharing the gateway's
upstream stream or not, is told LIVE_UNAVAILABLE ("subscribe again with the last
cursor") rather than an unexpected error, and a new subscription works once the subgraph
is back (docs/live-updates.md)."""

from __future__ import annotations

import asyncio
import subprocess
import time

import httpx
import pytest
from aiokafka import AIOKafkaProducer
from plumbing import topics
from plumbing.auth import mint_token
from plumbing.live_testing import LiveCaller, over_sse, over_websocket
from plumbing.testing import GATEWAY_URL, ROOT, jwt_secret

from ..e2e.test_live_updates import staff_notified, started
from ..journeys import publish

pytestmark = pytest.mark.slow

# A reconnection with a cursor never shares the gateway's stream: one caller of each kind.
INBOX = "subscription Inbox($after: String) { staffInbox(after: $after) { kind cursor } }"


def restart_notifications() -> None:
    subprocess.run(
        ["bash", str(ROOT / "deploy/local/services.sh"), "restart", "notifications"],
        check=True,
        timeout=180,
        capture_output=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get("http://127.0.0.1:4105/readyz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise AssertionError("notifications did not come back within 60 s")


async def interrupted(caller: LiveCaller) -> dict[str, object]:
    payload = await caller.next(timeout=30)
    assert payload is not None and payload.get("errors"), payload
    [error] = payload["errors"]
    return dict(error["extensions"])


async def test_a_restarting_subgraph_tells_its_callers_to_subscribe_again(
    tenant: str, producer: AIOKafkaProducer
) -> None:
    token = mint_token(jwt_secret(), tenant=tenant, roles=["OWNER"], ttl_seconds=600)
    async with (
        over_sse(GATEWAY_URL, token, INBOX) as shared_sse,
        over_websocket(GATEWAY_URL, token, INBOX) as shared_ws,
    ):
        cursor = (await started(shared_sse, "staffInbox"))["cursor"]
        await started(shared_ws, "staffInbox")
        async with over_sse(GATEWAY_URL, token, INBOX, {"after": cursor}) as own:
            await started(own, "staffInbox")
            await asyncio.to_thread(restart_notifications)
            for caller in (shared_sse, shared_ws, own):
                extensions = await interrupted(caller)
                assert extensions["code"] == "LIVE_UNAVAILABLE", extensions
    async with over_websocket(GATEWAY_URL, token, INBOX) as again:
        await started(again, "staffInbox")
        await publish(producer, topics.NOTIFICATIONS, staff_notified(tenant, "OWNER", "back"))
        payload = await again.next(timeout=30)
        assert payload is not None and payload["data"]["staffInbox"]["kind"] == "CHANGE"
