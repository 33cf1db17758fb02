"""Clients sign in to the app with a one-time code, and sign up from it.

1. `request_code`: the app names the studio and an e-mail address or a phone number; a
   6-digit code goes there (through notifications) and the answer is a challenge id. The
   answer is the same whether or not any card holds that contact: nothing tells which
   addresses exist. Requests are throttled per contact and per caller's address.
2. `sign_in_with_code`: the challenge and the code. Once the code is right, the contact
   is proven to be the caller's, and only then is it looked up: the card that holds it
   is theirs (a login is made for it the first time); with no such card the app sends a
   first and last name and a LEAD card is made with that contact (C1). A contact held by
   two cards opens neither.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

from plumbing.storage import Decision, Keep, Loaded, Save, change

from identity.adapters.stores import CLIENT_LOGINS, CODES, EVERYONE
from identity.domain.client_logins import ClientLogin
from identity.domain.codes import (
    CLIENT_SIGN_IN,
    LIFETIMES,
    OneTimeCode,
    digits,
    keyed_hash,
    normal_phone,
)
from identity.domain.people import IdentityRefused, normal_email
from identity.service_layer import audit
from identity.service_layer.codes import use, verify
from identity.service_layer.ports import Identity, Tokens
from identity.service_layer.sessions import blocked, count_failure, open_client_session

# Codes asked for one contact, and from one address, within the throttle's window.
REQUESTS_PER_CONTACT = 5
REQUESTS_PER_ADDRESS = 30


@dataclass(frozen=True)
class CodeRequested:
    challenge: str
    expires_in: int

    def body(self) -> dict[str, object]:
        return {"challenge": self.challenge, "expires_in": self.expires_in}


def contact_of(email: str | None, phone: str | None) -> tuple[str, str]:
    """(channel, contact) from exactly one of an e-mail address and a phone number."""
    if bool(email) == bool(phone):
        raise IdentityRefused("send either `email` or `phone`", "BAD_REQUEST")
    if email:
        return "EMAIL", normal_email(email)
    number = normal_phone(phone or "")
    if not number.startswith("+"):
        raise IdentityRefused("a phone number starts with + and its country code", "PHONE_INVALID")
    return "SMS", number


def check_studio(studio: str) -> str:
    text = studio.strip()
    if not text or len(text) > 64 or any(c in text for c in ":|/ "):
        raise IdentityRefused("not a studio", "BAD_REQUEST")
    return text


async def request_code(
    identity: Identity,
    *,
    studio: str,
    email: str | None,
    phone: str | None,
    language: str,
    address: str,
    now: datetime,
) -> CodeRequested:
    studio = check_studio(studio)
    channel, contact = contact_of(email, phone)
    limits = (
        (f"code-{studio}|{contact}", REQUESTS_PER_CONTACT),
        (f"code-address-{address}", REQUESTS_PER_ADDRESS),
    )
    for key, limit in limits:
        if await blocked(identity, key, limit, now):
            raise IdentityRefused("too many codes asked for; try again later", "CODE_THROTTLED")
    for key, limit in limits:
        await count_failure(identity, key, limit, now)
    code = digits()
    challenge = "otp." + secrets.token_urlsafe(18)
    record = OneTimeCode(
        id=challenge,
        purpose=CLIENT_SIGN_IN,
        studio=studio,
        channel=channel,
        contact=contact,
        code_hash=keyed_hash(challenge, code),
        created_at=now,
    )
    repo = identity.storage.repository(CODES, EVERYONE)
    await repo.save(await repo.load(challenge), record)
    await identity.messenger.send_code(
        studio, purpose=CLIENT_SIGN_IN, channel=channel, to=contact, language=language, code=code
    )
    return CodeRequested(challenge, int(LIFETIMES[CLIENT_SIGN_IN].total_seconds()))


async def sign_in_with_code(
    identity: Identity,
    *,
    challenge: str,
    code: str,
    first_name: str | None,
    last_name: str | None,
    language: str | None,
    address: str,
    now: datetime,
) -> Tokens:
    record = await verify(identity, challenge, code, CLIENT_SIGN_IN, now)
    studio = record.studio
    cards = await identity.cards.holding(studio, record.channel, record.contact)
    if len(cards) > 1:
        # Two cards share the contact: opening either could open someone else's.
        raise IdentityRefused(
            "this contact is on more than one card; ask the studio", "CONTACT_AMBIGUOUS"
        )
    if not cards and not (first_name and first_name.strip() and last_name and last_name.strip()):
        # The code stays valid: the app asks for a name and sends it again with the code.
        raise IdentityRefused(
            "no card holds this contact yet: send a name to sign up", "SIGN_UP_REQUIRED"
        )
    await use(identity, record)
    if cards:
        card, action = cards[0].id, "client_signed_in"
    else:
        card = await identity.cards.create_lead(
            studio,
            channel=record.channel,
            contact=record.contact,
            first_name=(first_name or "").strip()[:100],
            last_name=(last_name or "").strip()[:100],
            language=language,
        )
        action = "client_signed_up"
    login = await _login_for(identity, studio, card, now)
    tokens = await open_client_session(identity, login, now)
    await audit.record(
        identity.storage,
        studio,
        action,
        now=now,
        person=login.id,
        email=record.contact if record.channel == "EMAIL" else None,
        address=address,
        detail=card,
    )
    return tokens


async def _login_for(identity: Identity, studio: str, card: str, now: datetime) -> ClientLogin:
    fresh = ClientLogin(
        id="cl-" + secrets.token_hex(10), studio=studio, client_id=card, created_at=now
    )

    def claim(current: Loaded[ClientLogin]) -> Decision[ClientLogin, ClientLogin]:
        if current.state is not None:
            return Keep(current.state)
        return Save(fresh, fresh)

    return (await change(identity.storage.repository(CLIENT_LOGINS, studio), card, claim)).result
