"""What the notifications consumer does with other contexts' events."""

from __future__ import annotations

from collections.abc import Mapping

from plumbing import readers
from plumbing.app import Runtime
from plumbing.consumer import Handler
from plumbing.envelope import Envelope
from plumbing.studio import remember_studio

from notifications.adapters.recipients import ensure_recipient


def handlers(runtime: Runtime) -> Mapping[str, Handler]:
    db = runtime.db

    async def client_created(event: Envelope) -> None:
        data = readers.ClientCreatedRead.model_validate(event.data)
        await ensure_recipient(
            db,
            event.tenant,
            data.client_id,
            {
                "first_name": data.first_name,
                "last_name": data.last_name,
                "email": data.email,
                "phone": data.phone,
                "language": data.language,
            },
        )

    async def studio_updated(event: Envelope) -> None:
        await remember_studio(db, event)

    return {readers.CLIENT_CREATED: client_created, readers.STUDIO_UPDATED: studio_updated}
