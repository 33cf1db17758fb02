"""How the crm service is assembled."""

from __future__ import annotations

from datetime import datetime

from plumbing import topics
from plumbing.app import Job, Runtime, ServiceDefinition
from plumbing.live_graph import feed_task

from crm.adapters.studios import studios_for
from crm.adapters.tenant_storage import OUTBOX_COLLECTIONS
from crm.entrypoints.consumer import batch_handlers, handlers
from crm.graphql.live_facts import FACT_REPORTS, FACTS_FEED, fact_keys
from crm.graphql.schema import schema
from crm.messages import MESSAGES
from crm.service_layer.ports import FUNNELS, READ_MODELS, TASKS
from crm.service_layer.totals import recount_many


async def setup(runtime: Runtime) -> None:
    await (await studios_for(runtime.db, runtime.store())).prepare()


async def daily(runtime: Runtime, now: datetime, tenant: str | None) -> object:
    """Re-evaluate every client's totals as time passes (see `recount`)."""
    studios = await studios_for(runtime.db, runtime.store())
    # The periodic run: only studios whose totals were last evaluated another day.
    tenants = [tenant] if tenant is not None else await studios.stale(now.date().isoformat())
    if not tenants:
        return {}
    counted = await recount_many(studios, tenants, now)
    done = {name: sum(totals.values()) for name, totals in counted.items()}
    return done


def definition() -> ServiceDefinition:
    return ServiceDefinition(
        name="crm",
        schema=schema,
        outbox_collections=OUTBOX_COLLECTIONS,
        aggregates=[TASKS, FUNNELS],
        read_models=READ_MODELS,
        consume_topics=topics.ALL,
        handlers=handlers,
        batch_handlers=batch_handlers,
        setup=setup,
        jobs=(Job(name="crm_daily", every_seconds=3600, run=daily),),
        messages=MESSAGES,
        # The consumer reports what it did with each partner fact; every API replica's
        # feed reads the reports for the live counters and outcomes.
        fact_reports=FACT_REPORTS,
        api_tasks=(feed_task(FACTS_FEED, (topics.CRM,), fact_keys),),
    )
