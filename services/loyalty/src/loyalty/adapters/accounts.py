"""Per-client state of the loyalty context: one account document per client."""

from __future__ import annotations

from datetime import datetime

from plumbing.mongo import Doc, TenantCollection
from pymongo.asynchronous.database import AsyncDatabase

ACCOUNTS = "accounts"


def accounts(db: AsyncDatabase[Doc], tenant: str) -> TenantCollection:
    return TenantCollection(db[ACCOUNTS], tenant)


async def open_account(db: AsyncDatabase[Doc], tenant: str, client_id: str, at: datetime) -> None:
    await accounts(db, tenant).update(
        {"_id": client_id},
        {"$setOnInsert": {"client_id": client_id, "balance": 0, "opened_at": at}},
        upsert=True,
    )
