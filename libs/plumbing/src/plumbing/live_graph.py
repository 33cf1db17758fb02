"""What every subgraph's subscriptions share: the feed's place in the process, the update
kinds, and the checks made for every event handed to a caller (`plumbing.live`)."""

from __future__ import annotations

import asyncio
import contextlib
import time
from asyncio import FIRST_COMPLETED
from collections.abc import AsyncIterator, Callable, Coroutine, Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import jwt
import strawberry

from plumbing.app import Runtime
from plumbing.auth import DEVELOPMENT_SIGNING_SECRET
from plumbing.envelope import Envelope
from plumbing.errors import BadInput, PublicError, Unauthorized
from plumbing.gql import RequestContext
from plumbing.kafka import client_options
from plumbing.live import BadCursor, LiveEvent, LiveFeed, Resume
from plumbing.session_watch import SessionWatch

FEEDS = "live_feeds"  # where a process keeps its feeds (`Runtime.extras`)
SESSIONS = "live_sessions"  # and its watch of the sessions of its subscriptions
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
        settings = runtime.settings
        work = [
            feed.run(stop, bootstrap=settings.kafka_bootstrap, options=client_options(settings))
        ]
        # One watch per process, run by the first feed (docs/live-updates.md).
        if settings.identity_sessions_url and SESSIONS not in runtime.extras:
            watch = runtime.extras[SESSIONS] = SessionWatch()
            work.append(
                watch.run(
                    stop,
                    url=settings.identity_sessions_url,
                    signing_secret=settings.gateway_signing_secret or DEVELOPMENT_SIGNING_SECRET,
                    every_seconds=settings.session_check_seconds,
                )
            )
        await asyncio.gather(*work)

    return run


@dataclass(frozen=True, slots=True)
class Update:
    kind: LiveUpdateKind
    cursor: str
    event: LiveEvent | None = None


def token_claims(ctx: RequestContext) -> tuple[float, str | None]:
    """When the caller's token expires (Unix seconds), and its session (`sid`, None for a
    token minted without one). The token was verified before the request reached GraphQL;
    only these claims are read here."""
    _, _, token = ctx.request.headers.get("authorization", "").partition(" ")
    try:
        claims = jwt.decode(token.strip(), options={"verify_signature": False})
        session = claims.get("sid")
        return float(claims["exp"]), session if isinstance(session, str) and session else None
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
    `allowed` (role, card), and the token's expiry or its session's end (a sign-out,
    `plumbing.session_watch`), which end the subscription."""
    extras = ctx.request.app.state.runtime.extras
    feed: LiveFeed | None = extras.get(FEEDS, {}).get(feed_name)
    expires, session = token_claims(ctx)
    watch: SessionWatch | None = extras.get(SESSIONS) if session else None
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
    ended = watch.watch(session) if watch and session else asyncio.Event()
    ending = asyncio.ensure_future(ended.wait())
    pending: asyncio.Future[LiveEvent | None] | None = None
    try:
        first = (
            LiveUpdateKind.REFETCH if opened.resume is Resume.REFETCH else LiveUpdateKind.STARTED
        )
        yield Update(first, opened.cursor)
        while True:
            remaining = expires - time.time()
            if remaining <= 0:
                raise Unauthorized("token expired", reason="TOKEN_EXPIRED")
            pending = pending or asyncio.ensure_future(anext(events))
            both: set[asyncio.Future[Any]] = {pending, ending}
            await asyncio.wait(both, timeout=remaining, return_when=FIRST_COMPLETED)
            if ended.is_set():
                raise Unauthorized("this session was signed out", reason="SESSION_REVOKED")
            if not pending.done():
                raise Unauthorized("token expired", reason="TOKEN_EXPIRED")
            try:
                event = pending.result()
            except StopAsyncIteration:
                return
            finally:
                pending = None
            if event is None:  # fell too far behind
                yield Update(LiveUpdateKind.REFETCH, feed.cursor())
                return
            if event.envelope.tenant != ctx.principal.tenant or not allowed(event.envelope):
                continue
            yield Update(LiveUpdateKind.CHANGE, event.cursor, event)
    finally:
        for waiting in (pending, ending):
            if waiting is not None:
                waiting.cancel()
                with contextlib.suppress(BaseException):
                    await waiting
        if watch and session:
            watch.forget(session, ended)
        with contextlib.suppress(RuntimeError):
            await events.aclose()  # type: ignore[attr-defined]
