"""MongoDB storage of the clients context. Every read and write is tenant-scoped here.

Collections:
- `studios`: one document per tenant (`<tenant>:studio`), branches inside it.
- `clients`: one document per client card; its events ride in its `_outbox`.
- `client_keys`: `<tenant>:email:<email>` / `<tenant>:phone:<e164>` -> client id. An
  insert with a unique `_id` is how two concurrent creations of the same email are told
  apart without a transaction; a key whose client no longer exists is stale and reused.
- `custom_fields`: one document per tenant (`<tenant>:definitions`) holding the custom
  field definitions (C5); their events ride in its `_outbox`.
- `import_jobs`: one document per CSV import (C1): progress counters and row errors.
- GridFS bucket `documents` (`documents.files` / `documents.chunks`): the bytes of the
  client documents (C6), file id `<tenant>:<document id>`, the tenant in its metadata.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from plumbing.config_cache import Recent
from plumbing.contracts import EventData
from plumbing.gql import RequestContext
from plumbing.mongo import Doc, DuplicateKeyError, backend, local_id, write_gate
from plumbing.outbox import HINTS, Outbox, stored, with_events
from plumbing.storage import Repository as Versioned
from plumbing.tenant_collection import TenantCollection
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import BulkWriteError

from clients.adapters import search_index
from clients.adapters.card_search import card_search
from clients.adapters.files import FileStore
from clients.adapters.partner_keys import PartnerKeyStore
from clients.adapters.revised import RevisedDocuments
from clients.events import ImportProgressed, catalog
from clients.service_layer.ports import CardSearch, ImportJobs

STUDIOS = "studios"
CLIENTS = "clients"
KEYS = "client_keys"
CUSTOM_FIELDS = "custom_fields"
IMPORT_JOBS = "import_jobs"
STUDIO_ID = "studio"
DEFINITIONS_ID = "definitions"
# An import job's progress events wait in the job's document (`update_job`).
OUTBOX_COLLECTIONS = (STUDIOS, CLIENTS, CUSTOM_FIELDS, IMPORT_JOBS)
DUPLICATE_KEY = 11000
# The custom field definitions as queries show them (the card): a few seconds.
_shown_definitions: Recent[list[Doc]] = Recent()


async def by_ids(
    collection: TenantCollection, ids: Sequence[str], projection: Mapping[str, Any] | None = None
) -> list[Doc]:
    """The documents of these ids that exist. MongoDB: one `{_id: {$in}}` query (the `_id`
    index). FerretDB/SQLite pushes down only a filter of exactly one `_id`, so `$in` reads
    the whole collection (every tenant's documents; it slows down as the collection grows)
    and single lookups stay constant: one each there (`TenantCollection.get_many`)."""
    if backend.id_only_pushdown:
        return await collection.get_many(ids, projection)
    keys = [collection.key(i) for i in dict.fromkeys(ids)]
    if not keys:
        return []
    return await collection.find({"_id": {"$in": keys}}, projection=projection)


async def prepare(db: AsyncDatabase[Doc]) -> None:
    """The indexes the queries of this module and of `card_search` use, at start."""
    clients = db[CLIENTS]
    await clients.create_index([("tenant", 1), ("sort_name", 1), ("id", 1)])
    await clients.create_index([("tenant", 1), ("birth_md", 1)])
    rank_and_points = ("tenant_1_rank_ids_1", "tenant_1_points_1")
    if backend.id_only_pushdown:
        # FerretDB's SQLite backend answers every non-`_id` filter by scanning (the search
        # is `IndexedSearch` there), so these indexes would only slow every write of the
        # rank/points read model down: none, on purpose (and dropped if an older version
        # of FerretDB's data has them).
        names = await clients.index_information()
        for name in rank_and_points:
            if name in names:
                await clients.drop_index(name)
        return
    # MongoDB: a search by rank or by points is served by its own index.
    await clients.create_index([("tenant", 1), ("rank_ids", 1)], name=rank_and_points[0])
    await clients.create_index([("tenant", 1), ("points", 1)], name=rank_and_points[1])


class Repository:
    def __init__(self, db: AsyncDatabase[Doc], tenant: str, outbox: Outbox) -> None:
        self.tenant = tenant
        self.studios = TenantCollection(db[STUDIOS], tenant)
        self.clients = TenantCollection(db[CLIENTS], tenant)
        self.keys = TenantCollection(db[KEYS], tenant)
        self.custom_fields = TenantCollection(db[CUSTOM_FIELDS], tenant)
        self.jobs = TenantCollection(db[IMPORT_JOBS], tenant)
        self.db = db
        self._outbox = outbox

    def _entries(self, events: Sequence[EventData], subject: str | None) -> list[Doc]:
        out = []
        for data in events:
            envelope = catalog.envelope(data, tenant=self.tenant, subject=subject)
            out.append(stored(envelope, catalog.type_of(data).topic))
        return out

    def partner_keys(self) -> PartnerKeyStore:
        return PartnerKeyStore(self.db, self.tenant)

    def files(self) -> FileStore:
        return FileStore(self.db, self.tenant)

    def cards(self) -> Versioned[Doc]:
        """The cards as the storage port (`plumbing.storage.change` changes them)."""
        return RevisedDocuments(
            self.clients,
            self._outbox,
            written=lambda doc: search_index.card_written(self.db.name, self.tenant, doc),
        )

    def definition_documents(self) -> Versioned[Doc]:
        """The custom field definitions (one document, `definitions`) as the port."""
        return RevisedDocuments(
            self.custom_fields,
            self._outbox,
            erased_is_gone=False,
            written=lambda _: _shown_definitions.drop((self.db.name, self.tenant)),
        )

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
        docs = await by_ids(self.clients, ids, {"_outbox": 0, "_events": 0})
        return {doc["id"]: doc for doc in docs}

    async def insert_client(self, doc: Doc, events: Sequence[EventData]) -> Doc:
        body = dict(doc)
        body["_id"] = doc["id"]
        body["_outbox"] = self._entries(events, doc["id"])
        saved = await self.clients.insert(body)
        search_index.card_written(self.db.name, self.tenant, saved)
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
        search_index.card_written(self.db.name, self.tenant, doc)
        if doc is not None and events:
            await self._outbox.written(CLIENTS, doc["_id"])
        return doc

    def search(self) -> CardSearch:
        """C10's search, answered as the database that runs can (`card_search`)."""
        return card_search(self.clients, self.db.name)

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

    async def keys_held(self, keys: Sequence[str]) -> dict[str, str]:
        """`email:<x>` / `phone:<y>` keys already held, by whom (stale ones dropped)."""
        if not keys:
            return {}
        docs = await by_ids(self.keys, keys)
        held = {str(d["_id"]).split(":", 1)[1]: str(d["client_id"]) for d in docs}
        holders = await by_ids(self.clients, list(held.values()), {"id": 1, "erased": 1})
        alive = {d["id"] for d in holders if not d.get("erased")}
        for key, holder in list(held.items()):
            if holder not in alive:
                await self.keys.delete({"_id": key, "client_id": holder})
                del held[key]
        return held

    async def claim_keys(self, claims: Sequence[tuple[str, str]]) -> set[str]:
        """Insert many `(key, client_id)` claims at once; returns the keys someone else
        took first (a concurrent writer), which the caller treats as duplicates."""
        if not claims:
            return set()
        docs = [
            {"_id": self.keys.key(key), "tenant": self.tenant, "client_id": client}
            for key, client in claims
        ]
        try:
            async with write_gate(self.keys.raw):
                await self.keys.raw.insert_many(docs, ordered=False)
        except BulkWriteError as exc:
            return {
                claims[err["index"]][0]
                for err in exc.details.get("writeErrors", [])
                if err.get("code") == DUPLICATE_KEY
            }
        return set()

    async def release_keys(self, claims: Sequence[tuple[str, str]]) -> None:
        for key, client in claims:
            await self.keys.delete({"_id": key, "client_id": client})

    async def insert_clients(self, batch: Sequence[tuple[Doc, Sequence[EventData]]]) -> None:
        """Insert many new cards, each with its own events in its own `_outbox`.

        The relay is not told yet (see `announce`): a crash before that leaves the events
        for the relay's periodic sweep, so none is ever lost.
        """
        if not batch:
            return
        bodies = []
        for doc, events in batch:
            body = dict(doc)
            body["_id"] = self.clients.key(doc["id"])
            body["tenant"] = self.tenant
            body["_outbox"] = self._entries(events, doc["id"])
            bodies.append(body)
        async with write_gate(self.clients.raw):
            await self.clients.raw.insert_many(bodies, ordered=False)
        for body in bodies:
            search_index.card_written(self.db.name, self.tenant, body)

    async def announce(self, client_ids: Sequence[str], chunk: int = 1000) -> None:
        """Tell the relay that these new cards hold events (one hint each, plain inserts:
        an upsert each is far slower, and new cards have no hint yet)."""
        for start in range(0, len(client_ids), chunk):
            hints = [
                {"_id": f"{CLIENTS}|{self.clients.key(cid)}", "n": 1}
                for cid in client_ids[start : start + chunk]
            ]
            try:
                async with write_gate(self.db):
                    await self.db[HINTS].insert_many(hints, ordered=False)
            except BulkWriteError as exc:
                # A hint that exists already is read by the relay all the same.
                errors = exc.details.get("writeErrors", [])
                if any(e.get("code") != DUPLICATE_KEY for e in errors):
                    raise
            self._outbox.wake.set()

    # ------------------------------------------------------------------ custom fields
    async def definitions(self) -> list[Doc]:
        doc = await self.custom_fields.get(DEFINITIONS_ID, {"fields": 1})
        return list((doc or {}).get("fields") or [])

    async def shown_definitions(self) -> list[Doc]:
        """The definitions for queries (the card, `customFieldDefinitions`): remembered
        for a few seconds (`plumbing.config_cache`); what validates a value reads `definitions`."""
        return await _shown_definitions.get((self.db.name, self.tenant), self.definitions)

    async def save_definitions(
        self,
        update: Mapping[str, Any],
        events: Sequence[EventData],
        *,
        guard: Mapping[str, Any] | None = None,
        upsert: bool = False,
    ) -> Doc | None:
        try:
            doc = await self.custom_fields.update(
                {"_id": DEFINITIONS_ID, **(guard or {})},
                with_events(update, self._entries(events, None)),
                upsert=upsert,
            )
        finally:
            _shown_definitions.drop((self.db.name, self.tenant))
        if doc is not None and events:
            await self._outbox.written(CUSTOM_FIELDS, doc["_id"])
        return doc

    # ------------------------------------------------------------------ import jobs
    async def insert_job(self, doc: Doc) -> Doc:
        return await self.jobs.insert(doc)

    async def job(self, job_id: str) -> Doc | None:
        return await self.jobs.get(job_id)

    async def update_job(
        self, job_id: str, update: Mapping[str, Any], progress: ImportProgressed | None = None
    ) -> Doc | None:
        if progress is None:
            return await self.jobs.update({"_id": job_id}, update)
        doc = await self.jobs.update(
            {"_id": job_id}, with_events(update, self._entries([progress], job_id))
        )
        if doc is not None:
            await self._outbox.written(IMPORT_JOBS, doc["_id"])
        return doc


def for_request(ctx: RequestContext) -> Repository:
    """The caller's tenant's storage of this context (resolvers never see the database)."""
    return Repository(ctx.db, ctx.tenant, ctx.outbox)


class StoredImportJobs(ImportJobs):
    """`import_jobs` across tenants: the watchdog reads the few RUNNING jobs of all."""

    def __init__(self, db: AsyncDatabase[Doc]) -> None:
        self._db = db

    async def running(self, tenant: str | None) -> list[tuple[str, str, datetime | None]]:
        query: Doc = {"status": "RUNNING"}
        if tenant is not None:
            query["tenant"] = tenant
        found = self._db[IMPORT_JOBS].find(query, {"tenant": 1, "heartbeat_at": 1})
        return [
            (str(job["tenant"]), local_id(str(job["_id"])), job.get("heartbeat_at"))
            for job in await found.to_list()
        ]

    async def fail(self, tenant: str, job_id: str, reason: str, now: datetime) -> bool:
        jobs = TenantCollection(self._db[IMPORT_JOBS], tenant)
        job = await jobs.get(job_id)
        if job is None or job.get("status") != "RUNNING":
            return False
        failed = progress_of(job, "FAILED")
        envelope = catalog.envelope(failed, tenant=tenant, subject=job_id)
        done = await jobs.update(
            {"_id": job_id, "status": "RUNNING"},
            with_events(
                {"$set": {"status": "FAILED", "failure": reason, "finished_at": now}},
                [stored(envelope, catalog.type_of(failed).topic)],
            ),
        )
        if done is not None:
            await Outbox(self._db).written(IMPORT_JOBS, done["_id"])
        return done is not None


def progress_of(job: Doc, status: str) -> ImportProgressed:
    """The progress event of a job document as it stands, with `status`."""
    return ImportProgressed(
        job_id=str(job["id"]),
        status=status,
        total=int(job["total"]),
        processed=int(job["processed"]),
        created=int(job["created"]),
        duplicates=int(job["duplicates"]),
        error_count=len(job.get("errors") or ()),
    )
