"""The points automations (L7): all of a tenant's in one `automations` document."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from plumbing.mongo import Doc, doc_key, document_lock, write_gate
from pymongo.asynchronous.database import AsyncDatabase

AUTOMATIONS = "automations"


class Automations:
    """All of a tenant's automations in one document, read by `_id` on every event."""

    def __init__(self, db: AsyncDatabase[Doc], tenant: str) -> None:
        self.col = db[AUTOMATIONS]
        self.key = doc_key(tenant, "automations")
        self.tenant = tenant

    async def add(self, doc: Doc) -> Doc:
        async with document_lock(self.col.name, self.key), write_gate(self.col):
            await self.col.update_one(
                {"_id": self.key},
                {"$push": {"items": doc}, "$set": {"tenant": self.tenant}},
                upsert=True,
            )
        return doc

    async def all(self) -> list[Doc]:
        doc = await self.col.find_one({"_id": self.key})
        return list((doc or {}).get("items") or [])

    async def active(self, trigger: str) -> list[Doc]:
        return [a for a in await self.all() if a["trigger"] == trigger and a.get("active", True)]


def as_date(value: Any) -> date | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        return None
