"""`registerDevice` and `unregisterDevice`: the client's app, signed in as the client
(a CLIENT token), registers the push token of the device it runs on for their own card
(docs/notifications.md, "Push devices"). Anyone else is refused (FORBIDDEN): staff and
partners have no device of a client to register."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import strawberry
from plumbing.auth import Role
from plumbing.enums import AppPlatform
from plumbing.errors import Forbidden
from plumbing.gql import UserError, context_of, user_error
from strawberry.types import Info

from notifications.adapters.notices import request_notices
from notifications.domain.devices import Device, DeviceRefused
from notifications.graphql.client_messages import Client
from notifications.service_layer import devices as use_cases


@strawberry.type(description="A device the client's app registered for push messages.")
class PushDevice:
    token: str = strawberry.field(description="The push provider's token of the device.")
    platform: AppPlatform
    registered_at: datetime


@strawberry.type(description="The client's push devices after the change, oldest first.")
class PushDevicesPayload:
    devices: list[PushDevice] | None
    client: Client | None
    user_errors: list[UserError]


def _answer(devices: list[Device], client_id: str) -> PushDevicesPayload:
    listed = [
        PushDevice(token=d.token, platform=AppPlatform(d.platform), registered_at=d.registered_at)
        for d in devices
    ]
    client = Client(id=strawberry.ID(client_id))
    return PushDevicesPayload(devices=listed, client=client, user_errors=[])


def _own_card(info: Info[Any, Any], client_id: str) -> None:
    principal = context_of(info).principal
    if principal.roles != frozenset({Role.CLIENT}) or principal.client_id != client_id:
        raise Forbidden("only the client's own app registers their devices")


@strawberry.type
class DeviceMutations:
    @strawberry.mutation(
        description="The signed-in client's app registers the push token of its device "
        "for their own card; PUSH messages go to it. At most 5 per card: one more drops "
        "the one registered longest ago. A token registered again becomes the newest."
    )
    async def register_device(
        self, info: Info[Any, Any], client_id: strawberry.ID, token: str, platform: AppPlatform
    ) -> PushDevicesPayload | None:
        _own_card(info, str(client_id))
        ctx = context_of(info)
        try:
            devices = await use_cases.register_device(
                request_notices(ctx),
                str(client_id),
                token=token,
                platform=platform.value,
                now=ctx.now(),
            )
        except DeviceRefused as exc:
            refused = user_error(str(exc), exc.code, exc.field)
            return PushDevicesPayload(devices=None, client=None, user_errors=[refused])
        return _answer(devices, str(client_id))

    @strawberry.mutation(
        description="The signed-in client's app removes its device (signing out): no more "
        "push messages to it. A token that is not registered changes nothing."
    )
    async def unregister_device(
        self, info: Info[Any, Any], client_id: strawberry.ID, token: str
    ) -> PushDevicesPayload | None:
        _own_card(info, str(client_id))
        ctx = context_of(info)
        try:
            devices = await use_cases.unregister_device(
                request_notices(ctx), str(client_id), token=token
            )
        except DeviceRefused as exc:
            refused = user_error(str(exc), exc.code, exc.field)
            return PushDevicesPayload(devices=None, client=None, user_errors=[refused])
        return _answer(devices, str(client_id))
