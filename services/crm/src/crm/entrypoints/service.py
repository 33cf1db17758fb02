"""How the crm service is assembled."""

from __future__ import annotations

from datetime import datetime

from plumbing import topics
from plumbing.app import Job, Runtime, ServiceDefinition

from crm.adapters.store import OUTBOX_COLLECTIONS, PERIODS, PROFILES
from crm.entrypoints.consumer import batch_handlers, handlers
from crm.graphql.schema import schema
from crm.service_layer.projections import recount_many


async def setup(runtime: Runtime) -> None:
    await runtime.db[PROFILES].create_index([("tenant", 1)])


async def daily(runtime: Runtime, now: datetime, tenant: str | None) -> object:
    """Re-evaluate every client's totals as time passes (see `recount`)."""
    if tenant is None:
        # The periodic run: only studios whose totals were last evaluated another day.
        today = now.date().isoformat()
        stale = (
            await runtime.db[PERIODS]
            .find({"as_of": {"$exists": True, "$ne": today}}, {"tenant": 1})
            .to_list()
        )
        tenants = [str(doc["tenant"]) for doc in stale]
    else:
        tenants = [tenant]
    if not tenants:
        return {}
    counted = await recount_many(runtime.db, tenants, now)
    done = {name: sum(totals.values()) for name, totals in counted.items()}
    return done


def definition() -> ServiceDefinition:
    return ServiceDefinition(
        name="crm",
        schema=schema,
        outbox_collections=OUTBOX_COLLECTIONS,
        consume_topics=topics.ALL,
        handlers=handlers,
        batch_handlers=batch_handlers,
        setup=setup,
        jobs=(Job(name="crm_daily", every_seconds=3600, run=daily),),
    )
