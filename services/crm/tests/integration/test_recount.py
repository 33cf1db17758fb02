"""The daily recount of several studios in one pass over the profiles (a `tenant` filter
is a full scan on FerretDB): each studio gets its own totals, others are left alone."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from crm.adapters.studios import studios_for
from crm.entrypoints.consumer import handlers
from crm.service_layer.totals import recount_many
from crm.testing import runtime_of
from plumbing.envelope import Envelope
from plumbing.mongo import Doc
from plumbing.storage import storage_for
from plumbing.testing import scratch_database
from pymongo.asynchronous.database import AsyncDatabase

NOW = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
async def db() -> AsyncIterator[AsyncDatabase[Doc]]:
    async with scratch_database("crm_recount") as scratch:
        yield scratch


async def cards(db: AsyncDatabase[Doc], tenant: str, genders: list[str]) -> None:
    table = handlers(runtime_of(db))
    for i, gender in enumerate(genders):
        client_id = f"{tenant}-c{i}"
        await table["clients.client_created.v1"](
            Envelope(
                type="clients.client_created.v1",
                source="test",
                tenant=tenant,
                subject=client_id,
                data={
                    "client_id": client_id,
                    "first_name": "A",
                    "last_name": str(i),
                    "gender": gender,
                    "birth_date": "1990-05-01",
                },
            )
        )


async def totals(db: AsyncDatabase[Doc], tenant: str) -> Doc:
    return await storage_for(db).read_model("periods", tenant).get("totals") or {}


async def test_each_studio_is_recounted_from_its_own_clients(db: AsyncDatabase[Doc]) -> None:
    await cards(db, "north", ["FEMALE", "FEMALE", "MALE"])
    await cards(db, "south", ["MALE"])
    await cards(db, "east", ["FEMALE"])
    east_before = await totals(db, "east")

    counted = await recount_many(await studios_for(db, storage_for(db)), ["north", "south"], NOW)

    assert counted["north"]["all~g~FEMALE"] == 2
    assert counted["north"]["all~g~MALE"] == 1
    assert counted["north"]["all~a~35-44"] == 3
    assert counted["south"] == {"all~g~MALE": 1, "all~a~35-44": 1}
    for tenant in ("north", "south"):
        stored = await totals(db, tenant)
        assert stored["as_of"] == "2026-06-01"
        assert stored["c"] == counted[tenant]
    assert await totals(db, "east") == east_before  # not asked: untouched
