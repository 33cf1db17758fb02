"""The audit trail: every sign-in, failure, invitation and revocation, per studio."""

from __future__ import annotations

import secrets
from datetime import datetime

from plumbing.mongo import Doc
from plumbing.storage import Storage

from identity.adapters.stores import AUDIT


async def record(
    storage: Storage,
    studio: str,
    action: str,
    *,
    now: datetime,
    person: str | None = None,
    email: str | None = None,
    address: str | None = None,
    detail: str | None = None,
) -> None:
    repo = storage.repository(AUDIT, studio)
    # Time first, so that keys sort as the entries happened; a random tail keeps two
    # entries of one millisecond apart.
    key = f"{now.strftime('%Y%m%dT%H%M%S%f')}-{secrets.token_hex(4)}"
    entry: Doc = {
        "at": now,
        "action": action,
        "person": person,
        "email": email,
        "address": address,
        "detail": detail,
    }
    await repo.save(await repo.load(key), entry)


async def trail(storage: Storage, studio: str, *, since: datetime, limit: int) -> list[Doc]:
    found = await storage.repository(AUDIT, studio).find({"at": {"$gte": since}})
    entries = [{**x.state, "id": x.key} for x in found if x.state]
    return sorted(entries, key=lambda e: e["at"], reverse=True)[:limit]
