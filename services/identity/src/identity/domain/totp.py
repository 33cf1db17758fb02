"""Time-based one-time passwords (RFC 6238: HMAC-SHA-1, 30-second steps, 6 digits), the
second factor OWNER and ADMIN may enrol, and the recovery codes that stand in for a lost
phone.

RFC 6238's own test vector (secret "12345678901234567890", T = 59 s) gives 287082 for six
digits; `tests/unit/test_second_factor.py` checks it. A code is accepted one step either
side of now (clock drift), and never twice: the step it matched is remembered, so a code
read over someone's shoulder is dead once used.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import struct
from datetime import datetime
from urllib.parse import quote, urlencode

STEP_SECONDS = 30
DIGITS = 6
DRIFT_STEPS = 1
RECOVERY_CODES = 10
ISSUER = "Studio"


def new_secret() -> str:
    """160 random bits in base32 without padding, as authenticator apps expect."""
    return base64.b32encode(secrets.token_bytes(20)).decode().rstrip("=")


def _key(secret: str) -> bytes:
    return base64.b32decode(secret + "=" * (-len(secret) % 8), casefold=True)


def code_at(secret: str, step: int) -> str:
    digest = hmac.new(_key(secret), struct.pack(">Q", step), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    number = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return f"{number % 10**DIGITS:0{DIGITS}d}"


def step_of(now: datetime) -> int:
    return int(now.timestamp()) // STEP_SECONDS


def matching_step(secret: str, code: str, now: datetime, *, after: int = -1) -> int | None:
    """The step `code` belongs to within the drift window, if any and later than `after`
    (the last step used); every candidate is compared, in constant time."""
    found = None
    typed = code.strip().replace(" ", "")
    for step in range(step_of(now) - DRIFT_STEPS, step_of(now) + DRIFT_STEPS + 1):
        if hmac.compare_digest(code_at(secret, step), typed) and step > after:
            found = step
    return found


def otpauth_uri(secret: str, account: str) -> str:
    query = urlencode(
        {"secret": secret, "issuer": ISSUER, "digits": DIGITS, "period": STEP_SECONDS}
    )
    return f"otpauth://totp/{quote(ISSUER)}:{quote(account)}?{query}"


def recovery_codes() -> list[str]:
    """Ten codes of ten base32 characters (50 bits each), shown once, kept as hashes."""
    return [base64.b32encode(secrets.token_bytes(10)).decode()[:10] for _ in range(RECOVERY_CODES)]


def recovery_hash(code: str) -> str:
    return hashlib.sha256(code.strip().upper().replace("-", "").encode()).hexdigest()
