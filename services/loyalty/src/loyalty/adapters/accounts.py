"""Where the loyalty context keeps its accounts (every hot read and write is keyed by
`_id` alone: FerretDB's SQLite backend pushes only a bare `_id` filter down).

- `accounts_states` / `accounts_heads`: one chain of states per client (`chain.py`). A
  state holds the balance, the lots AND the ledger entries, the idempotency keys of what
  already applied and the pending outbox, so the balance, the lots, the ledger and the
  events can never disagree; two racing redemptions cannot both pass (the loser re-reads
  and re-decides). The head keeps what the automations need to know about the client
  (birthday, referrer), and hints for the jobs: the next expiry, and the next expiry
  nobody was reminded of yet.
- `accounts_pages`: the ledger's older entries, sealed in pages of `PAGE` (see `Pages`),
  so a state holds fewer than `PAGE` entries and its size no longer grows with the
  client's history.

Use cases reach an account through `AccountLedgers`, the storage port
(`plumbing.storage.Repository`) over that layout, and `plumbing.storage.change`; use-case
tests use `plumbing.storage.MemoryStorage` with `ACCOUNT_STATES` instead.
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from plumbing.mongo import Doc, doc_key, insert_new, write_gate
from plumbing.outbox import OUTBOX_FIELD, stored
from plumbing.packed import pack
from plumbing.storage import Aggregates, Conflict, Outgoing, Repository
from plumbing.storage import Loaded as Stored
from pymongo.asynchronous.database import AsyncDatabase

from loyalty.adapters.chain import Chain, heads_of_every_tenant
from loyalty.adapters.ledger_documents import (
    PACKED,
    account_of,
    entry_doc,
    entry_of,
    lot_doc,
    unpacked,
)
from loyalty.domain.ledger import Account, Entry

ACCOUNTS = "accounts"
PAGES = "accounts_pages"
# Ledger entries per sealed page: a state keeps fewer than PAGE entries of its own.
PAGE = 16


@dataclass
class AccountState:
    """An account as read. `pages` are the ids of its sealed ledger pages, oldest first;
    with `history`, `account.entries` holds their entries and then the state's own,
    without it only the state's own (enough for balance, lots, keys and new entries)."""

    account: Account
    exists: bool
    profile: Doc
    erased: bool
    pages: list[str] = field(default_factory=list)
    history: bool = True
    reseal: bool = False  # write every entry into new pages (erasure rewrote old ones)


class Pages:
    """Sealed ledger pages: `PAGE` entries each, written once before the state that
    names them, never changed (an erasure writes new pages and drops the old ones).

    A page's `_id` carries a random part: two writers racing from the same state may seal
    different entries. The loser's pages are named by no state, and it drops them before
    it reads again (`drop`)."""

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

    async def ledger(self, ids: Sequence[str], own: Sequence[Entry]) -> list[Entry]:
        """The whole ledger, oldest first: the pages' entries, then the state's `own`."""
        return (await self.entries(ids) if ids else []) + list(own)

    async def write(self, pages: Sequence[Doc]) -> None:
        # Ids are random: an existing one is this very page, written by an earlier try.
        await insert_new(self.col, pages)

    async def drop(self, ids: Sequence[str]) -> None:
        if not ids:
            return
        async with write_gate(self.col):
            for page_id in ids:
                await self.col.delete_one({"_id": page_id})


@dataclass
class NextState:
    state: Doc
    hints: Doc
    pages: list[Doc]  # new sealed pages, to be written before the state
    own: int  # ledger entries the state keeps (those not sealed into pages)


