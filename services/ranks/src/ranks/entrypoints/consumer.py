"""What the ranks consumer does with other contexts' events, and the seniority job."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime, tzinfo
from typing import Any

from plumbing import bounds, readers
from plumbing.app import Runtime
from plumbing.envelope import Envelope
from plumbing.event_handlers import Handler, Pending, Rejected
from plumbing.logs import get_logger
from plumbing.studio import remember_studio
from pydantic import ValidationError

from ranks.adapters.tenant_storage import TenantStorage, tenant_storage
from ranks.events import VISIT_RECORDED, VisitRead
from ranks.service_layer import rank_changes
from ranks.service_layer.programs import current_program
from ranks.service_layer.seniority import run_seniority

log = get_logger("ranks.consumer")


# A visit needs the program and the studio's time zone. Both change rarely, and the
# consumer is on the hot path of every visit: keep them in memory briefly (a criteria
# change made within this window applies from the next window on).
PROGRAM_TTL_SECONDS = 2.0
STUDIO_TTL_SECONDS = 30.0


class _Recent:
    def __init__(self, ttl: float) -> None:
        self.ttl = ttl
        self._items: dict[str, tuple[float, Any]] = {}

    async def get(self, key: str, load: Callable[[], Awaitable[Any]]) -> Any:
        now = time.monotonic()
        found = self._items.get(key)
        if found is not None and now - found[0] < self.ttl:
            return found[1]
        value = await load()
        if len(self._items) > 10_000:
            self._items.clear()
        self._items[key] = (now, value)
        return value


def handlers(runtime: Runtime) -> Mapping[str, Handler]:
    db = runtime.db
    programs = _Recent(PROGRAM_TTL_SECONDS)
    zones = _Recent(STUDIO_TTL_SECONDS)

    def store(tenant: str) -> TenantStorage:
        return tenant_storage(runtime.store(), db, tenant)

    async def client_created(event: Envelope) -> None:
        data = readers.ClientCreatedRead.model_validate(event.data)
        await rank_changes.client_arrived(
            store(event.tenant).cards, data.client_id, event.id, event.time
        )

    async def client_erased(event: Envelope) -> None:
        data = readers.ClientErasedRead.model_validate(event.data)
        s = store(event.tenant)
        program = await current_program(s.programs)
        await rank_changes.forget(s.members, s.cards, s.roster, program, data.client_id, event.id)

    async def studio_updated(event: Envelope) -> None:
        await remember_studio(db, event)

    async def visit_recorded(event: Envelope) -> None:
        try:
            visit = VisitRead.model_validate(event.data)
        except ValidationError as exc:
            reason = bounds.refusal(exc) or f"invalid visit_recorded data: {exc.errors()[:3]}"
            raise Rejected(reason) from exc
        s = store(event.tenant)
        program = await programs.get(event.tenant, lambda: current_program(s.programs))
        zone = await zones.get(event.tenant, lambda: _zone(s))
        try:
            changed = await rank_changes.record_visit(
                s.members, s.cards, s.roster, program, visit, runtime.clock.now(), zone
            )
        except rank_changes.UnknownClient:
            # Its card is on another topic and may come later: the visit waits for it.
            raise Pending(
                f"unknown client {visit.client_id!r}: its card has not arrived", "UNKNOWN_CLIENT"
            ) from None
        log.debug("visit_counted", tenant=event.tenant, client_id=visit.client_id, changed=changed)

    return {
        readers.CLIENT_CREATED: client_created,
        readers.CLIENT_ERASED: client_erased,
        readers.STUDIO_UPDATED: studio_updated,
        VISIT_RECORDED: visit_recorded,
    }


async def _zone(s: TenantStorage) -> tzinfo:
    return (await s.settings()).zone


async def seniority(runtime: Runtime, now: datetime, tenant: str | None) -> dict[str, int]:
    """Re-evaluate what time in rank has earned (R5), for one studio or every studio
    with its program on (`ranks.service_layer.seniority`)."""
    run = await run_seniority(
        lambda name: tenant_storage(runtime.store(), runtime.db, name), tenant, now
    )
    return {"tenants": run.tenants, "checked": run.checked, "changed": run.changed}
