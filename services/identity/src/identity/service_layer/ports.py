"""What identity's use cases work with: the storage port, the signing keys, the clock's
reading and the token lifetime, and the two services it calls (the clients' cards and
notifications' delivery), handed in once by the entrypoints."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from plumbing.storage import Storage

from identity.adapters.keys import SigningKeys


@dataclass(frozen=True)
class Card:
    """What identity reads of a client card: who it is and where a code may go."""

    id: str
    email: str | None
    phone: str | None


class Cards(Protocol):
    """The clients service, as identity needs it (adapters/services.py over HTTP)."""

    async def holding(self, studio: str, channel: str, contact: str) -> list[Card]:
        """Every card of `studio` whose e-mail (channel EMAIL) or phone (SMS) is
        `contact`, compared exactly."""
        ...

    async def create_lead(
        self,
        studio: str,
        *,
        channel: str,
        contact: str,
        first_name: str,
        last_name: str,
        language: str | None,
    ) -> str:
        """A new LEAD card (C1) with the verified contact; its id."""
        ...

    async def studio_name(self, studio: str) -> str | None:
        """The studio's name (`studio { name }`); None when the service cannot say."""
        ...


class Messenger(Protocol):
    """Notifications' delivery of the codes identity mails or texts (adapters/services.py)."""

    async def send_code(
        self, studio: str, *, purpose: str, channel: str, to: str, language: str, code: str
    ) -> None: ...


class Unreachable:
    """Cards and Messenger for processes that call neither (the `add-person` command)."""

    async def holding(self, studio: str, channel: str, contact: str) -> list[Card]:
        raise RuntimeError("no clients service configured")

    async def create_lead(
        self,
        studio: str,
        *,
        channel: str,
        contact: str,
        first_name: str,
        last_name: str,
        language: str | None,
    ) -> str:
        raise RuntimeError("no clients service configured")

    async def studio_name(self, studio: str) -> str | None:
        return None

    async def send_code(
        self, studio: str, *, purpose: str, channel: str, to: str, language: str, code: str
    ) -> None:
        raise RuntimeError("no notifications service configured")


@dataclass(frozen=True)
class Identity:
    storage: Storage
    keys: SigningKeys
    issuer: str
    access_token_seconds: int
    cards: Cards = field(default_factory=Unreachable)
    messenger: Messenger = field(default_factory=Unreachable)
    # The console people accept invitations in (the link mailed to an invitee).
    console_url: str = "http://localhost:5173"


@dataclass(frozen=True)
class Tokens:
    access_token: str
    refresh_token: str
    expires_in: int
    studio: str
    role: str
    client_id: str | None = None

    def body(self) -> dict[str, object]:
        body: dict[str, object] = {
            "access_token": self.access_token,
            "token_type": "Bearer",
            "expires_in": self.expires_in,
            "refresh_token": self.refresh_token,
            "studio": self.studio,
            "role": self.role,
        }
        if self.client_id:
            body["client_id"] = self.client_id
        return body
