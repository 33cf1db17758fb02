"""P2/P4: FerretDB killed (-9) while clients are being created, then restarted: callers get
a clear error (never a stack trace), readiness goes down and up again, and every client
that exists reaches every consumer exactly once."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import re
import subprocess

import httpx
import pytest
from crm.testing import created_entries
from plumbing.testing import MONGO_URL, ROOT, SERVICE_PORTS, Graph, eventually
from pymongo import AsyncMongoClient

CREATE = (
    "mutation($i: ClientInput!) { createClient(input: $i) { client { id } userErrors { code } } }"
)
# (loyalty stores its per-client state lazily; its own tests check replays and races)
PER_CLIENT_STATE = {
    "ranks": "client_cards",
    "crm": "profiles",
    "notifications": "recipients",
}


def ferretdb(action: str) -> None:
    subprocess.run(
        ["bash", str(ROOT / "deploy/local/ferretdb.sh"), action], check=True, timeout=120
    )


async def ready(context: str) -> bool:
    async with httpx.AsyncClient(timeout=5) as http:
        return (
            await http.get(f"http://127.0.0.1:{SERVICE_PORTS[context]}/readyz")
        ).status_code == 200


async def not_ready(context: str) -> bool:
    return not await ready(context)


@pytest.mark.slow
async def test_a_database_crash_loses_nothing_and_applies_nothing_twice(owner: Graph) -> None:
    accepted: list[str] = []
    refusals: list[dict[str, object]] = []
    stop = asyncio.Event()

    async def keep_creating() -> None:
        n = 0
        while not stop.is_set():
            n += 1
            body = await owner.raw(CREATE, {"i": {"firstName": f"Base{n}", "lastName": "Caída"}})
            if body.get("data") and body["data"]["createClient"]:
                accepted.append(body["data"]["createClient"]["client"]["id"])
            else:
                refusals.extend(body.get("errors") or [{"message": "no data"}])
            await asyncio.sleep(0.05)

    writer = asyncio.create_task(keep_creating())
    try:
        await eventually(lambda: asyncio.sleep(0, len(accepted)), until=lambda n: n >= 5)
        ferretdb("kill")
        await eventually(
            lambda: asyncio.sleep(0, len(refusals)), until=lambda n: n >= 3, timeout=30
        )
        await eventually(functools.partial(not_ready, "clients"), timeout=20)
        ferretdb("start")
        before = len(accepted)
        await eventually(
            lambda: asyncio.sleep(0, len(accepted)), until=lambda n: n >= before + 5, timeout=60
        )
    finally:
        stop.set()
        with contextlib.suppress(Exception):
            await writer
    for error in refusals:
        text = str(error)
        assert "Traceback" not in text and 'File "' not in text, error
    for context in SERVICE_PORTS:
        await eventually(functools.partial(ready, context), timeout=60)

    mongo: AsyncMongoClient[dict[str, object]] = AsyncMongoClient(MONGO_URL, tz_aware=True)
    try:
        # The clients database is the truth: a create whose answer was lost may still exist.
        existing = await mongo["clients"]["clients"].count_documents({"tenant": owner.tenant})
        assert existing >= len(accepted)

        async def counts() -> dict[str, int]:
            return {
                ctx: await mongo[ctx][coll].count_documents(
                    {"_id": {"$regex": f"^{re.escape(owner.tenant)}:"}}
                )
                for ctx, coll in PER_CLIENT_STATE.items()
            } | {"timeline": await created_entries(mongo, owner.tenant)}

        expected = dict.fromkeys([*PER_CLIENT_STATE, "timeline"], existing)
        # Up to one outbox sweep (OUTBOX_SWEEP_SECONDS) for an event whose hint was lost.
        await eventually(counts, until=lambda c: c == expected, timeout=90)
    finally:
        await mongo.close()
