"""Where partner API keys are kept: `partner_keys`, one document per key
(`<tenant>:<key id>`), the SHA-256 of the secret only."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from plumbing.mongo import Doc
from plumbing.tenant_collection import TenantCollection
from pymongo.asynchronous.database import AsyncDatabase

KEYS = "partner_keys"


class PartnerKeyStore:
    """One tenant's partner keys."""

    def __init__(self, db: AsyncDatabase[Doc], tenant: str) -> None:
        self._keys = TenantCollection(db[KEYS], tenant)

    async def add(self, doc: Doc) -> Doc:
        return await self._keys.insert({"_id": doc["id"], **doc})

    async def get(self, key_id: str) -> Doc | None:
        return await self._keys.get(key_id)

    async def all(self) -> list[Doc]:
        return await self._keys.find({}, sort=[("created_at", 1)])

    async def revoke(self, key_id: str, now: datetime) -> Doc | None:
        await self._keys.update({"_id": key_id, "revoked_at": None}, {"$set": {"revoked_at": now}})
        return await self._keys.get(key_id)

    async def used(self, key_id: str, now: datetime) -> None:
        await self._keys.update({"_id": key_id}, {"$set": {"last_used_at": now}})


def partner_keys(db: AsyncDatabase[Doc]) -> Callable[[str], PartnerKeyStore]:
    """The stores of every tenant (an exchange learns the tenant from the key)."""
    return lambda tenant: PartnerKeyStore(db, tenant)