class Accounts:
    def __init__(self, db: AsyncDatabase[Doc], tenant: str) -> None:
        self.chain = Chain(db, ACCOUNTS, tenant)
        self.pages = Pages(db, tenant)
        self.tenant = tenant

    def ledgers(self, *, history: bool = True, head: Doc | None = None) -> AccountLedgers:
        """The accounts behind the storage port, for `plumbing.storage.change`."""
        return AccountLedgers(self, history=history, head=head)

    async def exists(self, client_id: str) -> bool:
        return (await self.chain.head(client_id)) is not None

    async def load(
        self,
        client_id: str,
        head: Doc | None = None,
        *,
        walk: bool = True,
        history: bool = True,
    ) -> AccountState:
        """The account; `head` if already read (`{}`: read and found missing). Without
        `history` the sealed pages are not read: the whole ledger is then not there, but
        everything a new entry needs is."""
        if head is None:
            head = await self.chain.head(client_id)
        version, doc = await self.chain.latest(client_id, head, walk=walk)
        account = account_of(client_id, doc)
        account.version = version
        pages = [str(p) for p in (doc or {}).get("pages") or []]
        if history:
            account.entries = await self.pages.ledger(pages, account.entries)
        return AccountState(
            account=account,
            exists=bool(head) or doc is not None,
            profile=dict((head or {}).get("profile") or {}),
            erased=bool((head or {}).get("erased")),
            pages=pages,
            history=history,
        )

    async def history(self, loaded: AccountState) -> list[Entry]:
        """Every ledger entry of the account, oldest first."""
        if loaded.history:
            return list(loaded.account.entries)
        return await self.pages.ledger(loaded.pages, loaded.account.entries)

    def next_state(self, loaded: AccountState, events: Sequence[Outgoing]) -> NextState:
        """The next state document of the account (with its events), the head's hints
        and the ledger pages it seals: whenever the state's own entries reach `PAGE`, the
        oldest `PAGE` go into a page of their own."""
        account = loaded.account
        if loaded.reseal and not loaded.history:
            raise ValueError("resealing needs the whole ledger (load it with history)")
        sealed = 0 if loaded.reseal else len(loaded.pages) * PAGE
        own = account.entries[sealed:] if loaded.history else list(account.entries)
        pages = [] if loaded.reseal else list(loaded.pages)
        new_pages: list[Doc] = []
        while len(own) >= PAGE:
            page_id = self.pages.new_id(account.client_id)
            new_pages.append(
                {
                    "_id": page_id,
                    "tenant": self.tenant,
                    "client_id": account.client_id,
                    PACKED: pack({"entries": [entry_doc(e) for e in own[:PAGE]]}),
                }
            )
            pages.append(page_id)
            own = own[PAGE:]
        outbox = [stored(e.envelope, e.topic) for e in events]
        state: Doc = {
            "client_id": account.client_id,
            "balance": account.balance,
            PACKED: pack(
                {
                    "lots": [lot_doc(lot) for lot in account.lots],
                    "entries": [entry_doc(e) for e in own],
                    "keys": sorted(account.keys),
                }
            ),
            "pages": pages,
            "visits": account.visits,
            "first_invoice": account.first_invoice,
            OUTBOX_FIELD: outbox,
        }
        expiries = [lot.expires_at for lot in account.lots if lot.expires_at is not None]
        hints = {
            "next_expiry": min(expiries) if expiries else None,
            "next_reminder": account.next_reminder(),
        }
        return NextState(state, hints, new_pages, len(own))

    async def save(self, loaded: AccountState, events: Sequence[Outgoing]) -> None:
        """Write the next state, only if nobody else wrote it first (else Conflict)."""
        account = loaded.account
        following = self.next_state(loaded, events)
        await self.pages.write(following.pages)
        try:
            await self.chain.append(
                account.client_id, account.version + 1, following.state, hints=following.hints
            )
        except Conflict:
            await self.pages.drop([str(p["_id"]) for p in following.pages])
            raise
        replaced = loaded.pages if loaded.reseal else []
        written(loaded, following)
        if replaced:
            await self.pages.drop(replaced)

    async def save_many(
        self, states: Mapping[str, AccountState], events: Mapping[str, Sequence[Outgoing]]
    ) -> tuple[set[str], dict[str, Doc]]:
        """Write the next state of many accounts at once (the bulk purchase path): their
        new pages with one insert, the states with one insert and their events in one
        outbox batch (`Chain.append_many`). Returns the clients whose state lost its race
        (nothing of theirs is left written) and the head hints of the others, which are
        now at their next version. The heads are left to the caller (`advance`)."""
        nexts = {c: self.next_state(state, events.get(c, ())) for c, state in states.items()}
        await self.pages.write([page for n in nexts.values() for page in n.pages])
        lost = await self.chain.append_many(
            [(c, states[c].account.version + 1, n.state) for c, n in nexts.items()]
        )
        await self.pages.drop([str(p["_id"]) for c in lost for p in nexts[c].pages])
        hints: dict[str, Doc] = {}
        for client, following in nexts.items():
            if client not in lost:
                written(states[client], following)
                hints[client] = following.hints
        return lost, hints

    async def head(self, client_id: str) -> Doc | None:
        """The account's head: the client's profile and the jobs' hints."""
        return await self.chain.head(client_id)

    async def heads_of(self, client_ids: Sequence[str]) -> dict[str, Doc]:
        return await self.chain.heads_of(client_ids)

    async def advance(self, client_id: str, version: int, hints: Doc) -> None:
        """Move the head's hint to `version` (never back) and set its hints."""
        await self.chain.advance(client_id, version, hints)

    async def set_profile(self, client_id: str, fields: Doc) -> None:
        """Facts about the client the automations need (kept apart from the ledger)."""
        await self.chain.set_head(client_id, {f"profile.{k}": v for k, v in fields.items()})

    async def mark_erased(self, client_id: str) -> None:
        await self.chain.set_head(client_id, {"profile": {}, "erased": True})

    async def forget_old_states(self, client_id: str) -> int:
        head = await self.chain.head(client_id)
        return await self.chain.forget(client_id, head) if head else 0

    async def every(self, *, clean: bool = False, history: bool = True) -> list[AccountState]:
        """Every account of the tenant (jobs and reports only); `clean` also drops old
        states whose events are out (the expiry job does it, hourly)."""
        loaded: list[AccountState] = []
        for head in await self.chain.all_heads():
            if head.get("local"):
                loaded.append(await self.load(str(head["local"]), head, history=history))
                if clean:
                    await self.chain.forget(str(head["local"]), head)
        return loaded


