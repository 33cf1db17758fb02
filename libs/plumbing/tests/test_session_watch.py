"""A signed-out session ends its live subscriptions (`plumbing.session_watch`,
`plumbing.live_graph.updates`): the watch asks identity's route, signed like every
internal call, and the subscription's last word is UNAUTHENTICATED / SESSION_REVOKED."""

from __future__ import annotations

import asyncio
import json
import time
from types import SimpleNamespace
from typing import Any

import httpx
import jwt
import pytest
from plumbing.auth import DEVELOPMENT_SIGNING_SECRET, SIGNATURE_HEADER, SignatureVerifier
from plumbing.errors import Unauthorized
from plumbing.live import LiveFeed
from plumbing.live_graph import FEEDS, SESSIONS, LiveUpdateKind, updates
from plumbing.session_watch import SessionWatch
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

URL = "http://identity/internal/ended-sessions"


def identity_answering(ended: set[str], asked: list[list[str]]) -> httpx.ASGITransport:
    """Identity's route as the subgraphs reach it: refused unless signed."""
    verifier = SignatureVerifier(DEVELOPMENT_SIGNING_SECRET)

    async def route(request: Request) -> JSONResponse:
        body = await request.body()
        verifier.verify(
            request.headers.get(SIGNATURE_HEADER),
            method="POST",
            target=request.url.path,
            authorization="",
            body=body,
        )
        sessions = json.loads(body)["sessions"]
        asked.append(sessions)
        return JSONResponse({"ended": [sid for sid in sessions if sid in ended]})

    app = Starlette(routes=[Route("/internal/ended-sessions", route, methods=["POST"])])
    return httpx.ASGITransport(app=app)


async def test_the_watch_asks_about_open_sessions_and_sets_the_ended_ones() -> None:
    watch, ended = SessionWatch(), {"s2"}
    asked: list[list[str]] = []
    first, second = watch.watch("s1"), watch.watch("s2")
    stop = asyncio.Event()
    running = asyncio.create_task(
        watch.run(
            stop,
            url=URL,
            signing_secret=DEVELOPMENT_SIGNING_SECRET,
            every_seconds=0.05,
            transport=identity_answering(ended, asked),
        )
    )
    await asyncio.wait_for(second.wait(), 2)
    assert not first.is_set()
    assert sorted(asked[0]) == ["s1", "s2"]
    # A later subscription of an ended session ends at once.
    assert watch.watch("s2").is_set()
    stop.set()
    await running


def context(session: str, watch: SessionWatch, feed: LiveFeed) -> Any:
    claims = {"sub": "p1", "tenant": "north", "exp": int(time.time()) + 300, "sid": session}
    token = jwt.encode(claims, "test-secret-of-thirty-two-bytes-at-least", algorithm="HS256")
    runtime = SimpleNamespace(extras={FEEDS: {"cards": feed}, SESSIONS: watch})
    request = SimpleNamespace(
        headers={"authorization": f"Bearer {token}"},
        app=SimpleNamespace(state=SimpleNamespace(runtime=runtime)),
    )
    return SimpleNamespace(request=request, principal=SimpleNamespace(tenant="north"))


async def test_an_open_subscription_ends_when_its_session_is_found_ended() -> None:
    feed = LiveFeed("cards", ("clients.events",), lambda envelope: [])
    feed.start_at({("clients.events", 0): 0})
    feed.ready.set()
    watch = SessionWatch()
    stream = updates(context("s9", watch, feed), "cards", "north:c1", None, lambda _: True)
    started = await anext(stream)
    assert started.kind is LiveUpdateKind.STARTED
    assert watch.sessions == ["s9"]
    ending = asyncio.ensure_future(anext(stream))
    await asyncio.sleep(0.05)
    assert not ending.done()
    watch.found_ended(["s9"])
    with pytest.raises(Unauthorized) as refused:
        await asyncio.wait_for(ending, 1)
    assert (refused.value.extensions or {})["reason"] == "SESSION_REVOKED"
    assert watch.sessions == []  # forgotten once ended
