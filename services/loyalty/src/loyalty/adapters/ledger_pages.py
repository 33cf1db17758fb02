"""Sealed ledger pages: an account's older ledger entries, `PAGE` to a page, written once
before the state that names them and never changed (an erasure writes new pages and
drops the old ones), so an account's state keeps fewer than `PAGE` entries of its own and
its size no longer grows with the client's history.

A page's id carries a random part: two writers racing from the same state may seal
different entries. The loser's pages are named by no state, and it drops them.

`DatabasePages` keeps them in `accounts_pages`, read and written by `_id` alone (FerretDB
pushes down only `{_id}`); `MemoryPages` keeps them in a dictionary for use-case tests.
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from plumbing.mongo import Doc, doc_key, insert_new, write_gate
from plumbing.packed import pack
from pymongo.asynchronous.database import AsyncDatabase

from loyalty.adapters.ledger_documents import PACKED, entry_doc, entry_of, unpacked
from loyalty.domain.ledger import Entry

PAGES = "accounts_pages"
# Ledger entries per sealed page: a state keeps fewer than PAGE entries of its own.
PAGE = 16


@dataclass(frozen=True)
class Page:
    id: str
    client_id: str
    entries: list[Entry] = field(default_factory=list)


class LedgerPages(Protocol):
    def new_id(self, client_id: str) -> str: ...

    async def entries(self, ids: Sequence[str]) -> list[Entry]:
        """The entries of these pages, in the order given (a page missing is an error)."""
        ...

    async def write(self, pages: Sequence[Page]) -> None: ...

    async def drop(self, ids: Sequence[str]) -> None: ...


async def whole_ledger(pages: LedgerPages, ids: Sequence[str], own: Sequence[Entry]) -> list[Entry]:
    """The whole ledger, oldest first: the pages' entries, then the state's `own`."""
    return (await pages.entries(ids) if ids else []) + list(own)


class DatabasePages(LedgerPages):
    def __init__(self, db: AsyncDatabase[Doc], tenant: str) -> None:
        self.col = db[PAGES]
        self.tenant = tenant

    def new_id(self, client_id: str) -> str:
        return f"{doc_key(self.tenant, client_id)}~{secrets.token_hex(6)}"

    async def entries(self, ids: Sequence[str]) -> list[Entry]:
        found = await asyncio.gather(*(self.col.find_one({"_id": i}) for i in ids))
        entries: list[Entry] = []
        for page_id, doc in zip(ids, found, strict=True):
            if doc is None:
                raise RuntimeError(f"ledger page {page_id} is missing")
            entries += [entry_of(e) for e in unpacked(doc).get("entries") or []]
        return entries

    async def write(self, pages: Sequence[Page]) -> None:
        documents = [
            {
                "_id": page.id,
                "tenant": self.tenant,
                "client_id": page.client_id,
                PACKED: pack({"entries": [entry_doc(e) for e in page.entries]}),
            }
            for page in pages
        ]
        # Ids are random: an existing one is this very page, written by an earlier try.
        await insert_new(self.col, documents)

    async def drop(self, ids: Sequence[str]) -> None:
        if not ids:
            return
        async with write_gate(self.col):
            for page_id in ids:
                await self.col.delete_one({"_id": page_id})


class MemoryPages(LedgerPages):
    def __init__(self, tenant: str = "t") -> None:
        self.tenant = tenant
        self.pages: dict[str, Page] = {}

    def new_id(self, client_id: str) -> str:
        return f"{doc_key(self.tenant, client_id)}~{secrets.token_hex(6)}"

    async def entries(self, ids: Sequence[str]) -> list[Entry]:
        await asyncio.sleep(0)
        missing = [i for i in ids if i not in self.pages]
        if missing:
            raise RuntimeError(f"ledger pages {missing} are missing")
        return [e for i in ids for e in self.pages[i].entries]

    async def write(self, pages: Sequence[Page]) -> None:
        await asyncio.sleep(0)
        self.pages.update({page.id: page for page in pages})

    async def drop(self, ids: Sequence[str]) -> None:
        await asyncio.sleep(0)
        for page_id in ids:
            self.pages.pop(page_id, None)
