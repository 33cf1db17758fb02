"""Invoices (`invoices`): invoice number -> client, and whether it was refunded (a refund
may name no client, or arrive before its purchase). Read and written by `_id` alone."""

from __future__ import annotations

from collections.abc import Sequence

from plumbing.mongo import Doc, doc_key, document_lock, insert_new, write_gate
from pymongo import ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase

INVOICES = "invoices"


class Invoices:
    def __init__(self, db: AsyncDatabase[Doc], tenant: str) -> None:
        self.col = db[INVOICES]
        self.tenant = tenant

    async def _upsert(self, invoice: str, update: Doc) -> Doc:
        async with (
            document_lock(self.col.name, doc_key(self.tenant, invoice)),
            write_gate(self.col),
        ):
            doc = await self.col.find_one_and_update(
                {"_id": doc_key(self.tenant, invoice)},
                {**update, "$set": {**update.get("$set", {}), "tenant": self.tenant}},
                upsert=True,
                return_document=ReturnDocument.AFTER,
            )
        return doc or {}

    async def owned_by(self, invoice: str, client_id: str) -> Doc:
        return await self._upsert(
            invoice, {"$set": {"client_id": client_id}, "$setOnInsert": {"refunded": False}}
        )

    async def claim_new(self, owners: Sequence[tuple[str, str]]) -> set[str]:
        """Record many `(invoice, client)` at once, as `owned_by` would for new invoices;
        returns the invoices that were already known (a replay, a refund that came
        first), which were left untouched for `owned_by` to look at."""
        documents = [
            {
                "_id": doc_key(self.tenant, invoice),
                "client_id": client,
                "refunded": False,
                "tenant": self.tenant,
            }
            for invoice, client in owners
        ]
        return {owners[i][0] for i in await insert_new(self.col, documents)}

    async def refunded(self, invoice: str) -> Doc:
        return await self._upsert(invoice, {"$set": {"refunded": True}})

    async def owner(self, invoice: str) -> str | None:
        """The client whose purchase claimed the invoice; None before the purchase."""
        doc = await self.col.find_one({"_id": doc_key(self.tenant, invoice)})
        return str(doc["client_id"]) if doc and doc.get("client_id") else None
