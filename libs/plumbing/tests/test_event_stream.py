"""Subscriptions over SSE as the gateway asks a subgraph for them (`plumbing.event_stream`)."""

from __future__ import annotations

import json
from collections.abc import AsyncGenerator
from types import SimpleNamespace
from typing import Any

import httpx
import strawberry
from plumbing.event_stream import EventStream
from plumbing.i18n import Speaking
from starlette.requests import Request


@strawberry.type
class Query:
    ping: str = "pong"


@strawberry.type
class Subscription:
    @strawberry.subscription
    async def count(self, to: int) -> AsyncGenerator[int, None]:
        for n in range(1, to + 1):
            yield n


async def no_context(_: Request) -> dict[str, Any]:
    return {}


def client() -> httpx.AsyncClient:
    app = EventStream(strawberry.Schema(query=Query, subscription=Subscription), no_context)
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://subgraph")


def frames(text: str) -> list[tuple[str, str]]:
    """(event, data) of each SSE message; comment lines are left out."""
    found = []
    for block in text.split("\n\n"):
        fields: dict[str, str] = {}
        for line in block.splitlines():
            name, _, value = line.partition(":")
            if name:
                fields[name] = value.strip()
        if "event" in fields:
            found.append((fields["event"], fields.get("data", "")))
    return found


async def test_a_subscription_is_streamed_as_next_events_then_complete() -> None:
    async with client() as http:
        answer = await http.get(
            "/graphql",
            params={"query": "subscription($n: Int!) { count(to: $n) }", "variables": '{"n": 2}'},
            headers={"accept": "text/event-stream"},
        )
    assert answer.headers["content-type"].startswith("text/event-stream")
    sent = frames(answer.text)
    assert [event for event, _ in sent] == ["next", "next", "complete"]
    assert [json.loads(data)["data"]["count"] for _, data in sent[:2]] == [1, 2]


async def test_only_a_subscription_is_answered_as_a_stream() -> None:
    async with client() as http:
        answer = await http.post(
            "/graphql", json={"query": "{ ping }"}, headers={"accept": "text/event-stream"}
        )
        broken = await http.post(
            "/graphql", content=b"{not json", headers={"accept": "text/event-stream"}
        )
    assert answer.status_code == 400
    assert answer.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"
    assert broken.status_code == 400


async def spoken_context(_: Request) -> Any:
    return SimpleNamespace(language="es", messages={})


async def test_an_operation_holding_the_language_ends_with_complete() -> None:
    """The language is held from the first result to the end of the operation: the
    results are read in one context, or its end would fail (and the stream with it)."""
    schema = strawberry.Schema(query=Query, subscription=Subscription, extensions=[Speaking])
    app = EventStream(schema, spoken_context)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://subgraph") as http:
        answer = await http.get(
            "/graphql",
            params={"query": "subscription { count(to: 2) }"},
            headers={"accept": "text/event-stream"},
        )
    assert [event for event, _ in frames(answer.text)] == ["next", "next", "complete"]
