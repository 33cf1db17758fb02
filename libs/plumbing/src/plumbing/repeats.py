"""Staff actions safe to repeat: an action sent with an idempotency key happens once, and
a repeat of the key answers the first result.

    outcome = await once(
        repeats_of(storage, tenant), actor, key, "promoteClient", now,
        run=promote,              # does the effect: (result, record) or (result, None)
        replay=payload_from,      # the first result again, from its record
    )

The first result is kept through the storage port (`plumbing.storage`), so the guarantee
holds on MongoDB, FerretDB and in memory alike: one aggregate per tenant and actor holds
the actor's recent keys (at most `KEEP`, none older than `RETENTION`), changed with the
port's compare-and-set (`change`), which is atomic across processes on both databases.

A key is claimed before the effect and its record written after. A repeat that finds the
claim still open waits for the record (`WAIT`); a claim older than `STALE` (the process
stopped between the effect's start and its record) is taken over. An effect that raises,
or that answers no record (a refusal: nothing happened), releases the key, so the caller
may try again with it.
"""

from __future__ import annotations

import asyncio
import hashlib
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TypeVar

import strawberry

from plumbing.errors import PublicError
from plumbing.gql import RequestContext, UserError, user_error
from plumbing.mongo import Doc
from plumbing.storage import Aggregates, DocCodec, Keep, Loaded, Repository, Save, Storage, change

R = TypeVar("R")

REPEATS: Aggregates[Doc] = Aggregates("repeats", DocCodec())
RETENTION = timedelta(hours=24)  # a console's retry comes within seconds; a day is ample
KEEP = 100  # keys per actor: more than any person clicks in a day
STALE = timedelta(seconds=60)  # longer than any request may run (the gateway's timeout)
WAIT = 10.0  # seconds a repeat waits for the first attempt's record
POLL = 0.05
KEY_LIMIT = 255


class RepeatRefused(PublicError):
    """The key cannot be used: malformed, given to another action, or its first attempt
    is still running. `code` says which."""

    code = "BAD_IDEMPOTENCY_KEY"

    @property
    def reason(self) -> str:
        return str((self.extensions or {}).get("code", self.code))


def repeats_of(storage: Storage, tenant: str) -> Repository[Doc]:
    return storage.repository(REPEATS, tenant)


@dataclass(frozen=True, slots=True)
class _Claim:
    token: str | None  # ours: go ahead; None: the key is answered (record) or busy
    record: Doc | None = None
    action: str | None = None


def check_key(key: str) -> str:
    """Keys are what a client generates (a UUID, a hash): printable ASCII, 1-255 chars."""
    if not 0 < len(key) <= KEY_LIMIT or not all(" " < ch <= "~" for ch in key):
        raise RepeatRefused(
            f"an idempotency key is 1 to {KEY_LIMIT} printable ASCII characters without spaces",
            field="idempotencyKey",
        )
    return key


def _aggregate_key(actor: str) -> str:
    # Subjects come from tokens and may hold any character; the digest is a safe key.
    return hashlib.sha256(actor.encode()).hexdigest()[:32]


def _kept(entries: list[Doc], now: datetime) -> list[Doc]:
    fresh = [e for e in entries if e["at"] > now - RETENTION]
    return fresh[-KEEP:]


def _entries(current: Loaded[Doc]) -> list[Doc]:
    return list((current.state or {}).get("entries", []))


async def once(
    repo: Repository[Doc],
    actor: str,
    key: str | None,
    action: str,
    now: Callable[[], datetime],
    run: Callable[[], Awaitable[tuple[R, Doc | None]]],
    replay: Callable[[Doc], Awaitable[R]],
) -> R:
    """Run `action` once per `key`; without a key, simply run it. `run` answers the
    result and the record to answer repeats with (None: nothing happened, forget the
    key); `replay` rebuilds a result from a record."""
    if key is None:
        result, _ = await run()
        return result
    check_key(key)
    aggregate = _aggregate_key(actor)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + WAIT
    while True:
        claim = await _claim(repo, aggregate, key, action, now())
        if claim.action is not None and claim.action != action:
            raise RepeatRefused(
                "this idempotency key was given to another action", field="idempotencyKey"
            )
        if claim.record is not None:
            return await replay(claim.record)
        if claim.token is not None:
            break
        if loop.time() > deadline:
            raise RepeatRefused(
                "the first attempt with this idempotency key is still running; try again",
                code="REPEAT_IN_PROGRESS",
                field="idempotencyKey",
            )
        await asyncio.sleep(POLL)
    try:
        result, record = await run()
    except BaseException:
        await _settle(repo, aggregate, key, claim.token, None, now())
        raise
    await _settle(repo, aggregate, key, claim.token, record, now())
    return result


async def _claim(
    repo: Repository[Doc], aggregate: str, key: str, action: str, at: datetime
) -> _Claim:
    token = secrets.token_hex(8)

    def decide(current: Loaded[Doc]) -> Save[Doc, _Claim] | Keep[_Claim]:
        entries = _kept(_entries(current), at)
        for entry in entries:
            if entry["key"] != key:
                continue
            if entry.get("record") is not None or entry["action"] != action:
                return Keep(_Claim(None, entry.get("record"), entry["action"]))
            if entry["at"] > at - STALE:
                return Keep(_Claim(None, action=action))
            entries.remove(entry)  # a claim whose process stopped: take it over
            break
        entries.append({"key": key, "action": action, "at": at, "token": token})
        return Save({"entries": entries}, _Claim(token, action=action))

    return (await change(repo, aggregate, decide)).result


async def _settle(
    repo: Repository[Doc],
    aggregate: str,
    key: str,
    token: str | None,
    record: Doc | None,
    at: datetime,
) -> None:
    """Keep the record of the claim `token` holds, or release the key (no record)."""

    def decide(current: Loaded[Doc]) -> Save[Doc, None] | Keep[None]:
        entries = _entries(current)
        mine = [e for e in entries if e["key"] == key and e.get("token") == token]
        if not mine:  # taken over after STALE: the other attempt's record stands
            return Keep(None)
        rest = [e for e in entries if e is not mine[0]]
        if record is not None:
            rest.append({**mine[0], "record": record, "token": None})
        return Save({"entries": _kept(rest, at)}, None)

    await change(repo, aggregate, decide)


async def once_for(
    ctx: RequestContext,
    key: str | None,
    action: str,
    run: Callable[[], Awaitable[tuple[R, Doc | None]]],
    replay: Callable[[Doc], Awaitable[R]],
) -> R:
    """`once` for the caller of a request: their tenant, their subject as the actor."""
    return await once(repeats_for(ctx), ctx.principal.subject, key, action, ctx.now, run, replay)


def repeats_for(ctx: RequestContext) -> Repository[Doc]:
    """The request's tenant's repeats, for a use case that calls `once` itself (with the
    caller's subject as the actor)."""
    if ctx.storage is None:  # pragma: no cover - wiring error
        raise RuntimeError("the request context was built without storage")
    return repeats_of(ctx.storage, ctx.tenant)


def key_error(exc: RepeatRefused) -> UserError:
    """The refusal as the payload's `userErrors` entry, on the `idempotencyKey` argument."""
    params = (exc.extensions or {}).get("params") or {}
    return user_error(exc.message, exc.reason, "idempotencyKey", **params)


# The argument every repeat-sensitive mutation takes (`idempotency_key: Annotated[str |
# None, REPEAT_KEY] = None`), described once.
REPEAT_KEY = strawberry.argument(
    description="Any string the caller makes up per action (a UUID): a repeat with the "
    "same key has no second effect and answers the first result, for 24 hours."
)
