"""Choosing the storage once, at start, from the database found there."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from plumbing.logs import get_logger
from plumbing.mongo import Doc, backend, detect_backend
from plumbing.storage.ferretdb import FerretStorage
from plumbing.storage.mongodb import MongoStorage
from plumbing.storage.port import Aggregates, Storage

log = get_logger("plumbing.storage")


def storage_for(db: AsyncDatabase[Doc]) -> Storage:
    """The implementation for the backend `detect_backend` found (the app detects it at
    start, before `ServiceDefinition.setup`): FerretDB's when `buildInfo` named FerretDB,
    MongoDB's otherwise."""
    if backend.id_only_pushdown:
        return FerretStorage(db)
    return MongoStorage(db)


async def open_storage(
    db: AsyncDatabase[Doc],
    aggregates: Sequence[Aggregates[Any]] = (),
    read_models: Sequence[str] = (),
) -> Storage:
    """Detect the backend, choose the implementation, and prepare these collections
    (their indexes): the one call a service's `setup` makes."""
    await detect_backend(db.client)
    storage = storage_for(db)
    await storage.prepare(aggregates, read_models)
    log.info("storage_opened", kind=storage.kind, database=db.name)
    return storage
