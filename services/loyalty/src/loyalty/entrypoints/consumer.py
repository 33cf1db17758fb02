"""What the loyalty consumer does with other contexts' events."""

from __future__ import annotations

from collections.abc import Mapping

from plumbing import readers
from plumbing.app import Runtime
from plumbing.consumer import Handler
from plumbing.envelope import Envelope
from plumbing.studio import remember_studio

from loyalty.adapters.accounts import open_account


def handlers(runtime: Runtime) -> Mapping[str, Handler]:
    db = runtime.db

    async def client_created(event: Envelope) -> None:
        data = readers.ClientCreatedRead.model_validate(event.data)
        await open_account(db, event.tenant, data.client_id, event.time)

    async def studio_updated(event: Envelope) -> None:
        await remember_studio(db, event)

    return {readers.CLIENT_CREATED: client_created, readers.STUDIO_UPDATED: studio_updated}
