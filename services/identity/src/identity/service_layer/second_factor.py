"""The second factor of OWNER and ADMIN: enrol a TOTP secret (confirmed with a first
code), complete a sign-in challenge with a code or a recovery code, switch it off.

Enrolment is optional and per person, not per studio: a person who enrols is asked for
a code at every sign-in, whichever studio they sign in to.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from plumbing.storage import Decision, Loaded, Refuse, Save, change

from identity.adapters.stores import EVERYONE, PEOPLE
from identity.domain import totp
from identity.domain.codes import SECOND_FACTOR
from identity.domain.people import SECOND_FACTOR_ROLES, IdentityRefused, Person
from identity.domain.throttle import ACCOUNT_LIMIT
from identity.service_layer import audit
from identity.service_layer.codes import count_wrong, open_record, use
from identity.service_layer.ports import Identity, Tokens
from identity.service_layer.sessions import blocked, count_failure, open_session, person_by_id


@dataclass(frozen=True)
class Enrolment:
    secret: str
    otpauth_uri: str


async def _person(identity: Identity, person_id: str) -> Person:
    person = await person_by_id(identity, person_id)
    if person is None:
        raise IdentityRefused("no such person", "NOT_FOUND")
    return person


async def start(identity: Identity, *, person: str, studio: str, now: datetime) -> Enrolment:
    found = await _person(identity, person)
    if found.role_in(studio) not in SECOND_FACTOR_ROLES:
        raise IdentityRefused("a second factor is for owners and admins", "FORBIDDEN")
    if found.totp_secret:
        raise IdentityRefused(
            "a second factor is already on; switch it off first", "ALREADY_ENABLED"
        )
    secret = totp.new_secret()

    def pend(current: Loaded[Person]) -> Decision[Person, None]:
        if current.state is None:
            return Refuse(None)
        current.state.totp_pending = secret
        return Save(current.state, None)

    await change(identity.storage.repository(PEOPLE, EVERYONE), person, pend)
    return Enrolment(secret, totp.otpauth_uri(secret, found.email))


async def confirm(
    identity: Identity, *, person: str, studio: str, code: str, now: datetime
) -> list[str]:
    """Turns the pending secret on once a code of it is right; the recovery codes, shown
    once (only their hashes are kept)."""
    codes = totp.recovery_codes()

    def turn_on(current: Loaded[Person]) -> Decision[Person, str]:
        state = current.state
        if state is None or not state.totp_pending:
            return Refuse("NOT_ENROLLING")
        step = totp.matching_step(state.totp_pending, code, now)
        if step is None:
            return Refuse("CODE_INVALID")
        state.totp_secret, state.totp_pending, state.totp_last_step = state.totp_pending, None, step
        state.recovery_hashes = [totp.recovery_hash(c) for c in codes]
        return Save(state, "")

    done = await change(identity.storage.repository(PEOPLE, EVERYONE), person, turn_on)
    if done.refused:
        if done.result == "NOT_ENROLLING":
            raise IdentityRefused("start the enrolment first", "NOT_ENROLLING")
        raise IdentityRefused("wrong code", "CODE_INVALID")
    await audit.record(identity.storage, studio, "second_factor_enabled", now=now, person=person)
    return codes


def _accept(state: Person, code: str, now: datetime) -> str | None:
    """How `code` is accepted for `state` (and `state` changed to remember it): "totp",
    "recovery", or None when it is neither."""
    assert state.totp_secret is not None
    step = totp.matching_step(state.totp_secret, code, now, after=state.totp_last_step)
    if step is not None:
        state.totp_last_step = step
        return "totp"
    hashed = totp.recovery_hash(code)
    if hashed in state.recovery_hashes:
        state.recovery_hashes = [h for h in state.recovery_hashes if h != hashed]
        return "recovery"
    return None


async def _check(identity: Identity, person: str, code: str, now: datetime) -> str | None:
    def decide(current: Loaded[Person]) -> Decision[Person, str | None]:
        if current.state is None or not current.state.totp_secret:
            return Refuse(None)
        how = _accept(current.state, code, now)
        return Save(current.state, how) if how else Refuse(None)

    return (await change(identity.storage.repository(PEOPLE, EVERYONE), person, decide)).result


async def disable(
    identity: Identity, *, person: str, studio: str, code: str, now: datetime
) -> None:
    found = await _person(identity, person)
    if not found.totp_secret:
        raise IdentityRefused("no second factor is on", "NOT_ENROLLED")
    if await _check(identity, person, code, now) is None:
        raise IdentityRefused("wrong code", "CODE_INVALID")

    def turn_off(current: Loaded[Person]) -> Decision[Person, None]:
        if current.state is None:
            return Refuse(None)
        current.state.totp_secret, current.state.recovery_hashes = None, []
        return Save(current.state, None)

    await change(identity.storage.repository(PEOPLE, EVERYONE), person, turn_off)
    await audit.record(identity.storage, studio, "second_factor_disabled", now=now, person=person)


async def complete(
    identity: Identity, *, challenge: str, code: str, address: str, now: datetime
) -> Tokens:
    """A sign-in's second step: the challenge of the first and a TOTP or recovery code."""
    found = await open_record(identity, challenge, SECOND_FACTOR, now)
    person = await _person(identity, found.person or "")
    account = f"account-{person.email}"
    if await blocked(identity, account, ACCOUNT_LIMIT, now):
        raise IdentityRefused("too many failed sign-ins; try again later", "SIGN_IN_THROTTLED")
    how = await _check(identity, person.id, code, now)
    if how is None:
        # A wrong code counts against the challenge and against the account, like a
        # wrong password: guessing six digits costs the same time as guessing a password.
        await count_wrong(identity, found.id)
        await count_failure(identity, account, ACCOUNT_LIMIT, now)
        await audit.record(
            identity.storage,
            found.studio,
            "second_factor_failed",
            now=now,
            person=person.id,
            address=address,
        )
        raise IdentityRefused("wrong code", "CODE_INVALID")
    await use(identity, found)
    tokens = await open_session(identity, person, found.studio, now)
    action = "signed_in" if how == "totp" else "recovery_code_used"
    await audit.record(
        identity.storage,
        found.studio,
        action,
        now=now,
        person=person.id,
        email=person.email,
        address=address,
        detail="second factor",
    )
    return tokens
