"""N2: whether a message may go to a client on a channel, and on which channels to try.

A client's communication preferences (C8) are switches per (category, channel); a switch
nobody has touched is on. The clients context publishes every change with its time; the
newest change of a switch wins, whatever order the events arrive in.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from notifications.domain.devices import Device

# Event-driven messages go by e-mail, or by SMS when e-mail is not possible.
AUTOMATIC_CHANNELS: tuple[str, ...] = ("EMAIL", "SMS")
# A message sent from the card without a channel takes the first one that works.
ANY_CHANNEL: tuple[str, ...] = ("EMAIL", "SMS", "PUSH")


def preference_key(category: str, channel: str) -> str:
    return f"{category}_{channel}"


@dataclass(frozen=True, slots=True)
class Recipient:
    client_id: str
    first_name: str
    last_name: str
    email: str | None
    phone: str | None
    language: str | None
    # preference_key -> {"enabled": bool, "at": datetime}
    preferences: Mapping[str, Mapping[str, Any]]
    points: int | None = None
    points_value: Decimal | None = None
    currency: str | None = None
    # A session in the studio's app, not since logged out or uninstalled (push needs it).
    has_app: bool = False
    # The push tokens the client's app registered (`registerDevice`), oldest first.
    devices: tuple[Device, ...] = ()

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    def push_devices(self) -> tuple[tuple[str, str], ...]:
        return tuple((d.token, d.platform) for d in self.devices)

    def allows(self, category: str, channel: str) -> bool:
        switch = self.preferences.get(preference_key(category, channel))
        return True if switch is None else bool(switch.get("enabled", True))

    def address(self, channel: str) -> str | None:
        if channel == "EMAIL":
            return self.email
        if channel == "SMS":
            return self.phone
        # Push goes to the devices the app registered, or, for an app a partner reports
        # (K6), to the client id while its newest fact is a session.
        return self.client_id if self.has_app or self.devices else None


def why_not(recipient: Recipient, category: str | None, channel: str) -> str | None:
    """The reason a message may not be sent on `channel`, or None if it may."""
    withheld = why_not_coded(recipient, category, channel)
    return withheld[2] if withheld else None


def why_not_coded(
    recipient: Recipient, category: str | None, channel: str
) -> tuple[str, dict[str, str], str] | None:
    """`why_not` as a code, its params and the English sentence (`MessageReason`)."""
    if category is not None and not recipient.allows(category, channel):
        text = f"the client switched off {category} messages by {channel}"
        return "SWITCHED_OFF", {"category": category, "channel": channel}, text
    if not recipient.address(channel):
        text = {
            "EMAIL": "no e-mail address on file",
            "SMS": "no phone number on file",
            "PUSH": "the client does not have the app",
        }.get(channel, f"no {channel} address")
        return "NO_ADDRESS", {"channel": channel}, text
    return None


def newer(changed_at: datetime, current: Mapping[str, Any] | None) -> bool:
    """Whether a preference change is newer than what is stored (newest wins)."""
    if current is None or current.get("at") is None:
        return True
    stored: datetime = current["at"]
    return changed_at > stored


def money(amount: Decimal | None, currency: str | None) -> str | None:
    if amount is None:
        return None
    return f"{amount.quantize(Decimal('0.01'))} {currency or ''}".strip()


def channels_to_try(requested: str | None, automatic: bool) -> Sequence[str]:
    if requested is not None:
        return (requested,)
    return AUTOMATIC_CHANNELS if automatic else ANY_CHANNEL


def app_after(
    current: Mapping[str, Any] | None, *, installed: bool, at: datetime
) -> dict[str, Any] | None:
    """N2: whether the client has the app after an app fact at `at`, or None when the fact
    changes nothing (the newest fact decides; facts arrive in any order, and one at the
    same instant as the fact on record does not override it)."""
    if current and current.get("at") is not None and current["at"] >= at:
        return None
    return {"on": installed, "at": at}
