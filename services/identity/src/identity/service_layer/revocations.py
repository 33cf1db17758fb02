"""Which sessions have ended: what the subgraphs ask every few seconds to end the live
subscriptions of a token whose session was signed out (docs/live-updates.md).

Identity has no Kafka, so it does not announce an ending; the subgraphs holding
subscriptions ask, in one call per process, about the sessions (`sid`) of their open
subscriptions. A session this service does not know is not reported: a token without a
session (minted by the platform's tools) ends when it expires.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from identity.adapters.stores import EVERYONE, SESSIONS
from identity.domain.sessions import Session, ended
from identity.service_layer.ports import Identity
from identity.service_layer.sessions import client_login, person_by_id

# At most this many sessions per call (a subgraph asks in batches of this size).
MAX_SESSIONS = 1000
# Loads running at once for one call.
CONCURRENCY = 16


async def ended_sessions(identity: Identity, sessions: Sequence[str]) -> list[str]:
    """The sessions among `sessions` that have ended, in the order asked."""
    repo = identity.storage.repository(SESSIONS, EVERYONE)
    epochs: dict[tuple[str, str], asyncio.Task[int | None]] = {}
    gate = asyncio.Semaphore(CONCURRENCY)

    async def epoch_of(session: Session) -> int | None:
        async with gate:
            if session.client_id is not None:
                login = await client_login(identity, session.studio, session.client_id)
                return login.sessions_epoch if login and login.id == session.person else None
            person = await person_by_id(identity, session.person)
            return person.sessions_epoch if person else None

    async def check(sid: str) -> bool:
        async with gate:
            session = (await repo.load(sid)).state
        if session is None:
            return False
        holder = (session.person, session.client_id or "")
        if holder not in epochs:  # one look per holder, however many of their sessions
            epochs[holder] = asyncio.ensure_future(epoch_of(session))
        return ended(session, await epochs[holder])

    unique = list(dict.fromkeys(sessions))
    verdicts = await asyncio.gather(*(check(sid) for sid in unique))
    return [sid for sid, gone in zip(unique, verdicts, strict=True) if gone]
