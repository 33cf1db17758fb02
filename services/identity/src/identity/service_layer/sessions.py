"""Signing in, refreshing (and switching studio), signing out.

Sign-in checks the throttle first, then the password (Argon2id); a failure counts
against both the account and the address. A refresh rotates the refresh token; the
second use of a token revokes its session (reuse detection). Switching studio is a
refresh that names another studio the person works for: no new sign-in.
"""

from __future__ import annotations

import secrets
from datetime import datetime

from plumbing.storage import Decision, Keep, Loaded, Refuse, Save, change

from identity.adapters.keys import access_claims
from identity.adapters.passwords import check_password
from identity.adapters.stores import (
    CLIENT_LOGINS,
    CODES,
    EVERYONE,
    LOGINS,
    PEOPLE,
    SESSIONS,
    THROTTLES,
    address_key,
)
from identity.domain.client_logins import ClientLogin
from identity.domain.codes import LIFETIMES, SECOND_FACTOR, OneTimeCode, SecondFactorRequired
from identity.domain.people import IdentityRefused, Person, normal_email
from identity.domain.sessions import (
    Session,
    parse_refresh_token,
    rotate,
    secret_hash,
)
from identity.domain.throttle import ACCOUNT_LIMIT, ADDRESS_LIMIT, Failures
from identity.service_layer import audit
from identity.service_layer.ports import Identity, Tokens


async def person_by_email(identity: Identity, email: str) -> Person | None:
    login = await identity.storage.repository(LOGINS, EVERYONE).load(email)
    if login.state is None:
        return None
    return await person_by_id(identity, str(login.state["person"]))


async def person_by_id(identity: Identity, person: str) -> Person | None:
    return (await identity.storage.repository(PEOPLE, EVERYONE).load(person)).state


async def blocked(identity: Identity, key: str, limit: int, now: datetime) -> bool:
    failures = (await identity.storage.repository(THROTTLES, EVERYONE).load(key)).state
    return failures is not None and failures.blocked_until(now, limit) is not None


async def count_failure(identity: Identity, key: str, limit: int, now: datetime) -> None:
    def decide(current: Loaded[Failures]) -> Decision[Failures, None]:
        return Save((current.state or Failures()).add(now, limit), None)

    await change(identity.storage.repository(THROTTLES, EVERYONE), key, decide)


async def open_session(identity: Identity, person: Person, studio: str, now: datetime) -> Tokens:
    role = person.role_in(studio)
    if role is None:
        raise IdentityRefused("you do not work for this studio", "STUDIO_NOT_ALLOWED")
    return await _open(
        identity, person.id, studio, role, person.sessions_epoch, None, now, person.language
    )


async def start_session(identity: Identity, person: Person, studio: str, now: datetime) -> Tokens:
    """A session after the password: at once, or, for a person with a second factor,
    a challenge to complete first (SecondFactorRequired; second_factor.complete)."""
    if not person.totp_secret:
        return await open_session(identity, person, studio, now)
    if person.role_in(studio) is None:
        raise IdentityRefused("you do not work for this studio", "STUDIO_NOT_ALLOWED")
    challenge = "mfa." + secrets.token_urlsafe(24)
    record = OneTimeCode(
        id=challenge,
        purpose=SECOND_FACTOR,
        studio=studio,
        channel="TOTP",
        contact="",
        code_hash="",
        created_at=now,
        person=person.id,
    )
    repo = identity.storage.repository(CODES, EVERYONE)
    await repo.save(await repo.load(challenge), record)
    raise SecondFactorRequired(challenge, int(LIFETIMES[SECOND_FACTOR].total_seconds()))


async def open_client_session(identity: Identity, login: ClientLogin, now: datetime) -> Tokens:
    """A session of the app: role CLIENT, for the one card the login belongs to."""
    return await _open(
        identity, login.id, login.studio, "CLIENT", login.sessions_epoch, login.client_id, now
    )


async def _open(
    identity: Identity,
    subject: str,
    studio: str,
    role: str,
    epoch: int,
    client_id: str | None,
    now: datetime,
    language: str | None = None,
) -> Tokens:
    secret = secrets.token_urlsafe(32)
    session = Session(
        id=secrets.token_hex(12),
        person=subject,
        studio=studio,
        generation=1,
        secret_hash=secret_hash(secret),
        epoch=epoch,
        started_at=now,
        refreshed_at=now,
        client_id=client_id,
    )
    repo = identity.storage.repository(SESSIONS, EVERYONE)
    await repo.save(await repo.load(session.id), session)
    return _tokens(identity, session, role, secret, now, language)


def _tokens(
    identity: Identity,
    session: Session,
    role: str,
    secret: str,
    now: datetime,
    language: str | None,
) -> Tokens:
    claims = access_claims(
        issuer=identity.issuer,
        person=session.person,
        studio=session.studio,
        role=role,
        session=session.id,
        ttl_seconds=identity.access_token_seconds,
        now=now.timestamp(),
        client_id=session.client_id,
        language=language,
    )
    return Tokens(
        access_token=identity.keys.sign(claims),
        refresh_token=session.refresh_token(secret),
        expires_in=identity.access_token_seconds,
        studio=session.studio,
        role=role,
        client_id=session.client_id,
    )


async def client_login(identity: Identity, studio: str, card: str) -> ClientLogin | None:
    return (await identity.storage.repository(CLIENT_LOGINS, studio).load(card)).state


