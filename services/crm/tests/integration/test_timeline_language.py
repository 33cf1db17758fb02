"""The Italian timeline of a BELTS studio (tests/e2e/test_language.py's journey, without
Kafka): a card created, a belt assigned and a sale, each applied by crm's consumer as the
other contexts publish them, then worded as `Client.timeline` words them for a reader
asking in Italian: the studio's word (cintura), the amount in euros the Italian way, and
nothing in Spanish or raw."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from crm.adapters.tenant_storage import tenant_storage
from crm.domain.timeline import summarise
from crm.entrypoints.consumer import handlers
from crm.events import Payment, PurchaseLine, PurchaseRecorded, catalog
from crm.testing import runtime_of
from plumbing.envelope import Envelope
from plumbing.mongo import Doc
from plumbing.testing import scratch_database
from pymongo.asynchronous.database import AsyncDatabase

TENANT = "t-belts-it"
AT = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


@pytest.fixture
async def db() -> AsyncIterator[AsyncDatabase[Doc]]:
    async with scratch_database("crm_language") as scratch:
        yield scratch


def events() -> list[Envelope]:
    created = Envelope(
        type="clients.client_created.v1",
        source="clients",
        tenant=TENANT,
        subject="lia",
        data={
            "client_id": "lia",
            "first_name": "Lia",
            "last_name": "Cinture",
            "status": "ACTIVE",
            "source": "MANUAL",
        },
    )
    # ranks.events.RankAssigned, as the ranks context publishes it.
    assigned = Envelope(
        type="ranks.rank_assigned.v1",
        source="ranks",
        tenant=TENANT,
        subject="lia",
        data={
            "change_id": "ch-1",
            "client_id": "lia",
            "category_id": "cat-1",
            "category_name": "Karate",
            "rank_id": "r-white",
            "rank_name": "Bianca",
            "rank_position": 0,
            "trigger": "MANUAL",
            "terminology": "BELTS",
            "at": AT.isoformat(),
        },
    )
    sale = PurchaseRecorded(
        invoice_number="L-1",
        client_id="lia",
        occurred_at=AT,
        lines=[PurchaseLine(category="SERVICE", item_id="s", name="Lezione", amount="1250.50")],
        payments=[Payment(method="CASH", amount="1250.50")],
    )
    return [created, assigned, catalog.envelope(sale, tenant=TENANT, subject="lia")]


async def test_an_italian_reader_of_a_belts_studio_reads_only_italian(
    db: AsyncDatabase[Doc],
) -> None:
    table = handlers(runtime_of(db))
    for event in events():
        await table[event.type](event)
    crm = tenant_storage(runtime_of(db).store(), db, TENANT)
    currency = (await crm.studio()).currency
    entries = await crm.views.timelines.newest("lia", 50, None)
    summaries = [
        summarise(e["type"], e.get("data") or {}, "it", currency=currency) for e in entries
    ]
    assert "Cintura assegnata: Bianca" in summaries, summaries
    assert "Acquisto L-1: 1.250,50 €" in summaries, summaries
    assert "Scheda cliente creata per Lia Cinture" in summaries, summaries
    spanish_or_raw = ("Rango", "Cuota", "Compra", "asignado", "ACTIVE", "EUR")
    assert not [s for s in summaries if any(word in s for word in spanish_or_raw)], summaries
