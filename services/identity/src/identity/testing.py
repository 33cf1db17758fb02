"""Fakes of the two services identity calls (service_layer.ports), for the use-case tests
(kept in the package, as every service keeps the helpers its tests share)."""

from __future__ import annotations

from dataclasses import dataclass, field

from plumbing.storage import MemoryStorage

from identity.adapters import keys
from identity.domain.codes import same_phone
from identity.service_layer.ports import Card, Identity


@dataclass
class FakeCards:
    cards: dict[str, list[Card]] = field(default_factory=dict)  # studio -> cards
    leads: list[tuple[str, str, str, str]] = field(default_factory=list)
    studios: dict[str, str] = field(default_factory=dict)  # studio -> name

    def add(self, studio: str, card: Card) -> None:
        self.cards.setdefault(studio, []).append(card)

    async def holding(self, studio: str, channel: str, contact: str) -> list[Card]:
        cards = self.cards.get(studio, [])
        if channel == "EMAIL":
            return [c for c in cards if (c.email or "").lower() == contact]
        return [c for c in cards if c.phone and same_phone(c.phone, contact)]

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
        card = Card(
            f"lead-{len(self.leads) + 1}",
            contact if channel == "EMAIL" else None,
            contact if channel == "SMS" else None,
        )
        self.add(studio, card)
        self.leads.append((studio, card.id, first_name, last_name))
        return card.id

    async def studio_name(self, studio: str) -> str | None:
        return self.studios.get(studio)


@dataclass
class FakeMessenger:
    sent: list[dict[str, str]] = field(default_factory=list)

    async def send_code(
        self, studio: str, *, purpose: str, channel: str, to: str, language: str, code: str
    ) -> None:
        self.sent.append(
            {
                "studio": studio,
                "purpose": purpose,
                "channel": channel,
                "to": to,
                "language": language,
                "code": code,
            }
        )

    def last_code(self, to: str) -> str:
        return [m["code"] for m in self.sent if m["to"] == to][-1]


def new_identity(
    cards: FakeCards | None = None, messenger: FakeMessenger | None = None
) -> Identity:
    return Identity(
        MemoryStorage(),
        keys.generated(),
        "studio-identity",
        300,
        cards=cards or FakeCards(),
        messenger=messenger or FakeMessenger(),
    )
