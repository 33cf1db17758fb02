"""Ends the live subscriptions of a session that was signed out before its token expired.

Identity has no Kafka, so nothing announces a sign-out. A process serving subscriptions
asks identity instead, every `session_check_seconds`, in one call (batches of 1,000)
about the sessions (`sid` claims) of its open subscriptions: `POST
/internal/ended-sessions`, signed with the gateway's secret like every internal call.
A subscription whose session is reported ended gets its `ended` event set, and
`plumbing.live_graph.updates` ends it with UNAUTHENTICATED / SESSION_REVOKED.

The cost is one small call per process every few seconds, whatever the number of
subscriptions; a sign-out ends its subscriptions within that period. If identity cannot
be reached the subscriptions go on (logged, counted): their tokens still expire within
their lifetime, as queries with them keep working until then.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Sequence

import httpx
from prometheus_client import Counter

from plumbing.auth import SIGNATURE_HEADER, sign_request
from plumbing.logs import get_logger

log = get_logger("plumbing.session_watch")

BATCH = 1000
# Ended sessions remembered, so that a subscription opened later with such a token ends
# at once rather than at the next check.
REMEMBERED = 10_000

CHECKS = Counter("live_session_checks_total", "Calls to identity about open sessions", ["outcome"])
ENDED = Counter("live_sessions_ended_total", "Sessions found ended with subscriptions open")


class SessionWatch:
    """The sessions of this process's open subscriptions, and which of them ended."""

    def __init__(self) -> None:
        self._watchers: dict[str, set[asyncio.Event]] = {}
        self._ended: dict[str, None] = {}  # insertion-ordered: the oldest forgotten first

    def watch(self, session: str) -> asyncio.Event:
        """An event set when `session` is found ended (set already if it is known)."""
        ended = asyncio.Event()
        if session in self._ended:
            ended.set()
        self._watchers.setdefault(session, set()).add(ended)
        return ended

    def forget(self, session: str, ended: asyncio.Event) -> None:
        watchers = self._watchers.get(session)
        if watchers is not None:
            watchers.discard(ended)
            if not watchers:
                del self._watchers[session]

    @property
    def sessions(self) -> list[str]:
        return list(self._watchers)

    def found_ended(self, sessions: Sequence[str]) -> None:
        for session in sessions:
            if session not in self._ended:
                ENDED.inc()
                log.info("live_session_ended", session=session)
            self._ended[session] = None
            for ended in self._watchers.get(session, ()):
                ended.set()
        while len(self._ended) > REMEMBERED:
            del self._ended[next(iter(self._ended))]

    async def run(
        self,
        stop: asyncio.Event,
        *,
        url: str,
        signing_secret: str,
        every_seconds: float,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        """Ask `url` about the open sessions every `every_seconds` until `stop`."""
        async with httpx.AsyncClient(timeout=5.0, transport=transport) as http:
            while not stop.is_set():
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), every_seconds)
                sessions = self.sessions
                for start in range(0, len(sessions), BATCH):
                    if stop.is_set():
                        return
                    await self._check(http, url, signing_secret, sessions[start : start + BATCH])

    async def _check(
        self, http: httpx.AsyncClient, url: str, secret: str, sessions: list[str]
    ) -> None:
        body = json.dumps({"sessions": sessions}).encode()
        target = httpx.URL(url).raw_path.decode()
        signature = sign_request(secret, method="POST", target=target, body=body)
        try:
            answer = await http.post(
                url,
                content=body,
                headers={"content-type": "application/json", SIGNATURE_HEADER: signature},
            )
            answer.raise_for_status()
            ended = answer.json()["ended"]
        except (httpx.HTTPError, ValueError, KeyError, TypeError) as exc:
            CHECKS.labels("failed").inc()
            log.warning("live_session_check_failed", url=url, error=repr(exc))
            return
        CHECKS.labels("answered").inc()
        self.found_ended([sid for sid in ended if isinstance(sid, str)])
