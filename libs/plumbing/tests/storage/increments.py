"""One OS process of the cross-process test: `writers` asyncio tasks each add 1 to one
aggregate `count` times through `change`, then print what they did as JSON.

    python increments.py <ferretdb|mongodb> <mongo url> <database> <tenant> <key> <writers> <count>
"""

from __future__ import annotations

import asyncio
import json
import sys

from plumbing.mongo import Doc, create_client, detect_backend
from plumbing.storage import Aggregates, Decision, DocCodec, Loaded, Save, Storage, change
from plumbing.storage.ferretdb import FerretStorage
from plumbing.storage.mongodb import MongoStorage

COUNTERS = Aggregates("counters", DocCodec())


def add_one(current: Loaded[Doc]) -> Decision[Doc, int]:
    count = int((current.state or {}).get("n") or 0) + 1
    return Save({"n": count}, count)


async def main(
    kind: str, url: str, database: str, tenant: str, key: str, writers: int, count: int
) -> None:
    client = create_client(url)
    await detect_backend(client)
    db = client[database]
    storage: Storage = FerretStorage(db) if kind == "ferretdb" else MongoStorage(db)
    counters = storage.repository(COUNTERS, tenant)

    attempts: list[int] = []

    async def writer() -> None:
        for _ in range(count):
            attempts.append((await change(counters, key, add_one)).attempts)

    try:
        await asyncio.gather(*(writer() for _ in range(writers)))
    finally:
        await client.close()
    print(json.dumps({"saved": len(attempts), "attempts": sum(attempts), "most": max(attempts)}))


if __name__ == "__main__":
    kind, url, database, tenant, key, writers, count = sys.argv[1:8]
    asyncio.run(main(kind, url, database, tenant, key, int(writers), int(count)))
