"""Per-client state of the ranks context (`members`): one document per client."""

from __future__ import annotations

from datetime import datetime

from plumbing.mongo import Doc, TenantCollection
from pymongo.asynchronous.database import AsyncDatabase

MEMBERS = "members"


def members(db: AsyncDatabase[Doc], tenant: str) -> TenantCollection:
    return TenantCollection(db[MEMBERS], tenant)


async def ensure_member(
    db: AsyncDatabase[Doc],
    tenant: str,
    client_id: str,
    *,
    first_name: str,
    last_name: str,
    at: datetime,
) -> None:
    # $setOnInsert makes a replayed client_created a no-op.
    await members(db, tenant).update(
        {"_id": client_id},
        {
            "$setOnInsert": {
                "client_id": client_id,
                "first_name": first_name,
                "last_name": last_name,
                "ranks": {},
                "history": [],
                "created_at": at,
            }
        },
        upsert=True,
    )


async def forget_member(db: AsyncDatabase[Doc], tenant: str, client_id: str) -> None:
    await members(db, tenant).delete({"_id": client_id})
