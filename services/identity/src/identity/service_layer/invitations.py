"""Inviting staff to a studio, and accepting an invitation."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

from plumbing.storage import Decision, Keep, Loaded, Refuse, Save, change

from identity.adapters.passwords import check_password, hash_password
from identity.adapters.stores import EVERYONE, INVITATIONS, LOGINS, PEOPLE
from identity.domain.invitations import Invitation
from identity.domain.people import (
    IdentityRefused,
    Person,
    check_password_rules,
    may_invite,
    normal_email,
)
from identity.domain.sessions import secret_hash
from identity.service_layer import audit, staff
from identity.service_layer.ports import Identity, Tokens
from identity.service_layer.sessions import person_by_email, person_by_id, start_session


@dataclass(frozen=True)
class Invited:
    invitation: Invitation
    # Shown once to the inviter, who passes it on; only its hash is kept.
    code: str


def _code(studio: str, invitation: str, secret: str) -> str:
    return f"inv.{studio}.{invitation}.{secret}"


async def invite(
    identity: Identity,
    *,
    studio: str,
    inviter: str,
    inviter_role: str | None,
    email: str,
    role: str,
    now: datetime,
) -> Invited:
    may_invite(inviter_role, role)
    email = normal_email(email)
    secret = secrets.token_urlsafe(24)
    invitation = Invitation(
        id=secret_hash(secret)[:24],
        studio=studio,
        email=email,
        role=role,
        invited_by=inviter,
        created_at=now,
    )
    repo = identity.storage.repository(INVITATIONS, studio)
    await repo.save(await repo.load(invitation.id), invitation)
    await audit.record(
        identity.storage,
        studio,
        "staff_invited",
        now=now,
        person=inviter,
        email=email,
        detail=role,
    )
    code = _code(studio, invitation.id, secret)
    # Mailed through notifications in the invitee's language if they already sign in
    # somewhere, else in the studio's (an empty language: notifications knows the studio's).
    known = await person_by_email(identity, email)
    await identity.messenger.send_code(
        studio,
        purpose="STAFF_INVITATION",
        channel="EMAIL",
        to=email,
        language=known.language if known else "",
        code=invitation_link(identity.console_url, code),
    )
    return Invited(invitation, code)


def invitation_link(console_url: str, code: str) -> str:
    """Where the invitee accepts: the console's page, the code in the fragment (a browser
    sends no fragment to any server, so no access log keeps it)."""
    return f"{console_url.rstrip('/')}/accept-invitation#code={code}"


async def accept(
    identity: Identity,
    *,
    code: str,
    password: str,
    name: str,
    language: str,
    now: datetime,
) -> Tokens:
    parts = code.strip().split(".")
    if len(parts) != 4 or parts[0] != "inv":
        raise IdentityRefused("not an invitation code", "INVITATION_INVALID")
    studio, invitation_id, secret = parts[1], parts[2], parts[3]
    if not studio or ":" in studio or secret_hash(secret)[:24] != invitation_id:
        raise IdentityRefused("not an invitation code", "INVITATION_INVALID")
    invitations = identity.storage.repository(INVITATIONS, studio)
    loaded = await invitations.load(invitation_id)
    if loaded.state is None:
        raise IdentityRefused("not an invitation code", "INVITATION_INVALID")
    loaded.state.check_open(now)
    invitation = loaded.state
    person = await person_by_email(identity, invitation.email)
    if person is None:
        check_password_rules(password)
        person = await _create_person(identity, invitation.email, password, name, language, now)
    elif not await check_password(person.password_hash, password):
        # The address already signs in (for another studio): its owner proves it.
        raise IdentityRefused("wrong password for this address", "SIGN_IN_FAILED")

    def take(current: Loaded[Invitation]) -> Decision[Invitation, None]:
        state = current.state
        if state is None or state.accepted_by or state.revoked:
            return Refuse(None)
        state.accepted_by = person.id
        return Save(state, None)

    if (await change(invitations, invitation_id, take)).refused:
        raise IdentityRefused("this invitation was already accepted", "INVITATION_USED")

    def join(current: Loaded[Person]) -> Decision[Person, Person]:
        assert current.state is not None
        current.state.memberships[studio] = invitation.role
        return Save(current.state, current.state)

    joined = (await change(identity.storage.repository(PEOPLE, EVERYONE), person.id, join)).result
    await staff.enrol(identity, studio, joined.id)
    await audit.record(
        identity.storage,
        studio,
        "invitation_accepted",
        now=now,
        person=person.id,
        email=invitation.email,
        detail=invitation.role,
    )
    return await start_session(identity, joined, studio, now)


async def _create_person(
    identity: Identity, email: str, password: str, name: str, language: str, now: datetime
) -> Person:
    person = Person(
        id="p-" + secrets.token_hex(10),
        email=email,
        name=name.strip()[:200] or email,
        language=(language or "en").strip()[:16],
        password_hash=await hash_password(password),
        created_at=now,
    )
    people = identity.storage.repository(PEOPLE, EVERYONE)
    await people.save(await people.load(person.id), person)

    def claim(current: Loaded[dict[str, object]]) -> Decision[dict[str, object], str]:
        if current.state is not None:
            return Keep(str(current.state["person"]))
        return Save({"person": person.id}, person.id)

    owner = (await change(identity.storage.repository(LOGINS, EVERYONE), email, claim)).result
    if owner != person.id:
        # Two acceptances for one new address raced; the first one's person stands.
        existing = await person_by_id(identity, owner)
        if existing is None or not await check_password(existing.password_hash, password):
            raise IdentityRefused("this address already signs in", "SIGN_IN_FAILED")
        return existing
    return person


async def add_person(
    identity: Identity,
    *,
    email: str,
    password: str,
    name: str,
    language: str,
    studio: str,
    role: str,
    now: datetime,
) -> Person:
    """A person who works for `studio` in `role` from the start: the demo studio's users
    and a new studio's first owner (studioctl), not reachable through the graph."""
    email = normal_email(email)
    person = await person_by_email(identity, email)
    if person is None:
        check_password_rules(password)
        person = await _create_person(identity, email, password, name, language, now)

    def join(current: Loaded[Person]) -> Decision[Person, Person]:
        assert current.state is not None
        current.state.memberships[studio] = role
        return Save(current.state, current.state)

    joined = (await change(identity.storage.repository(PEOPLE, EVERYONE), person.id, join)).result
    await staff.enrol(identity, studio, joined.id)
    return joined