async def every_head(db: AsyncDatabase[Doc], projection: Doc) -> list[Doc]:
    """The heads of every account of every tenant, with the hints the jobs read (`tenant`,
    `local`: the client, `next_expiry`, `next_reminder`, `erased`): one scan of the small
    heads collection, for the hourly jobs only."""
    return await heads_of_every_tenant(db, ACCOUNTS, projection)


def saved(account: Account) -> None:
    """The account's changes are written: it now stands at its next version."""
    account.version += 1
    account.new_entries = []
    account.new_keys = []
    account.new_reminders = []


def written(loaded: AccountState, following: NextState) -> None:
    """`following` is written: the account stands at its next version, with the pages
    its state names (entries just sealed leave an account loaded without its history)."""
    saved(loaded.account)
    loaded.pages = list(following.state["pages"])
    loaded.reseal = False
    if not loaded.history:
        own = following.own
        loaded.account.entries = loaded.account.entries[-own:] if own else []


class AccountLedgers(Repository[AccountState]):
    """The accounts of one tenant as the storage port (`plumbing.storage.Repository`)
    sees them, over the chain and its ledger pages, for `plumbing.storage.change`.

    A load always gives a state (an account never written has `exists` False: the head
    may already hold the client's profile). Sealed pages are written before the state
    that names them and dropped when the state loses its race (`Accounts.save`).

    The first load may trust a head read just before (`head`) and skip the walk past it
    (one read less); every later load walks to the newest state. A writer that trusted a
    lagging head gets Conflict on save and loads again. `trusted` tells whether the last
    load trusted the head: a refusal decided on it is worth checking on a walked load."""

    def __init__(
        self, accounts: Accounts, *, history: bool = True, head: Doc | None = None
    ) -> None:
        self.accounts = accounts
        self.history = history
        self._head = head
        self._first = True
        self.trusted = False

    @property
    def tenant(self) -> str:
        return self.accounts.tenant

    @property
    def name(self) -> str:
        return ACCOUNTS

    async def load(self, key: str) -> Stored[AccountState]:
        trust, head = self._first, self._head if self._first else None
        self._first, self._head = False, None
        self.trusted = trust
        state = await self.accounts.load(key, head, walk=not trust, history=self.history)
        return Stored(self.tenant, key, state.account.version, state)

    async def save(
        self,
        current: Stored[AccountState],
        state: AccountState | None,
        events: Sequence[Outgoing] = (),
    ) -> Stored[AccountState]:
        if state is None:
            raise ValueError("an account is anonymised (`Account.anonymise`), not forgotten")
        if state.account.version != current.version:
            raise ValueError("the state saved is not the one loaded")
        await self.accounts.save(state, events)
        return Stored(self.tenant, current.key, state.account.version, state)

    async def find(
        self, where: Mapping[str, Any] | None = None, *, limit: int = 0
    ) -> list[Stored[AccountState]]:
        if where:
            raise ValueError("accounts are found through their heads' hints (the jobs)")
        found = await self.accounts.every(history=self.history)
        found = found[:limit] if limit else found
        return [Stored(self.tenant, s.account.client_id, s.account.version, s) for s in found]


class AccountCodec:
    """An account state as one document (the whole ledger in it, no pages): what
    `plumbing.storage.MemoryStorage` keeps in the use-case tests."""

    def dump(self, state: AccountState) -> Doc:
        account = state.account
        return {
            "client_id": account.client_id,
            "balance": account.balance,
            "lots": [lot_doc(lot) for lot in account.lots],
            "entries": [entry_doc(e) for e in account.entries],
            "keys": sorted(account.keys),
            "visits": account.visits,
            "first_invoice": account.first_invoice,
            "profile": dict(state.profile),
            "erased": state.erased,
        }

    def load(self, doc: Doc) -> AccountState:
        account = account_of(str(doc["client_id"]), doc)
        return AccountState(
            account=account,
            exists=True,
            profile=dict(doc.get("profile") or {}),
            erased=bool(doc.get("erased")),
        )


# The accounts as plain port aggregates (use-case tests on `MemoryStorage`).
ACCOUNT_STATES: Aggregates[AccountState] = Aggregates(ACCOUNTS, AccountCodec())
