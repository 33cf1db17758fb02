"""MongoDB access scoped by tenant, in one place.

Resolvers and use cases never touch a raw collection: they get a `TenantCollection`,
which adds the tenant to every filter, every inserted document and every `_id`.
Document ids are `<tenant>:<id>`, so reads by id stay `_id` lookups (the only filter
FerretDB's SQLite backend pushes down) and can never cross a tenant.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

from pymongo import AsyncMongoClient, ReturnDocument
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import BulkWriteError, DuplicateKeyError

Doc = dict[str, Any]

__all__ = [
    "AsyncDatabase",
    "Doc",
    "DuplicateKeyError",
    "TenantCollection",
    "backend",
    "bounded_pushes",
    "create_client",
    "detect_backend",
    "doc_key",
    "document_lock",
    "insert_new",
    "literal",
    "local_id",
    "matches",
    "write_gate",
]


class _DocumentLocks:
    """Serialises this process's writes to one document.

    FerretDB v1 (SQLite backend) applies an update as read-modify-write without isolation:
    measured here, 200 concurrent `$inc` of one document left 2 to 21 of them. Two writes
    racing on one document (a request and the relay, or two events for the same day's
    counters) could lose one, events included. Locally a service's API, consumer and
    relay share one process, so serialising its writes per document closes the gap;
    MongoDB applies updates atomically and pays only for an uncontended lock.
    """

    def __init__(self) -> None:
        self._locks: dict[str, tuple[asyncio.Lock, int]] = {}

    @asynccontextmanager
    async def hold(self, key: str) -> AsyncIterator[None]:
        lock, users = self._locks.get(key, (asyncio.Lock(), 0))
        self._locks[key] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            lock, users = self._locks[key]
            if users <= 1:
                del self._locks[key]
            else:
                self._locks[key] = (lock, users - 1)


_locks = _DocumentLocks()


def document_lock(collection: str, doc_id: object) -> AbstractAsyncContextManager[None]:
    """Hold while updating one document (see `_DocumentLocks`)."""
    return _locks.hold(f"{collection}|{doc_id}")


_gates: dict[str, asyncio.Lock] = {}


@asynccontextmanager
async def write_gate(target: AsyncCollection[Doc] | AsyncDatabase[Doc]) -> AsyncIterator[None]:
    """Hold around one write call: on FerretDB/SQLite, one write per database at a time.

    SQLite has one writer per database file. Writers that overlap wait in SQLite's busy
    handler, which is not fair: measured here, with a bulk import, the relay and the
    consumers writing to one database together, single writes waited the full busy
    timeout (about 10 s) and then failed with SQLITE_BUSY, and an import of 10,000 rows
    took minutes. Queued here instead, each write starts when the previous one is done.
    MongoDB writes concurrently; there the gate is open.
    """
    if not backend.id_only_pushdown:
        yield
        return
    name = target.name if isinstance(target, AsyncDatabase) else target.database.name
    gate = _gates.setdefault(name, asyncio.Lock())
    async with gate:
        yield


class _Backend:
    """What the database behind this process pushes down (set once at start)."""

    id_only_pushdown = False  # FerretDB v1's SQLite backend: only a filter of exactly {_id}


backend = _Backend()


async def detect_backend(client: AsyncMongoClient[Doc]) -> None:
    """FerretDB reports `ferretdbVersion` in `buildInfo`; MongoDB does not."""
    info = await client.admin.command("buildInfo")
    backend.id_only_pushdown = "ferretdbVersion" in info


class _Unsupported(Exception):
    pass


def _values(doc: Any, path: str) -> list[Any]:
    """The values a dotted path reaches (arrays of documents fan out, as in MongoDB)."""
    current = [doc]
    for part in path.split("."):
        nxt: list[Any] = []
        for value in current:
            if isinstance(value, Mapping):
                if part in value:
                    nxt.append(value[part])
            elif isinstance(value, list):
                nxt.extend(v[part] for v in value if isinstance(v, Mapping) and part in v)
        current = nxt
    return current


def _equal(values: list[Any], expected: Any) -> bool:
    if not values:
        return expected is None
    for value in values:
        if value == expected or (isinstance(value, list) and expected in value):
            return True
    return False


def matches(doc: Mapping[str, Any], filter: Mapping[str, Any]) -> bool:
    """The part of MongoDB's query language our guards use, evaluated on one document.

    Raises `_Unsupported` for anything else (the caller then lets the server decide)."""
    for key, condition in filter.items():
        if key == "$and":
            if not all(matches(doc, part) for part in condition):
                return False
            continue
        if key == "$or":
            if not any(matches(doc, part) for part in condition):
                return False
            continue
        if key.startswith("$"):
            raise _Unsupported(key)
        values = _values(doc, key)
        if not (isinstance(condition, Mapping) and any(k.startswith("$") for k in condition)):
            if not _equal(values, condition):
                return False
            continue
        for op, operand in condition.items():
            if op == "$ne":
                ok = not _equal(values, operand)
            elif op == "$exists":
                ok = bool(values) == bool(operand)
            elif op == "$in":
                ok = any(_equal(values, option) for option in operand)
            elif op == "$nin":
                ok = not any(_equal(values, option) for option in operand)
            elif op in ("$gt", "$gte", "$lt", "$lte"):
                ok = any(_compare(op, v, operand) for v in values)
            else:
                raise _Unsupported(op)
            if not ok:
                return False
    return True


def _compare(op: str, value: Any, operand: Any) -> bool:
    try:
        if op == "$gt":
            return bool(value > operand)
        if op == "$gte":
            return bool(value >= operand)
        if op == "$lt":
            return bool(value < operand)
        return bool(value <= operand)
    except TypeError:
        return False  # MongoDB compares only values of the same type


_NOT_READ: Any = object()


async def bounded_pushes(
    collection: AsyncCollection[Doc], key: str, update: Doc, current: Any = _NOT_READ
) -> Doc:
    """`update` with every `$push ... $slice` turned into a `$set` of the bounded list.

    FerretDB v1 ignores `$slice` in `$push` (measured: ten pushes with `$slice: -3` keep
    all ten), so a list meant to keep the last N ids grew with every event, and each
    write of a busy document rewrote it whole (one day's counters reached 150 KB). Call
    while holding the document's lock: the list is computed from the document as read.
    On MongoDB the update is returned as it is.
    """
    pushes = update.get("$push") or {}
    sliced = {
        field: spec
        for field, spec in pushes.items()
        if isinstance(spec, Mapping) and "$slice" in spec and set(spec) <= {"$each", "$slice"}
    }
    if not backend.id_only_pushdown or not sliced:
        return update
    if current is _NOT_READ:
        current = await collection.find_one({"_id": key}, dict.fromkeys(sliced, 1))
    out: Doc = {op: dict(fields) for op, fields in update.items()}
    for field, spec in sliced.items():
        del out["$push"][field]
        before = _values(current or {}, field)
        existing = before[0] if before and isinstance(before[0], list) else []
        keep = int(spec["$slice"])
        merged = [*existing, *spec["$each"]]
        out.setdefault("$set", {})[field] = merged[keep:] if keep < 0 else merged[:keep]
    if not out["$push"]:
        del out["$push"]
    return out


DUPLICATE_KEY = 11000


async def insert_new(collection: AsyncCollection[Doc], documents: Sequence[Doc]) -> set[int]:
    """Insert in one call every document whose `_id` is new (the bulk form of a claim by
    insertion); returns the positions of those whose `_id` existed, left as they were.
    Any other write error raises."""
    if not documents:
        return set()
    existed: set[int] = set()
    try:
        async with write_gate(collection):
            await collection.insert_many(documents, ordered=False)
    except BulkWriteError as exc:
        for error in exc.details.get("writeErrors", []):
            if error.get("code") != DUPLICATE_KEY:
                raise
            existed.add(int(error["index"]))
    return existed


def create_client(url: str) -> AsyncMongoClient[Doc]:
    # Timeouts short enough that /readyz answers quickly while the database is down,
    # long enough to ride out a restart without failing requests already in flight.
    return AsyncMongoClient(
        url,
        tz_aware=True,
        serverSelectionTimeoutMS=5000,
        socketTimeoutMS=30_000,  # no database call waits forever (and holds a lock)
        connectTimeoutMS=2000,
        retryWrites=False,  # FerretDB v1 does not support retryable writes
    )


def doc_key(tenant: str, local: str) -> str:
    return f"{tenant}:{local}"


def local_id(key: str) -> str:
    return key.split(":", 1)[1]


def literal(value: Any) -> Any:
    """A client-supplied value used in a filter: never an operator document.

    GraphQL types already make most values scalars; this refuses the rest so that a
    `{"$ne": null}` smuggled in through a JSON field can never become a query operator.
    """
    if isinstance(value, Mapping) or (
        isinstance(value, str) and value.startswith("$") and len(value) > 1
    ):
        raise ValueError("operator-like value refused in a filter")
    return value


class TenantCollection:
    """One collection as seen by one tenant."""

    def __init__(self, collection: AsyncCollection[Doc], tenant: str) -> None:
        if not tenant:
            raise ValueError("a tenant is required")
        self.raw = collection
        self.tenant = tenant

    @property
    def name(self) -> str:
        return self.raw.name

    def key(self, local: str) -> str:
        return doc_key(self.tenant, local)

    def _scope(self, filter: Mapping[str, Any] | None) -> Doc:
        scoped: Doc = dict(filter or {})
        if "_id" in scoped and isinstance(scoped["_id"], str):
            scoped["_id"] = self.key(scoped["_id"])
            if len(scoped) == 1:
                # The key already names the tenant. A filter of exactly {_id} is the only
                # one FerretDB's SQLite backend answers from its index; adding `tenant`
                # would turn every lookup into a scan of the whole collection.
                return scoped
        scoped["tenant"] = self.tenant
        return scoped

    def _stamp(self, document: Mapping[str, Any]) -> Doc:
        stamped: Doc = dict(document)
        stamped["_id"] = self.key(str(stamped["_id"]))
        stamped["tenant"] = self.tenant
        return stamped

    async def get(self, local: str, projection: Mapping[str, Any] | None = None) -> Doc | None:
        return await self.raw.find_one({"_id": self.key(local)}, projection)

    async def get_many(
        self,
        locals_: Sequence[str],
        projection: Mapping[str, Any] | None = None,
        *,
        parallel: int = 32,
    ) -> list[Doc]:
        """The documents of these local ids that exist, one `_id` lookup each.

        Not `{_id: {$in: [...]}}`: FerretDB's SQLite backend pushes down only a filter of
        exactly one `_id`, so `$in` reads the whole collection (every tenant's documents)
        and slows down as the collection grows; single lookups stay constant.
        """
        wanted = list(dict.fromkeys(locals_))
        found: list[Doc] = []
        for start in range(0, len(wanted), parallel):
            chunk = wanted[start : start + parallel]
            docs = await asyncio.gather(*(self.get(local, projection) for local in chunk))
            found.extend(doc for doc in docs if doc is not None)
        return found

    async def find_one(
        self, filter: Mapping[str, Any], projection: Mapping[str, Any] | None = None
    ) -> Doc | None:
        scoped = self._scope(filter)
        guard = self._local_guard(scoped)
        if guard is None:
            return await self.raw.find_one(scoped, projection)
        key, conditions = guard  # one document by `_id`, checked here (see `update`)
        doc = await self.raw.find_one({"_id": key})
        if doc is None or not matches(doc, conditions):
            return None
        if projection:
            return await self.raw.find_one({"_id": key}, projection)
        return doc

    async def find(
        self,
        filter: Mapping[str, Any] | None = None,
        *,
        projection: Mapping[str, Any] | None = None,
        sort: Sequence[tuple[str, int]] | None = None,
        limit: int = 0,
        skip: int = 0,
    ) -> list[Doc]:
        cursor = self.raw.find(self._scope(filter), projection)
        if sort:
            cursor = cursor.sort(list(sort))
        if skip:
            cursor = cursor.skip(skip)
        if limit:
            cursor = cursor.limit(limit)
        return await cursor.to_list()

    async def count(self, filter: Mapping[str, Any] | None = None) -> int:
        return await self.raw.count_documents(self._scope(filter))

    async def insert(self, document: Mapping[str, Any]) -> Doc:
        stamped = self._stamp(document)
        async with write_gate(self.raw):
            await self.raw.insert_one(stamped)
        return stamped

    async def insert_new(self, documents: Sequence[Mapping[str, Any]]) -> set[int]:
        """`insert_new` for this tenant: positions of the documents that existed."""
        return await insert_new(self.raw, [self._stamp(d) for d in documents])

    async def update(
        self,
        filter: Mapping[str, Any],
        update: Mapping[str, Any],
        *,
        upsert: bool = False,
    ) -> Doc | None:
        """Atomically update one document and return it as it is after the update."""
        body: Doc = {op: dict(fields) for op, fields in update.items()}
        if upsert and not any("tenant" in fields for fields in body.values()):
            # The filter may be {_id} alone: a document created here still gets its tenant.
            body.setdefault("$setOnInsert", {})["tenant"] = self.tenant
        scoped = self._scope(filter)
        async with document_lock(self.raw.name, scoped.get("_id")):
            guard = self._local_guard(scoped)
            if guard is not None:
                # FerretDB/SQLite: `{_id, ...guard}` would scan the whole collection while
                # holding the database's write lock. Check the guard on the document read
                # by `_id` instead; the document lock keeps the check and the write
                # together (FerretDB's own update is read-modify-write as well).
                key, conditions = guard
                current = await self.raw.find_one({"_id": key})
                if current is None:
                    if not upsert:
                        return None
                elif not matches(current, conditions):
                    return None
                scoped = {"_id": key}
                body = await bounded_pushes(self.raw, key, body, current)
            elif isinstance(scoped.get("_id"), str) and len(scoped) == 1:
                body = await bounded_pushes(self.raw, scoped["_id"], body)
            async with write_gate(self.raw):
                return await self.raw.find_one_and_update(
                    scoped, body, upsert=upsert, return_document=ReturnDocument.AFTER
                )

    def _local_guard(self, scoped: Mapping[str, Any]) -> tuple[str, Doc] | None:
        """`(key, conditions)` when a filter is one `_id` plus conditions that this process
        should check itself (see `update`), else None."""
        key = scoped.get("_id")
        if not backend.id_only_pushdown or not isinstance(key, str) or len(scoped) == 1:
            return None
        conditions = {k: v for k, v in scoped.items() if k != "_id"}
        try:
            matches({}, conditions)
        except _Unsupported:
            return None
        return key, conditions

    async def update_many(self, filter: Mapping[str, Any], update: Mapping[str, Any]) -> int:
        async with write_gate(self.raw):
            result = await self.raw.update_many(self._scope(filter), dict(update))
        return result.modified_count

    async def delete(self, filter: Mapping[str, Any]) -> int:
        scoped = self._scope(filter)
        guard = self._local_guard(scoped)
        if guard is None:
            async with write_gate(self.raw):
                result = await self.raw.delete_many(scoped)
            return result.deleted_count
        key, conditions = guard  # one document, checked here (see `update`)
        async with document_lock(self.raw.name, key):
            current = await self.raw.find_one({"_id": key})
            if current is None or not matches(current, conditions):
                return 0
            async with write_gate(self.raw):
                result = await self.raw.delete_one({"_id": key})
            return result.deleted_count
