"""What identity's use cases work with: the storage port, the signing keys, the clock's
reading and the token lifetime, handed in once by the entrypoints."""

from __future__ import annotations

from dataclasses import dataclass

from plumbing.storage import Storage

from identity.adapters.keys import SigningKeys


@dataclass(frozen=True)
class Identity:
    storage: Storage
    keys: SigningKeys
    issuer: str
    access_token_seconds: int


@dataclass(frozen=True)
class Tokens:
    access_token: str
    refresh_token: str
    expires_in: int
    studio: str
    role: str

    def body(self) -> dict[str, object]:
        return {
            "access_token": self.access_token,
            "token_type": "Bearer",
            "expires_in": self.expires_in,
            "refresh_token": self.refresh_token,
            "studio": self.studio,
            "role": self.role,
        }
