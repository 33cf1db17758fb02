"""Password reset: a link token mailed to the address (through notifications), then a
new password with it, which also ends every session the person had.

The request is answered alike for every address, known or not (nothing is sent for an
unknown one, and the send happens after the answer: adapters/services.InBackground), and
is throttled per address asked for and per caller. The token is `pr.<id>.<secret>`, the
secret kept as a keyed hash like every one-time code, valid 30 minutes, once.
"""

from __future__ import annotations

import secrets
from datetime import datetime

from plumbing.storage import Decision, Loaded, Refuse, Save, change

from identity.adapters.passwords import hash_password
from identity.adapters.stores import CODES, EVERYONE, PEOPLE
from identity.domain.codes import PASSWORD_RESET, OneTimeCode, keyed_hash
from identity.domain.people import IdentityRefused, Person, check_password_rules, normal_email
from identity.service_layer import audit
from identity.service_layer.codes import use, verify
from identity.service_layer.ports import Identity
from identity.service_layer.sessions import blocked, count_failure, person_by_email

REQUESTS_PER_ACCOUNT = 3
REQUESTS_PER_ADDRESS = 30


async def request_reset(identity: Identity, *, email: str, address: str, now: datetime) -> None:
    email = normal_email(email)
    limits = (
        (f"reset-{email}", REQUESTS_PER_ACCOUNT),
        (f"reset-address-{address}", REQUESTS_PER_ADDRESS),
    )
    for key, limit in limits:
        if await blocked(identity, key, limit, now):
            raise IdentityRefused("too many resets asked for; try again later", "RESET_THROTTLED")
    for key, limit in limits:
        await count_failure(identity, key, limit, now)
    person = await person_by_email(identity, email)
    if person is None:
        return
    challenge = "pr." + secrets.token_urlsafe(12)
    secret = secrets.token_urlsafe(24)
    record = OneTimeCode(
        id=challenge,
        purpose=PASSWORD_RESET,
        studio=person.default_studio() or EVERYONE,
        channel="EMAIL",
        contact=email,
        code_hash=keyed_hash(challenge, secret),
        created_at=now,
        person=person.id,
    )
    repo = identity.storage.repository(CODES, EVERYONE)
    await repo.save(await repo.load(challenge), record)
    for studio in person.memberships:
        await audit.record(
            identity.storage,
            studio,
            "password_reset_requested",
            now=now,
            person=person.id,
            address=address,
        )
    await identity.messenger.send_code(
        record.studio,
        purpose=PASSWORD_RESET,
        channel="EMAIL",
        to=email,
        language=person.language,
        code=f"{challenge}.{secret}",
    )


async def reset_password(
    identity: Identity, *, token: str, password: str, address: str, now: datetime
) -> None:
    challenge, _, secret = token.strip().rpartition(".")
    if not challenge.startswith("pr.") or not secret:
        raise IdentityRefused("not a reset token", "CODE_INVALID")
    check_password_rules(password)
    record = await verify(identity, challenge, secret, PASSWORD_RESET, now)
    await use(identity, record)
    new_hash = await hash_password(password)

    def reset(current: Loaded[Person]) -> Decision[Person, Person]:
        if current.state is None:
            return Refuse(current.state)  # type: ignore[arg-type]
        current.state.password_hash = new_hash
        # Every session opened before ends at its next refresh.
        current.state.sessions_epoch += 1
        return Save(current.state, current.state)

    done = await change(identity.storage.repository(PEOPLE, EVERYONE), record.person or "", reset)
    if done.refused:
        raise IdentityRefused("wrong or unknown code", "CODE_INVALID")
    for studio in done.result.memberships:
        await audit.record(
            identity.storage,
            studio,
            "password_reset",
            now=now,
            person=done.result.id,
            address=address,
        )
