"""A client's push devices: the tokens their app registered (`registerDevice`), where a
PUSH message goes.

A card keeps at most `MAX_DEVICES` (a phone, a tablet, a new phone before the old one
signs out): registering one more drops the one registered longest ago, so a client who
changes phones often never grows a list the push provider keeps refusing. A token
registered again (the app starts, the provider renews it) moves to the newest place and
takes the platform it names now.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

MAX_DEVICES = 5
# Push providers' tokens: FCM's are about 160 characters, APNs' 64 hex digits.
MAX_TOKEN_LENGTH = 4096
PLATFORMS = ("ANDROID", "IOS")


class DeviceRefused(ValueError):
    def __init__(self, message: str, code: str, field: str) -> None:
        super().__init__(message)
        self.code = code
        self.field = field


@dataclass(frozen=True, slots=True)
class Device:
    token: str
    platform: str
    registered_at: datetime


def checked_token(token: str) -> str:
    token = token.strip()
    if not token or len(token) > MAX_TOKEN_LENGTH or any(c.isspace() for c in token):
        raise DeviceRefused(
            f"a push token is 1 to {MAX_TOKEN_LENGTH} characters without spaces",
            "INVALID_PUSH_TOKEN",
            "token",
        )
    return token


def registered(devices: Sequence[Device], device: Device) -> list[Device]:
    """`devices` with `device` as the newest, the oldest dropped past `MAX_DEVICES`."""
    if device.platform not in PLATFORMS:
        raise DeviceRefused("unknown platform", "INVALID_DATA", "platform")
    kept = [d for d in devices if d.token != device.token]
    kept.append(device)
    kept.sort(key=lambda d: d.registered_at)
    return kept[-MAX_DEVICES:]


def unregistered(devices: Sequence[Device], token: str) -> list[Device]:
    return [d for d in devices if d.token != token.strip()]


def still_installed(devices: Sequence[Device], uninstalled_at: datetime) -> list[Device]:
    """What survives an app fact saying the app is gone (a logout or an uninstall bounce
    at `uninstalled_at`): only devices registered after it."""
    return [d for d in devices if d.registered_at > uninstalled_at]


def as_doc(devices: Sequence[Device]) -> list[dict[str, object]]:
    return [
        {"token": d.token, "platform": d.platform, "registered_at": d.registered_at}
        for d in devices
    ]


def from_doc(raw: object) -> list[Device]:
    if not isinstance(raw, list):
        return []
    return [
        Device(str(d["token"]), str(d["platform"]), d["registered_at"])
        for d in raw
        if isinstance(d, dict) and d.get("token") and isinstance(d.get("registered_at"), datetime)
    ]
