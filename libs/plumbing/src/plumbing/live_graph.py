"""What every subgraph's subscriptions share: the feed's place in the process, the update
kinds, and the checks made for every event handed to a caller (`plumbing.live`)."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Callable, Coroutine, Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import jwt
import strawberry

from plumbing.app import Runtime
from plumbing.envelope import Envelope
from plumbing.errors import BadInput, PublicError, Unauthorized
from plumbing.gql import RequestContext
from plumbing.kafka import client_options
from plumbing.live import BadCursor, LiveEvent, LiveFeed, Resume

FEEDS = "live_feeds"  # where a process keeps its feeds (`Runtime.extras`)
# How long a subscription waits for the feed to reach Kafka before it is refused.
OPEN_WAIT_SECONDS = 10.0


@strawberry.enum(description="What a live update says.")
class LiveUpdateKind(StrEnum):
    STARTED = "STARTED"
    CHANGE = "CHANGE"
    REFETCH = "REFETCH"


def feed_task(
    name: str, topics: Sequence[str], keys: Callable[[Envelope], Iterable[str]]
) -> Callable[[Runtime, asyncio.Event], Coroutine[Any, Any, None]]:
    """An `api_tasks` entry: this process's feed of `topics`, for its subscriptions."""

    async def run(runtime: Runtime, stop: asyncio.Event) -> None:
        feed = LiveFeed(name, topics, keys)
        runtime.extras.setdefault(FEEDS, {})[name] = feed
        await feed.run(
            stop,
            bootstrap=runtime.settings.kafka_bootstrap,
            options=client_options(runtime.settings),
        )

    return run


@dataclass(frozen=True, slots=True)
class Update:
    kind: LiveUpdateKind
    cursor: str
    event: LiveEvent | None = None


def token_expiry(ctx: RequestContext) -> float:
    """When the caller's token expires (Unix seconds). The token was verified before the
    request reached GraphQL; only its `exp` is read here."""
    _, _, token = ctx.request.headers.get("authorization", "").partition(" ")
    try:
        claims = jwt.decode(token.strip(), options={"verify_signature": False})
        return float(claims["exp"])
    except (jwt.PyJWTError, KeyError, TypeError, ValueError):
        raise Unauthorized("the token names no expiry") from None


async def updates(
    ctx: RequestContext,
    feed_name: str,
    key: str,
    after: str | None,
    allowed: Callable[[Envelope], bool],
    *,
    from_window: bool = False,
) -> AsyncIterator[Update]:
    """STARTED (or REFETCH when `after` is out of reach), then one CHANGE per event for
    `key`. Every event is checked again before it is handed over: the caller's tenant,
    `allowed` (role, card), and the token's expiry, which ends the subscription."""
    feed: LiveFeed | None = ctx.request.app.state.runtime.extras.get(FEEDS, {}).get(feed_name)
    expires = token_expiry(ctx)
    try:
        if feed is None:
            raise TimeoutError
        opened = await feed.open(
            key, after, wait_seconds=OPEN_WAIT_SECONDS, from_window=from_window
        )
    except BadCursor as exc:
        raise BadInput(str(exc), code="BAD_CURSOR") from None
    except TimeoutError:
        raise PublicError(
            "live updates are not available right now; try again", code="LIVE_UNAVAILABLE"
        ) from None
    events = opened.events
    try:
        first = (
            LiveUpdateKind.REFETCH if opened.resume is Resume.REFETCH else LiveUpdateKind.STARTED
        )
        yield Update(first, opened.cursor)
        while True:
            remaining = expires - time.time()
            if remaining <= 0:
                raise Unauthorized("token expired", reason="TOKEN_EXPIRED")
            try:
                event = await asyncio.wait_for(anext(events), remaining)
            except TimeoutError:
                raise Unauthorized("token expired", reason="TOKEN_EXPIRED") from None
            except StopAsyncIteration:
                return
            if event is None:  # fell too far behind
                yield Update(LiveUpdateKind.REFETCH, feed.cursor())
                return
            if event.envelope.tenant != ctx.principal.tenant or not allowed(event.envelope):
                continue
            yield Update(LiveUpdateKind.CHANGE, event.cursor, event)
    finally:
        with contextlib.suppress(RuntimeError):
            await events.aclose()  # type: ignore[attr-defined]
