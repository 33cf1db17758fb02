"""Facts recorded through the graph: one insert into `facts`, keyed by the fact's
natural id, with its events in the document's `_outbox` (the relay publishes them). The
consumer then claims the same key with the same event id and completes the fact
(`crm.service_layer.partner_facts.claim`), so both paths meet in one document."""

from __future__ import annotations

from collections.abc import Sequence

from plumbing.envelope import Envelope
from plumbing.mongo import Doc, DuplicateKeyError
from plumbing.outbox import Outbox, stored
from plumbing.tenant_collection import TenantCollection
from pymongo.asynchronous.database import AsyncDatabase

from crm.events import catalog
from crm.service_layer.ports import FACTS

HIDDEN = {"_outbox": 0, "_events": 0}


class RecordedFactLog:
    def __init__(self, db: AsyncDatabase[Doc], tenant: str, outbox: Outbox | None) -> None:
        self._facts = TenantCollection(db[FACTS], tenant)
        self._outbox = outbox

    async def record(self, key: str, envelopes: Sequence[Envelope], body: Doc) -> Doc:
        doc = {
            "_id": key,
            "event_id": envelopes[0].id,
            **body,
            "_outbox": [stored(e, catalog.topic_of(e.type)) for e in envelopes],
        }
        try:
            saved = await self._facts.insert(doc)
        except DuplicateKeyError:
            existing = await self._facts.get(key, HIDDEN)
            assert existing is not None
            existing["duplicate"] = True
            return existing
        if self._outbox is not None:
            await self._outbox.written(FACTS, saved["_id"])
        return saved
