"""How the loyalty service is assembled: schema, collections, topics, jobs."""

from __future__ import annotations

from datetime import datetime

from plumbing import topics
from plumbing.app import Job, Runtime, ServiceDefinition

from loyalty.adapters.accounts import ACCOUNTS
from loyalty.adapters.automations import AUTOMATION_SETS, AUTOMATIONS
from loyalty.adapters.programs import PROGRAM_VERSIONS
from loyalty.adapters.tenant_storage import LoyaltyStores
from loyalty.entrypoints.consumer import batch_handlers, handlers
from loyalty.graphql.schema import schema
from loyalty.messages import MESSAGES as CATALOG
from loyalty.service_layer import automations, points, reminders


async def _tenants(runtime: Runtime, tenant: str | None) -> list[str]:
    if tenant is not None:
        return [tenant]
    # Only studios with a BIRTHDAY automation in force can have birthday grants; studios
    # whose automations are still in their earlier document are asked too (one small
    # collection, on MongoDB the same one).
    found = await runtime.store().across_tenants(AUTOMATION_SETS, {"birthday": True})
    earlier = await runtime.db[AUTOMATIONS].distinct("tenant")
    return sorted({c.tenant for c in found} | {str(t) for t in earlier})


def _stores(runtime: Runtime) -> LoyaltyStores:
    return LoyaltyStores(runtime.store(), runtime.db)


async def expire_points(runtime: Runtime, now: datetime, tenant: str | None) -> object:
    return {"expired_points": await points.expire(_stores(runtime), tenant, now)}


async def birthday_points(runtime: Runtime, now: datetime, tenant: str | None) -> object:
    granted = 0
    for one in await _tenants(runtime, tenant):
        granted += await automations.birthdays(_stores(runtime).tenant(one), now)
    return {"granted": granted}


async def expiry_reminders(runtime: Runtime, now: datetime, tenant: str | None) -> object:
    return {"reminded": await reminders.remind_expiring(_stores(runtime), tenant, now)}


def definition() -> ServiceDefinition:
    return ServiceDefinition(
        name="loyalty",
        schema=schema,
        aggregates=(ACCOUNTS, PROGRAM_VERSIONS, AUTOMATION_SETS),
        consume_topics=(
            topics.CLIENTS,
            topics.INGEST_SALES,
            topics.INGEST_BOOKINGS,
            topics.RANKS,  # client_promoted: promotion rewards (B4)
        ),
        handlers=handlers,
        batch_handlers=batch_handlers,
        jobs=(
            Job("expire_points", every_seconds=3600, run=expire_points),
            Job("birthday_points", every_seconds=3600, run=birthday_points),
            Job("expiry_reminders", every_seconds=3600, run=expiry_reminders),
        ),
        messages=CATALOG,
    )
