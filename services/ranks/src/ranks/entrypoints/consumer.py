"""What the ranks consumer does with other contexts' events."""

from __future__ import annotations

from collections.abc import Mapping

from plumbing import readers
from plumbing.app import Runtime
from plumbing.consumer import Handler
from plumbing.envelope import Envelope

from ranks.adapters.members import ensure_member, forget_member


def handlers(runtime: Runtime) -> Mapping[str, Handler]:
    db = runtime.db

    async def client_created(event: Envelope) -> None:
        data = readers.ClientCreatedRead.model_validate(event.data)
        await ensure_member(
            db,
            event.tenant,
            data.client_id,
            first_name=data.first_name,
            last_name=data.last_name,
            at=event.time,
        )

    async def client_erased(event: Envelope) -> None:
        data = readers.ClientErasedRead.model_validate(event.data)
        await forget_member(db, event.tenant, data.client_id)

    return {readers.CLIENT_CREATED: client_created, readers.CLIENT_ERASED: client_erased}
