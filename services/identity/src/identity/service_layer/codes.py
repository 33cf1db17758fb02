"""The life of a one-time code record (domain/codes.py) behind the storage port: find it
open, count a wrong guess, use it once."""

from __future__ import annotations

from datetime import datetime

from plumbing.storage import Decision, Loaded, Refuse, Save, change

from identity.adapters.stores import CODES, EVERYONE
from identity.domain.codes import OneTimeCode
from identity.domain.people import IdentityRefused
from identity.service_layer.ports import Identity


async def open_record(
    identity: Identity, challenge: str, purpose: str, now: datetime
) -> OneTimeCode:
    """The record of `challenge` if it is for `purpose`, not used, expired or exhausted."""
    repo = identity.storage.repository(CODES, EVERYONE)
    record = (await repo.load(challenge)).state if challenge else None
    if record is None or record.purpose != purpose:
        raise IdentityRefused("wrong or unknown code", "CODE_INVALID")
    record.check_open(now)
    return record


async def count_wrong(identity: Identity, challenge: str) -> None:
    def wrong(current: Loaded[OneTimeCode]) -> Decision[OneTimeCode, None]:
        if current.state is None:
            return Refuse(None)
        current.state.attempts += 1
        return Save(current.state, None)

    await change(identity.storage.repository(CODES, EVERYONE), challenge, wrong)


async def verify(
    identity: Identity, challenge: str, code: str, purpose: str, now: datetime
) -> OneTimeCode:
    """The record of a right code, not yet used; a wrong one counts an attempt."""
    record = await open_record(identity, challenge, purpose, now)
    if record.matches(code):
        return record
    await count_wrong(identity, challenge)
    raise IdentityRefused("wrong or unknown code", "CODE_INVALID")


async def use(identity: Identity, record: OneTimeCode) -> None:
    """Marks a code used; a second, concurrent use of the same code is refused."""

    def take(current: Loaded[OneTimeCode]) -> Decision[OneTimeCode, None]:
        if current.state is None or current.state.used:
            return Refuse(None)
        current.state.used = True
        return Save(current.state, None)

    if (await change(identity.storage.repository(CODES, EVERYONE), record.id, take)).refused:
        raise IdentityRefused("this code was already used; ask for a new one", "CODE_USED")