async def _holder(
    identity: Identity, session: Session
) -> tuple[str, int, dict[str, str], str | None] | None:
    """Who a session belongs to: their id, their sessions epoch, their role per studio (a
    client: CLIENT in the studio of their card, nowhere else) and their language (a
    client's comes from the request or the studio)."""
    if session.client_id is not None:
        login = await client_login(identity, session.studio, session.client_id)
        if login is None or login.id != session.person:
            return None
        return login.id, login.sessions_epoch, {login.studio: "CLIENT"}, None
    person = await person_by_id(identity, session.person)
    if person is None:
        return None
    return person.id, person.sessions_epoch, person.memberships, person.language


async def sign_in(
    identity: Identity,
    *,
    email: str,
    password: str,
    address: str,
    studio: str | None,
    now: datetime,
) -> Tokens:
    email = normal_email(email)
    account_key, addr_key = f"account-{email}", address_key(address)
    if await blocked(identity, account_key, ACCOUNT_LIMIT, now) or await blocked(
        identity, addr_key, ADDRESS_LIMIT, now
    ):
        await audit.record(
            identity.storage, EVERYONE, "sign_in_throttled", now=now, email=email, address=address
        )
        raise IdentityRefused("too many failed sign-ins; try again later", "SIGN_IN_THROTTLED")
    person = await person_by_email(identity, email)
    if not await check_password(person.password_hash if person else None, password):
        await count_failure(identity, account_key, ACCOUNT_LIMIT, now)
        await count_failure(identity, addr_key, ADDRESS_LIMIT, now)
        for place in person.memberships if person else [EVERYONE]:
            await audit.record(
                identity.storage, place, "sign_in_failed", now=now, email=email, address=address
            )
        raise IdentityRefused("wrong e-mail address or password", "SIGN_IN_FAILED")
    assert person is not None
    chosen = studio or person.default_studio()
    if chosen is None:
        raise IdentityRefused("you do not work for any studio", "STUDIO_NOT_ALLOWED")
    tokens = await start_session(identity, person, chosen, now)
    await audit.record(
        identity.storage,
        chosen,
        "signed_in",
        now=now,
        person=person.id,
        email=email,
        address=address,
    )
    return tokens


async def refresh(
    identity: Identity, *, refresh_token: str, studio: str | None, now: datetime
) -> Tokens:
    token = parse_refresh_token(refresh_token)
    repo = identity.storage.repository(SESSIONS, EVERYONE)
    first = await repo.load(token.session)
    holder = await _holder(identity, first.state) if first.state else None
    if holder is None:
        raise IdentityRefused("this refresh token is not known", "REFRESH_TOKEN_INVALID")
    subject, epoch, roles, language = holder
    if studio is not None and studio not in roles:
        raise IdentityRefused("you do not work for this studio", "STUDIO_NOT_ALLOWED")
    secret = secrets.token_urlsafe(32)
    refusals: list[IdentityRefused] = []

    def decide(current: Loaded[Session]) -> Decision[Session, str]:
        try:
            rotated = rotate(
                current.state,
                token,
                epoch=epoch,
                new_secret=secret,
                now=now,
                studio=studio,
            )
        except IdentityRefused as refused:
            if refused.code == "REFRESH_TOKEN_REUSED" and current.state is not None:
                current.state.revoked = "REUSED"
                return Save(current.state, refused.code)
            refusals.append(refused)
            return Refuse(refused.code)
        return Save(rotated, "")

    done = await change(repo, token.session, decide)
    if done.result == "REFRESH_TOKEN_REUSED":
        await audit.record(
            identity.storage,
            first.state.studio if first.state else EVERYONE,
            "refresh_token_reused",
            now=now,
            person=subject,
            detail=token.session,
        )
        raise IdentityRefused(
            "this refresh token was already used; the session is revoked", done.result
        )
    if done.refused:
        raise refusals[-1]
    session = done.current.state
    assert session is not None
    role = roles.get(session.studio)
    if role is None:
        raise IdentityRefused("you no longer work for this studio", "STUDIO_NOT_ALLOWED")
    if studio is not None:
        await audit.record(
            identity.storage,
            studio,
            "studio_switched",
            now=now,
            person=subject,
        )
    return _tokens(identity, session, role, secret, now, language)


async def sign_out(identity: Identity, *, refresh_token: str, now: datetime) -> None:
    token = parse_refresh_token(refresh_token)

    def decide(current: Loaded[Session]) -> Decision[Session, bool]:
        state = current.state
        if state is None or state.revoked or state.secret_hash != secret_hash(token.secret):
            return Keep(False)
        state.revoked = "SIGNED_OUT"
        return Save(state, True)

    done = await change(identity.storage.repository(SESSIONS, EVERYONE), token.session, decide)
    if done.saved and done.current.state:
        await audit.record(
            identity.storage,
            done.current.state.studio,
            "signed_out",
            now=now,
            person=done.current.state.person,
        )


async def sign_out_everywhere(
    identity: Identity, *, person: str, studio: str, by: str, now: datetime
) -> None:
    """Ends every session of `person` at its next refresh (their access tokens die within
    their lifetime)."""

    def decide(current: Loaded[Person]) -> Decision[Person, None]:
        if current.state is None:
            return Refuse(None)
        current.state.sessions_epoch += 1
        return Save(current.state, None)

    done = await change(identity.storage.repository(PEOPLE, EVERYONE), person, decide)
    if done.refused:
        raise IdentityRefused("no such person", "NOT_FOUND")
    action = "signed_out_everywhere" if by == person else "sessions_revoked"
    await audit.record(identity.storage, studio, action, now=now, person=person, detail=by)
