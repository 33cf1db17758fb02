"""What the ranks consumer does with other contexts' events, and the seniority job."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime, tzinfo
from typing import Any

from plumbing import readers
from plumbing.app import Runtime
from plumbing.consumer import Handler, Rejected
from plumbing.envelope import Envelope
from plumbing.logs import get_logger
from plumbing.studio import remember_studio, studio_settings
from pydantic import ValidationError

from ranks.adapters.store import PROGRAMS, Store
from ranks.events import VISIT_RECORDED, VisitRead
from ranks.service_layer import holdings

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

    def store(tenant: str) -> Store:
        return Store(db, tenant, runtime.outbox)

    async def client_created(event: Envelope) -> None:
        data = readers.ClientCreatedRead.model_validate(event.data)
        await store(event.tenant).ensure_member(data.client_id, event.time)

    async def client_erased(event: Envelope) -> None:
        data = readers.ClientErasedRead.model_validate(event.data)
        s = store(event.tenant)
        program = await s.program()
        await s.forget_member(data.client_id, [c.id for c in program.categories])

    async def studio_updated(event: Envelope) -> None:
        await remember_studio(db, event)

    async def visit_recorded(event: Envelope) -> None:
        try:
            visit = VisitRead.model_validate(event.data)
        except ValidationError as exc:
            raise Rejected(f"invalid visit_recorded data: {exc.errors()[:3]}") from exc
        s = store(event.tenant)
        program = await programs.get(event.tenant, s.program)
        zone = await zones.get(event.tenant, lambda: _zone(db, event.tenant))
        try:
            changed = await holdings.record_visit(s, program, visit, runtime.clock.now(), zone)
        except holdings.UnknownClient:
            raise Rejected(
                f"unknown client {visit.client_id!r} in tenant {event.tenant!r}"
            ) from None
        log.debug("visit_counted", tenant=event.tenant, client_id=visit.client_id, changed=changed)

    return {
        readers.CLIENT_CREATED: client_created,
        readers.CLIENT_ERASED: client_erased,
        readers.STUDIO_UPDATED: studio_updated,
        VISIT_RECORDED: visit_recorded,
    }


async def _zone(db: Any, tenant: str) -> tzinfo:
    return (await studio_settings(db, tenant)).zone


async def seniority(runtime: Runtime, now: datetime, tenant: str | None) -> dict[str, int]:
    """Re-evaluate what time in rank has earned (R5). Idempotent and safe in several
    replicas: each change is a version-guarded write, and an eligibility is announced
    once (the holding remembers it)."""
    if tenant is None:
        docs = await runtime.db[PROGRAMS].find({"enabled": True}, {"tenant": 1}).to_list()
        tenants = sorted({d["tenant"] for d in docs if d.get("tenant")})
    else:
        tenants = [tenant]
    checked = changed = 0
    for name in tenants:
        s = Store(runtime.db, name, runtime.outbox)
        program = await s.program()
        if not program.enabled:
            continue
        zone = (await studio_settings(runtime.db, name)).zone
        for client_id in await holdings.seniority_due(s, program, now, zone):
            checked += 1
            if await holdings.reevaluate(s, program, client_id, now, zone):
                changed += 1
    return {"tenants": len(tenants), "checked": checked, "changed": changed}
