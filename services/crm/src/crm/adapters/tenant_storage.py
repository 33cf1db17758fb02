"""What crm's use cases of one studio work with, opened once per request or event: the
read models and tasks and funnels behind the storage port, the timelines, the facts
recorded through the graph, and the studio's settings."""

from __future__ import annotations

from dataclasses import dataclass

from plumbing.gql import RequestContext
from plumbing.mongo import Doc
from plumbing.outbox import Outbox
from plumbing.storage import Storage
from plumbing.studio import StudioSettings, studio_settings
from pymongo.asynchronous.database import AsyncDatabase

from crm.adapters.recorded_facts import RecordedFactLog
from crm.adapters.timelines import HEADS, PagedTimelines
from crm.service_layer.ports import (
    FACTS,
    Plans,
    ReadModels,
    RecordedFacts,
    plans,
    read_models,
)

# Besides the aggregates (tasks, funnels), whose events the relay finds by their kind:
# the facts recorded through the graph, and the timelines' heads (each entry added).
OUTBOX_COLLECTIONS = (FACTS, HEADS)


@dataclass(frozen=True)
class TenantStorage:
    tenant: str
    views: ReadModels
    plans: Plans
    recorded: RecordedFacts
    db: AsyncDatabase[Doc]

    async def studio(self) -> StudioSettings:
        """The studio's settings (zone, language, currency), remembered briefly."""
        return await studio_settings(self.db, self.tenant)


def tenant_storage(
    storage: Storage, db: AsyncDatabase[Doc], tenant: str, outbox: Outbox | None = None
) -> TenantStorage:
    return TenantStorage(
        tenant=tenant,
        views=read_models(storage, tenant, PagedTimelines(db, tenant, outbox)),
        plans=plans(storage, tenant),
        recorded=RecordedFactLog(db, tenant, outbox),
        db=db,
    )


def request_storage(ctx: RequestContext) -> TenantStorage:
    """The caller's studio's storage, publishing through the request's outbox."""
    if "crm" not in ctx.cache:
        if ctx.storage is None:  # pragma: no cover - wiring error
            raise RuntimeError("the request context was built without storage")
        ctx.cache["crm"] = tenant_storage(ctx.storage, ctx.db, ctx.tenant, ctx.outbox)
    found: TenantStorage = ctx.cache["crm"]
    return found
