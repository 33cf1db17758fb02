"""Registering and unregistering a client's push devices (`registerDevice`,
`unregisterDevice`): the app, signed in as the client, for their own card."""

from __future__ import annotations

from datetime import datetime

from notifications.domain.devices import Device, checked_token, registered, unregistered
from notifications.service_layer.ports import Notices


async def register_device(
    notices: Notices, client_id: str, *, token: str, platform: str, now: datetime
) -> list[Device]:
    """The client's devices after registering this one (the newest; the oldest dropped
    past the cap). Raises `DeviceRefused` for a bad token or platform."""
    device = Device(checked_token(token), platform, now)
    devices = registered(await notices.devices(client_id), device)
    await notices.save_devices(client_id, devices)
    return devices


async def unregister_device(notices: Notices, client_id: str, *, token: str) -> list[Device]:
    """The client's devices without this token (signing out of the app); unregistering a
    token that is not there changes nothing."""
    devices = await notices.devices(client_id)
    remaining = unregistered(devices, checked_token(token))
    if len(remaining) != len(devices):
        await notices.save_devices(client_id, remaining)
    return remaining
