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

    async def content(self, invoice: str, content: str, event_id: str | None) -> Doc:
        """The invoice as first reported: this `content` (and the event that reported it)
        is kept unless another was kept before. A refund that came first, or an invoice
        kept before contents were, takes the first content offered."""
        key = doc_key(self.tenant, invoice)
        doc = await self._upsert(invoice, {"$setOnInsert": {"refunded": False}})
        if doc.get("content") is not None:
            return doc
        # Read and written by `_id` alone (FerretDB's SQLite backend scans for anything
        # more), the check and the write held together by the document lock.
        async with document_lock(self.col.name, key):
            doc = await self.col.find_one({"_id": key}) or {}
            if doc.get("content") is None:
                async with write_gate(self.col):
                    await self.col.update_one(
                        {"_id": key}, {"$set": {"content": content, "event_id": event_id}}
                    )
                doc = {**doc, "content": content, "event_id": event_id}
        return doc

    async def owned_by(self, invoice: str, client_id: str) -> Doc:
        return await self._upsert(
            invoice, {"$set": {"client_id": client_id}, "$setOnInsert": {"refunded": False}}
        )

    async def claim_new(self, owners: Sequence[tuple[str, str, str, str | None]]) -> set[str]:
        """Record many `(invoice, client, content, event id)` at once, as `content` and
        `owned_by` would for new invoices; returns the invoices that were already known
        (a replay, a refund that came first, another sale under a used number), which
        were left untouched for the one-at-a-time path to look at."""
        documents = [
            {
                "_id": doc_key(self.tenant, invoice),
                "client_id": client,
                "refunded": False,
                "content": content,
                "event_id": event_id,
                "tenant": self.tenant,
            }
            for invoice, client, content, event_id in owners
        ]
        return {owners[i][0] for i in await insert_new(self.col, documents)}

    async def refunded(self, invoice: str) -> Doc:
        return await self._upsert(invoice, {"$set": {"refunded": True}})

    async def owner(self, invoice: str) -> str | None:
        """The client whose purchase claimed the invoice; None before the purchase."""
        doc = await self.col.find_one({"_id": doc_key(self.tenant, invoice)})
        return str(doc["client_id"]) if doc and doc.get("client_id") else None
