"""One-time codes: what a client types to sign in, what a reset link carries, and the
short-lived challenge between a password and a second factor.

A code is kept only as a keyed hash (HMAC-SHA-256 keyed by its challenge id), compared in
constant time, lives `lifetime` minutes and allows `CODE_ATTEMPTS` wrong guesses before
it is dead: a 6-digit code then gives a guesser 5 chances in a million.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from identity.domain.people import IdentityRefused

# What a code is for; each has its own lifetime.
CLIENT_SIGN_IN = "CLIENT_SIGN_IN"
PASSWORD_RESET = "PASSWORD_RESET"
SECOND_FACTOR = "SECOND_FACTOR"
LIFETIMES = {
    CLIENT_SIGN_IN: timedelta(minutes=10),
    PASSWORD_RESET: timedelta(minutes=30),
    SECOND_FACTOR: timedelta(minutes=5),
}
CODE_ATTEMPTS = 5
CHANNELS = ("EMAIL", "SMS")


def keyed_hash(challenge: str, code: str) -> str:
    return hmac.new(challenge.encode(), code.strip().encode(), hashlib.sha256).hexdigest()


def digits(n: int = 6) -> str:
    return f"{secrets.randbelow(10**n):0{n}d}"


@dataclass
class OneTimeCode:
    id: str  # the challenge: handed to the caller, names this record
    purpose: str
    studio: str
    channel: str  # EMAIL or SMS (a second factor: TOTP)
    contact: str  # the address or phone number the code went to ("" for a second factor)
    code_hash: str
    created_at: datetime
    person: str | None = None  # staff: whose reset or second factor this is
    attempts: int = 0
    used: bool = False

    def expires_at(self) -> datetime:
        return self.created_at + LIFETIMES[self.purpose]

    def check_open(self, now: datetime) -> None:
        if self.used:
            raise IdentityRefused("this code was already used; ask for a new one", "CODE_USED")
        if now >= self.expires_at():
            raise IdentityRefused("this code has expired; ask for a new one", "CODE_EXPIRED")
        if self.attempts >= CODE_ATTEMPTS:
            raise IdentityRefused("too many wrong codes; ask for a new one", "CODE_EXHAUSTED")

    def matches(self, code: str) -> bool:
        return hmac.compare_digest(keyed_hash(self.id, code), self.code_hash)


def normal_phone(phone: str) -> str:
    """`+` and 7 to 15 digits (E.164's length); spaces, dots, dashes and brackets go."""
    text = phone.strip()
    plus = text.startswith("+")
    number = "".join(c for c in text if c.isdigit())
    if any(c not in "+0123456789 .-()" for c in text) or not 7 <= len(number) <= 15:
        raise IdentityRefused("not a phone number", "PHONE_INVALID")
    return ("+" if plus else "") + number


def same_phone(a: str, b: str) -> bool:
    """Two spellings of one number: the same digits (a card may keep the `+` or not)."""
    return "".join(c for c in a if c.isdigit()) == "".join(c for c in b if c.isdigit())


class SecondFactorRequired(IdentityRefused):
    """The password was right and the person has a second factor: the caller completes
    `challenge` with a code of their authenticator app (or a recovery code)."""

    def __init__(self, challenge: str, expires_in: int) -> None:
        super().__init__("enter the code of your authenticator app", "SECOND_FACTOR_REQUIRED")
        self.challenge = challenge
        self.expires_in = expires_in
