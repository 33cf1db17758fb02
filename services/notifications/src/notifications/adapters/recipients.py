"""Who can be written to: contact data and preferences, kept from the clients' events."""

from __future__ import annotations

from typing import Any

from plumbing.mongo import Doc, TenantCollection
from pymongo.asynchronous.database import AsyncDatabase

RECIPIENTS = "recipients"
MESSAGES = "messages"


def recipients(db: AsyncDatabase[Doc], tenant: str) -> TenantCollection:
    return TenantCollection(db[RECIPIENTS], tenant)


def messages(db: AsyncDatabase[Doc], tenant: str) -> TenantCollection:
    return TenantCollection(db[MESSAGES], tenant)


async def ensure_recipient(
    db: AsyncDatabase[Doc], tenant: str, client_id: str, fields: dict[str, Any]
) -> None:
    await recipients(db, tenant).update(
        {"_id": client_id},
        {"$setOnInsert": {"client_id": client_id, "preferences": {}, **fields}},
        upsert=True,
    )
