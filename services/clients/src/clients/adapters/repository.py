"""MongoDB storage of the clients context. Every read and write is tenant-scoped here.

Collections:
- `studios`: one document per tenant (`<tenant>:studio`), branches inside it.
- `clients`: one document per client card; its events ride in its `_outbox`.
- `client_keys`: `<tenant>:email:<email>` / `<tenant>:phone:<e164>` -> client id. An
  insert with a unique `_id` is how two concurrent creations of the same email are told
  apart without a transaction; a key whose client no longer exists is stale and reused.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from plumbing.contracts import EventData
from plumbing.mongo import Doc, DuplicateKeyError, TenantCollection
from plumbing.outbox import Outbox, stored, with_events
from pymongo.asynchronous.database import AsyncDatabase

from clients.events import catalog

STUDIOS = "studios"
CLIENTS = "clients"
KEYS = "client_keys"
STUDIO_ID = "studio"
OUTBOX_COLLECTIONS = (STUDIOS, CLIENTS)


class Repository:
    def __init__(self, db: AsyncDatabase[Doc], tenant: str, outbox: Outbox) -> None:
        self.tenant = tenant
        self.studios = TenantCollection(db[STUDIOS], tenant)
        self.clients = TenantCollection(db[CLIENTS], tenant)
        self.keys = TenantCollection(db[KEYS], tenant)
        self._outbox = outbox

    def _entries(self, events: Sequence[EventData], subject: str | None) -> list[Doc]:
        out = []
        for data in events:
            envelope = catalog.envelope(data, tenant=self.tenant, subject=subject)
            out.append(stored(envelope, catalog.type_of(data).topic))
        return out

    # ------------------------------------------------------------------ studio
    async def studio(self) -> Doc | None:
        return await self.studios.get(STUDIO_ID)

    async def save_studio(self, update: Mapping[str, Any], events: Sequence[EventData]) -> Doc:
        doc = await self.studios.update(
            {"_id": STUDIO_ID}, with_events(update, self._entries(events, None)), upsert=True
        )
        assert doc is not None  # upsert always returns the document
        if events:
            await self._outbox.written(STUDIOS, doc["_id"])
        return doc

    # ------------------------------------------------------------------ clients
    async def client(self, client_id: str) -> Doc | None:
        return await self.clients.get(client_id, {"_outbox": 0, "_events": 0})

    async def clients_by_ids(self, ids: Sequence[str]) -> dict[str, Doc]:
        docs = await self.clients.find(
            {"_id": {"$in": [self.clients.key(i) for i in ids]}},
            projection={"_outbox": 0, "_events": 0},
        )
        return {doc["id"]: doc for doc in docs}

    async def insert_client(self, doc: Doc, events: Sequence[EventData]) -> Doc:
        body = dict(doc)
        body["_id"] = doc["id"]
        body["_outbox"] = self._entries(events, doc["id"])
        saved = await self.clients.insert(body)
        await self._outbox.written(CLIENTS, saved["_id"])
        return saved

    async def update_client(
        self,
        client_id: str,
        update: Mapping[str, Any],
        events: Sequence[EventData],
        *,
        guard: Mapping[str, Any] | None = None,
    ) -> Doc | None:
        doc = await self.clients.update(
            {"_id": client_id, **(guard or {})},
            with_events(update, self._entries(events, client_id)),
        )
        if doc is not None and events:
            await self._outbox.written(CLIENTS, doc["_id"])
        return doc

    async def find_clients(
        self,
        filter: Mapping[str, Any],
        *,
        sort: Sequence[tuple[str, int]],
        limit: int,
    ) -> list[Doc]:
        return await self.clients.find(
            filter, projection={"_outbox": 0, "_events": 0}, sort=sort, limit=limit
        )

    async def count_clients(self, filter: Mapping[str, Any]) -> int:
        return await self.clients.count(filter)

    # ------------------------------------------------------------------ unique keys
    async def claim_key(self, kind: str, value: str, client_id: str) -> str | None:
        """Reserve an email/phone for a client; returns the id of the client holding it."""
        key = f"{kind}:{value}"
        for _ in range(3):
            try:
                await self.keys.insert({"_id": key, "client_id": client_id})
                return None
            except DuplicateKeyError:
                holder = await self.keys.get(key)
                if holder is None:
                    continue
                holder_id = str(holder["client_id"])
                if holder_id == client_id:
                    return None
                existing = await self.clients.get(holder_id, {"status": 1, "erased": 1})
                if existing is not None and not existing.get("erased"):
                    return holder_id
                # Stale: its client was never written or was erased. Take it over.
                await self.keys.delete({"_id": key, "client_id": holder_id})
        return None

    async def release_key(self, kind: str, value: str, client_id: str) -> None:
        await self.keys.delete({"_id": f"{kind}:{value}", "client_id": client_id})
