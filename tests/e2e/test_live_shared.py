"""Subscriptions shared at the gateway (docs/live-updates.md, "One upstream stream per
group"): callers of one studio asking the same thing with the same rights follow one
subscription to the subgraph, yet each starts where it joined, gets each change once,
and is ended alone when its own token expires."""

from __future__ import annotations

import re
from typing import Any

import httpx
from aiokafka import AIOKafkaProducer
from plumbing import topics
from plumbing.auth import mint_token
from plumbing.live_testing import LiveCaller, over_sse, over_websocket
from plumbing.testing import GATEWAY_URL, jwt_secret

from ..journeys import publish
from .test_live_updates import INBOX, staff_notified, started

NOTIFICATIONS_METRICS = "http://127.0.0.1:4105/metrics"


def inbox_subscribers() -> float:
    """Open subscriptions of the notifications subgraph's inbox feed."""
    text = httpx.get(NOTIFICATIONS_METRICS).text
    found = re.search(r'^live_subscribers\{feed="staff-inbox"\} (\S+)$', text, re.MULTILINE)
    assert found, "the notifications subgraph reports no inbox subscribers"
    return float(found.group(1))


async def messages(caller: LiveCaller, count: int) -> list[str]:
    got: list[str] = []
    for _ in range(count):
        payload = await caller.next()
        assert payload is not None and not payload.get("errors"), payload
        update: dict[str, Any] = payload["data"]["staffInbox"]
        assert update["kind"] == "CHANGE", update
        got.append(update["notification"]["message"])
    return got


def owner_token(tenant: str, ttl: int = 600) -> str:
    return mint_token(jwt_secret(), tenant=tenant, roles=["OWNER"], ttl_seconds=ttl)


async def test_callers_asking_the_same_follow_one_upstream_stream_each_change_once(
    tenant: str, producer: AIOKafkaProducer
) -> None:
    before = inbox_subscribers()
    async with (
        over_sse(GATEWAY_URL, owner_token(tenant), INBOX) as one,
        over_websocket(GATEWAY_URL, owner_token(tenant), INBOX) as two,
        over_sse(GATEWAY_URL, owner_token(tenant), INBOX) as three,
        over_websocket(GATEWAY_URL, owner_token(tenant), INBOX) as four,
    ):
        callers = (one, two, three, four)
        cursors = {(await started(caller, "staffInbox"))["cursor"] for caller in callers}
        assert all(cursors), "each caller has its own STARTED with a cursor"
        assert inbox_subscribers() - before == 1, "four callers, one upstream subscription"
        for text in ("shared-1", "shared-2"):
            await publish(producer, topics.NOTIFICATIONS, staff_notified(tenant, "OWNER", text))
        for caller in callers:
            assert await messages(caller, 2) == ["shared-1", "shared-2"]
            assert await caller.nothing_for(0.5), "a change was handed over twice"


async def test_a_caller_joining_later_starts_where_it_joined(
    tenant: str, producer: AIOKafkaProducer
) -> None:
    async with over_websocket(GATEWAY_URL, owner_token(tenant), INBOX) as early:
        await started(early, "staffInbox")
        await publish(producer, topics.NOTIFICATIONS, staff_notified(tenant, "OWNER", "before"))
        assert await messages(early, 1) == ["before"]
        async with over_sse(GATEWAY_URL, owner_token(tenant), INBOX) as late:
            await started(late, "staffInbox")
            await publish(producer, topics.NOTIFICATIONS, staff_notified(tenant, "OWNER", "after"))
            assert await messages(late, 1) == ["after"], "what came before it joined"
            assert await messages(early, 1) == ["after"]
            assert await late.nothing_for(0.5)


async def test_a_members_token_expiring_ends_that_member_alone(
    tenant: str, producer: AIOKafkaProducer
) -> None:
    async with (
        over_websocket(GATEWAY_URL, owner_token(tenant), INBOX) as lasting,
        over_sse(GATEWAY_URL, owner_token(tenant, ttl=3), INBOX) as brief,
    ):
        await started(lasting, "staffInbox")
        await started(brief, "staffInbox")
        ended = await brief.next(timeout=10)
        assert ended is not None
        [error] = ended["errors"]
        assert error["extensions"]["code"] == "UNAUTHENTICATED"
        assert error["extensions"]["reason"] == "TOKEN_EXPIRED"
        assert await brief.next(timeout=5) is None  # completed
        await publish(producer, topics.NOTIFICATIONS, staff_notified(tenant, "OWNER", "still"))
        assert await messages(lasting, 1) == ["still"]
        assert await brief.nothing_for(0.5)


async def test_other_rights_follow_their_own_stream(
    tenant: str, producer: AIOKafkaProducer
) -> None:
    operator = mint_token(jwt_secret(), tenant=tenant, roles=["OPERATOR"], ttl_seconds=600)
    before = inbox_subscribers()
    async with (
        over_sse(GATEWAY_URL, owner_token(tenant), INBOX) as owner,
        over_sse(GATEWAY_URL, operator, INBOX) as desk,
    ):
        await started(owner, "staffInbox")
        await started(desk, "staffInbox")
        assert inbox_subscribers() - before == 2, "two roles, two upstream subscriptions"
        await publish(producer, topics.NOTIFICATIONS, staff_notified(tenant, "OWNER", "owners"))
        await publish(producer, topics.NOTIFICATIONS, staff_notified(tenant, "OPERATOR", "desk"))
        assert await messages(owner, 1) == ["owners"]
        assert await messages(desk, 1) == ["desk"]
        assert await owner.nothing_for(0.5) and await desk.nothing_for(0.5)
