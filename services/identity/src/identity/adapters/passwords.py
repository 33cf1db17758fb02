"""Password hashes: Argon2id with argon2-cffi's defaults (RFC 9106's second choice,
64 MiB, 3 passes), so a stolen database costs an attacker dearly per guess."""

from __future__ import annotations

import asyncio

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()

# A hash of nothing anyone knows: checked against when the e-mail is unknown, so that an
# unknown address costs as much time as a wrong password and does not reveal itself.
_DECOY = _hasher.hash("decoy password nobody holds")


async def hash_password(password: str) -> str:
    # Hashing takes tens of milliseconds of CPU: off the event loop.
    return await asyncio.to_thread(_hasher.hash, password)


async def check_password(password_hash: str | None, password: str) -> bool:
    def check() -> bool:
        try:
            return _hasher.verify(password_hash or _DECOY, password) and bool(password_hash)
        except (VerificationError, InvalidHashError):
            return False

    return await asyncio.to_thread(check)
