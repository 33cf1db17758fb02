"""Every query crm sends to MongoDB, recorded from the driver while the consumer applies
facts, the summary and the K4 lists are read and the daily job runs, each served by an
index (`plumbing.storage.indexes`: the `_id` index, the port's declared indexes, or the
daily job's `crm.adapters.studios.INDEXES`)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace
from typing import cast

import pytest
from crm.adapters.studios import INDEXES, MongoStudios
from crm.adapters.tenant_storage import tenant_storage
from crm.entrypoints.consumer import handlers
from crm.events import BookingMade, SessionScheduled, catalog
from crm.service_layer import planning
from crm.service_layer.ports import FUNNELS, READ_MODELS, TASKS
from crm.service_layer.summary import load
from crm.service_layer.totals import recount_many
from plumbing.app import Runtime
from plumbing.envelope import Envelope
from plumbing.mongo import Doc
from plumbing.outbox import HINTS, Outbox
from plumbing.storage.indexes import QueryLog, serving_index
from plumbing.storage.mongodb import MongoStorage, indexes
from plumbing.testing import recorded_database
from pymongo.asynchronous.database import AsyncDatabase

TENANT = "t-queries"
STARTS = datetime.now(UTC).replace(microsecond=0) + timedelta(days=2)
BOOKED = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)


@pytest.fixture
async def recorded() -> AsyncIterator[tuple[AsyncDatabase[Doc], QueryLog]]:
    async with recorded_database("crm_queries") as recording:
        yield recording


def events() -> list[Envelope]:
    card = Envelope(
        type="clients.client_created.v1",
        source="clients",
        tenant=TENANT,
        subject="ana",
        data={"client_id": "ana", "first_name": "A", "last_name": "B", "birth_date": "1990-05-01"},
    )
    session = SessionScheduled(session_id="s1", service_id="yoga", starts_at=STARTS, capacity=8)
    booking = BookingMade(booking_id="b1", client_id="ana", session_id="s1", occurred_at=BOOKED)
    return [
        card,
        catalog.envelope(session, tenant=TENANT, subject=None),
        catalog.envelope(booking, tenant=TENANT, subject="ana"),
    ]


async def test_every_mongodb_query_of_crm_has_its_index(
    recorded: tuple[AsyncDatabase[Doc], QueryLog],
) -> None:
    db, log = recorded
    storage = MongoStorage(db)
    await storage.prepare([TASKS, FUNNELS], READ_MODELS)
    studios = MongoStudios(db, storage)
    await studios.prepare()
    log.clear()

    runtime = SimpleNamespace(db=db, store=lambda: storage, outbox=Outbox(db))
    table = handlers(cast(Runtime, runtime))
    for event in events():
        await table[event.type](event)
    crm = tenant_storage(storage, db, TENANT)
    await load(crm.views, STARTS.date(), "DAY", None, (await crm.studio()).zone)
    await planning.create_task(
        crm.plans,
        crm.views,
        title="call",
        due_at=None,
        priority="HIGH",
        assignee_id=None,
        client_id="ana",
        now=BOOKED,
    )
    await planning.tasks_page(crm.plans, False, 5)
    await planning.tasks_page(crm.plans, None, 5)
    await planning.funnels_page(crm.plans, 5)
    await recount_many(studios, await studios.stale(date.today().isoformat()), BOOKED)

    declared = [*indexes([TASKS, FUNNELS], READ_MODELS), *INDEXES]
    uses = [u for u in log.uses() if u.collection != HINTS]
    served = [serving_index(u.collection, u.filter, declared, u.sort) for u in uses]
    unserved = [(u.collection, u.filter) for u, i in zip(uses, served, strict=True) if i is None]
    shapes = {
        (u.command, u.collection, str(sorted(u.filter)), i.name if i else "NONE")
        for u, i in zip(uses, served, strict=True)
    }
    print("\n" + "\n".join(f"{c:8} {coll:16} {f:40} {i}" for c, coll, f, i in sorted(shapes)))
    assert unserved == []
    # The dashboards' reads: the summary's documents by `_id`, the open tasks by `done`.
    names = {(u.collection, i.name) for u, i in zip(uses, served, strict=True) if i}
    assert {
        ("periods", "_id_"),
        ("tasks", "tenant_1_done_1"),
        ("funnels", "tenant_1__id_1"),
    } <= names
    assert {("profiles", "tenant_1"), ("periods", "as_of_1")} <= names
