"""What the crm consumer does with other contexts' events."""

from __future__ import annotations

from collections.abc import Mapping

from plumbing import readers
from plumbing.app import Runtime
from plumbing.consumer import Handler
from plumbing.envelope import Envelope
from plumbing.studio import remember_studio

from crm.adapters.profiles import add_timeline_entry, ensure_profile


def handlers(runtime: Runtime) -> Mapping[str, Handler]:
    db = runtime.db

    async def client_created(event: Envelope) -> None:
        data = readers.ClientCreatedRead.model_validate(event.data)
        await ensure_profile(
            db,
            event.tenant,
            data.client_id,
            {
                "first_name": data.first_name,
                "last_name": data.last_name,
                "gender": data.gender,
                "birth_date": data.birth_date.isoformat() if data.birth_date else None,
                "status": data.status,
            },
        )
        await add_timeline_entry(
            db,
            event.tenant,
            event_id=event.id,
            client_id=data.client_id,
            at=event.time,
            kind=event.fact,
            summary=f"Client card created for {data.first_name} {data.last_name}",
            source=event.source,
        )

    async def studio_updated(event: Envelope) -> None:
        await remember_studio(db, event)

    return {readers.CLIENT_CREATED: client_created, readers.STUDIO_UPDATED: studio_updated}
