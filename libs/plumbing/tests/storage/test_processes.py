"""No lost update across OS processes: 2 processes of 2 writers each add 1 to one
aggregate 50 times per writer, through `change`.

The FerretDB implementation proves it on the local FerretDB: its compare-and-set is an
insert of a new `_id`, the one write FerretDB makes atomic. The MongoDB implementation
rests on MongoDB isolating a conditional update, which FerretDB does not do: that case
runs only when MONGO_URL points at a real MongoDB (docs/storage.md).
"""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path

import pytest
from plumbing.mongo import backend
from plumbing.storage import Storage
from plumbing.storage.ferretdb import FerretStorage
from plumbing.storage.mongodb import MongoStorage
from plumbing.testing import MONGO_URL, scratch_database, unique_tenant

from .conftest import NEEDS_MONGODB
from .increments import COUNTERS

WORKER = Path(__file__).with_name("increments.py")
PROCESSES, WRITERS, INCREMENTS = 2, 2, 50


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["ferretdb", "mongodb"])
async def test_writers_in_two_processes_lose_no_update(kind: str) -> None:
    async with scratch_database("storage_processes") as db:
        if kind == "mongodb" and backend.id_only_pushdown:
            pytest.skip(NEEDS_MONGODB)
        tenant = unique_tenant()
        arguments = [kind, MONGO_URL, db.name, tenant, "shared", str(WRITERS), str(INCREMENTS)]
        processes = [
            await asyncio.create_subprocess_exec(
                sys.executable,
                str(WORKER),
                *arguments,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
            )
            for _ in range(PROCESSES)
        ]
        outputs = await asyncio.gather(*(p.communicate() for p in processes))
        for process, (_, err) in zip(processes, outputs, strict=True):
            assert process.returncode == 0, err.decode()
        reports = [json.loads(out) for out, _ in outputs]

        storage: Storage = FerretStorage(db) if kind == "ferretdb" else MongoStorage(db)
        loaded = await storage.repository(COUNTERS, tenant).load("shared")
        total = PROCESSES * WRITERS * INCREMENTS
        assert (loaded.state, loaded.version) == ({"n": total}, total)
        # Every increment won exactly one version; the losers of each round tried again.
        assert sum(r["saved"] for r in reports) == total
        assert sum(r["attempts"] for r in reports) > total
