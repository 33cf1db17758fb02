"""A client's timeline (C9): a small head document and sealed pages.

The head (`timelines`, `<tenant>:<client>`) holds the newest entries (fewer than `PAGE`),
the list of the client's pages and the guard list of the events already added. Whenever
the head's entries reach `PAGE`, the oldest `PAGE` are sealed into a page of their own
(`timeline_pages`, `<tenant>:<client>~<random>`), written before the head that names it
and never changed; a writer that finds the head moved meanwhile deletes the pages it
sealed and tries again. So adding an event writes a head of bounded size, whatever the
client's history, and the client card's `timeline(first: 10)` reads the head and, only
when its entries do not reach far enough back, the newest pages. Entries and pages'
entries are packed (`plumbing.packed`); the newest `KEEP` entries are kept.

Each entry added is announced (`crm.timeline_entry_added.v1`) by the head's write
itself: the announcements of the new entries go into the head's `_outbox` in that same
write (`plumbing.outbox`), and the relay publishes them (`HEADS` is one of crm's outbox
collections). An entry whose guard was already there adds nothing and announces nothing.

A head written before pages existed holds its entries as a list (`entries`): it is read
as the head's own entries and rewritten in the new form by the next event.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from plumbing import topics
from plumbing.clock import as_utc
from plumbing.envelope import Envelope
from plumbing.event_handlers import SEEN_FIELD, SEEN_KEEP
from plumbing.mongo import Doc, DuplicateKeyError
from plumbing.outbox import OUTBOX_FIELD, Outbox, stored, with_events
from plumbing.packed import pack, unpack
from plumbing.tenant_collection import TenantCollection
from pymongo.asynchronous.database import AsyncDatabase

HEADS = "timelines"
PAGES = "timeline_pages"
PAGE = 50
KEEP = 2000
LEGACY = "entries"
ATTEMPTS = 5

# (at, id) of an entry: the timeline's order, newest first when reversed.
Key = tuple[datetime, str]


def key_of(entry: Doc) -> Key:
    return (as_utc(entry["at"]), str(entry["id"]))


@dataclass
class Head:
    entries: list[Doc]  # oldest added first
    pages: list[Doc]  # {"id", "newest", "oldest", "n"}, oldest first
    guards: set[str]
    version: int | None  # None: a head written before versions (or none at all)
    exists: bool


class PagedTimelines:
    def __init__(self, db: AsyncDatabase[Doc], tenant: str, outbox: Outbox | None = None) -> None:
        self.heads = TenantCollection(db[HEADS], tenant)
        self.pages = TenantCollection(db[PAGES], tenant)
        self._outbox = outbox

    async def head(self, client_id: str) -> Head:
        doc = await self.heads.get(client_id, {OUTBOX_FIELD: 0})
        if doc is None:
            return Head([], [], set(), None, exists=False)
        packed = doc.get("recent")
        entries = list(doc.get(LEGACY) or []) + (unpack(packed) if packed else [])
        return Head(
            entries=entries,
            pages=list(doc.get("pages") or []),
            guards=set(doc.get(SEEN_FIELD) or []),
            version=int(doc["v"]) if "v" in doc else None,
            exists=True,
        )

    async def add(
        self,
        client_id: str,
        entries: Sequence[Doc],
        guards: Sequence[str],
        announcements: Sequence[Envelope],
    ) -> None:
        """Add the entries whose guard is not in the head yet, with their guards and the
        announcements of those entries, in one write of the head (and a page when the
        head fills up). The head is replaced only if it is still the one read (`v`);
        otherwise it is read again."""
        for _ in range(ATTEMPTS):
            head = await self.head(client_id)
            new = [
                (e, g, a)
                for e, g, a in zip(entries, guards, announcements, strict=True)
                if g not in head.guards
            ]
            if not new:
                return
            events = [stored(a, topics.CRM) for _, _, a in new]
            if await self._write(
                client_id, head, [e for e, _, _ in new], [g for _, g, _ in new], events
            ):
                if self._outbox is not None:
                    await self._outbox.written(HEADS, self.heads.key(client_id))
                return
        raise RuntimeError(f"timeline of {client_id} kept changing while being written")

    async def _write(
        self, client_id: str, head: Head, entries: list[Doc], guards: list[str], events: list[Doc]
    ) -> bool:
        own = head.entries + entries
        pages = list(head.pages)
        sealed: list[Doc] = []
        while len(own) >= PAGE:
            chunk, own = own[:PAGE], own[PAGE:]
            page_id = f"{client_id}~{secrets.token_hex(6)}"
            keys = [key_of(e) for e in chunk]
            sealed.append({"_id": page_id, "client_id": client_id, "packed": pack(chunk)})
            pages.append(
                {"id": page_id, "newest": max(keys)[0], "oldest": min(keys)[0], "n": len(chunk)}
            )
        dropped: list[str] = []
        while pages and sum(int(p["n"]) for p in pages) + len(own) > KEEP:
            dropped.append(str(pages.pop(0)["id"]))
        if sealed:
            await self.pages.insert_new(sealed)  # ids are random: an existing one is ours
        body = {
            "client_id": client_id,
            "recent": pack(own),
            "pages": pages,
            "v": (head.version or 0) + 1,
        }
        seen = {SEEN_FIELD: {"$each": guards, "$slice": -(SEEN_KEEP - 1 + len(guards))}}
        if not await self._replace_head(client_id, head, body, seen, guards, events):
            # Another writer moved the head first: the pages just sealed are named by no
            # head and never will be (the next try seals its own), so they go now.
            for page in sealed:
                await self.pages.delete({"_id": page["_id"]})
            return False
        for page_id in dropped:
            await self.pages.delete({"_id": page_id})
        return True

    async def _replace_head(
        self, client_id: str, head: Head, body: Doc, seen: Doc, guards: list[str], events: list[Doc]
    ) -> bool:
        """Write the head, with `events` in its outbox, if it is still the one read (`v`);
        False if it is not."""
        if not head.exists:
            try:
                await self.heads.insert(
                    {"_id": client_id, **body, SEEN_FIELD: guards, OUTBOX_FIELD: events}
                )
            except DuplicateKeyError:
                return False
            return True
        same = {"v": head.version} if head.version is not None else {"v": {"$exists": False}}
        update: Doc = with_events({"$set": body, "$push": seen}, events)
        if head.version is None:
            update["$unset"] = {LEGACY: ""}
        return await self.heads.update({"_id": client_id, **same}, update) is not None

    async def newest(self, client_id: str, count: int, before: Key | None = None) -> list[Doc]:
        """The `count` newest entries (older than `before`, when given), newest first.
        Pages are read newest first, and only while one may hold an entry newer than
        the `count`-th found so far."""
        head = await self.head(client_id)
        found = [e for e in head.entries if before is None or key_of(e) < before]
        for page in reversed(head.pages):
            found.sort(key=key_of, reverse=True)
            if len(found) >= count and as_utc(page["newest"]) < key_of(found[count - 1])[0]:
                continue
            if before is not None and as_utc(page["oldest"]) > before[0]:
                continue
            found += [e for e in await self._page(page) if before is None or key_of(e) < before]
        found.sort(key=key_of, reverse=True)
        return found[:count]

    async def newer(self, client_id: str, count: int, than: Key | None = None) -> list[Doc]:
        """The `count` entries just newer than `than` (the oldest without it), newest
        first. Pages are read oldest first, and only while one may hold an entry older
        than the `count`-th found so far (`newest`, the other way round)."""
        head = await self.head(client_id)
        found = [e for e in head.entries if than is None or key_of(e) > than]
        for page in head.pages:
            found.sort(key=key_of)
            if len(found) >= count and as_utc(page["oldest"]) > key_of(found[count - 1])[0]:
                continue
            if than is not None and as_utc(page["newest"]) < than[0]:
                continue
            found += [e for e in await self._page(page) if than is None or key_of(e) > than]
        found.sort(key=key_of)
        return list(reversed(found[:count]))

    async def entry(self, client_id: str, entry_id: str) -> Doc | None:
        """One entry by its id: the head first (a new entry is there), then the pages,
        newest first."""
        head = await self.head(client_id)
        for entry in head.entries:
            if str(entry["id"]) == entry_id:
                return entry
        for page in reversed(head.pages):
            for entry in await self._page(page):
                if str(entry["id"]) == entry_id:
                    return entry
        return None

    async def every(self, client_id: str) -> list[Doc]:
        """Every entry kept, in the order they were added."""
        head = await self.head(client_id)
        entries: list[Doc] = []
        for page in head.pages:
            entries += await self._page(page)
        return entries + head.entries

    async def erase(self, client_id: str) -> None:
        head = await self.head(client_id)
        await self.heads.delete({"_id": client_id})
        for page in head.pages:
            await self.pages.delete({"_id": page["id"]})

    async def _page(self, page: Doc) -> list[Doc]:
        doc = await self.pages.get(str(page["id"]))
        if doc is None:
            raise RuntimeError(f"timeline page {page['id']} is missing")
        return list(unpack(doc["packed"]))
