"""Where the loyalty context keeps its accounts: behind the storage port
(`plumbing.storage`), one aggregate per client (`ACCOUNTS`), plus its sealed ledger pages
(`ledger_pages`).

An account's state holds the balance, the lots AND the ledger entries not sealed yet,
the idempotency keys of what already applied, the client's profile (birthday, referrer,
whether its card arrived) and its erasure flag, so the balance, the lots, the ledger, the
facts the automations read and the events can never disagree: one save writes them
together, and two racing redemptions cannot both pass (`plumbing.storage.change` decides
the loser again). `next_expiry` and `next_reminder` are indexed: the hourly jobs find the
accounts with something due through `Storage.across_tenants`.

Which layout runs is the port's choice: chains of states on FerretDB (`accounts_states`,
`accounts_heads`: what loyalty wrote before the port loads as it is, the profile it kept
on the head included), one document per account on MongoDB (`accounts`; the chains a
MongoDB database already holds move there with `loyalty fold-chains`, docs/storage.md).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from plumbing.mongo import Doc
from plumbing.storage import Aggregates, Change, Conflict, Many, Outgoing, Repository
from plumbing.storage import Loaded as Stored

from loyalty.adapters.ledger_documents import account_of, entry_doc, lot_doc
from loyalty.adapters.ledger_pages import PAGE, LedgerPages, Page, whole_ledger
from loyalty.domain.ledger import Account


@dataclass
class AccountState:
    """An account as read. `pages` are the ids of its sealed ledger pages, oldest first;
    with `history`, `account.entries` holds their entries and then the state's own,
    without it only the state's own (enough for balance, lots, keys and new entries).
    `exists`: loyalty heard of the client (its card, a purchase, a visit)."""

    account: Account
    exists: bool
    profile: Doc
    erased: bool
    pages: list[str] = field(default_factory=list)
    history: bool = True
    reseal: bool = False  # write every entry into new pages (erasure rewrote old ones)


def new_account(client_id: str) -> AccountState:
    return AccountState(Account(client_id), exists=False, profile={}, erased=False)


class AccountCodec:
    """An account's state as one document: the entries it keeps (those not sealed into
    pages), the pages' ids, and the hints the jobs filter on."""

    def dump(self, state: AccountState) -> Doc:
        account = state.account
        expiries = [lot.expires_at for lot in account.lots if lot.expires_at is not None]
        return {
            "client_id": account.client_id,
            "balance": account.balance,
            "lots": [lot_doc(lot) for lot in account.lots],
            "entries": [entry_doc(e) for e in account.entries],
            "keys": sorted(account.keys),
            "pages": list(state.pages),
            "visits": account.visits,
            "first_invoice": account.first_invoice,
            "profile": dict(state.profile),
            "erased": state.erased,
            "next_expiry": min(expiries) if expiries else None,
            "next_reminder": account.next_reminder(),
        }

    def load(self, doc: Doc) -> AccountState:
        # A head that alone held the profile (loyalty's chain, before the port) has no
        # client id: `AccountLedgers` sets it from the key.
        account = account_of(str(doc.get("client_id") or ""), doc)
        return AccountState(
            account=account,
            exists=True,
            profile=dict(doc.get("profile") or {}),
            erased=bool(doc.get("erased")),
            pages=[str(p) for p in doc.get("pages") or []],
            history=False,
        )


ACCOUNTS: Aggregates[AccountState] = Aggregates(
    "accounts",
    AccountCodec(),
    indexed=("next_expiry", "next_reminder"),
    from_head=("profile", "erased"),
)


@dataclass
class _Sealed:
    stored: AccountState  # the state as saved: its own entries and every page's id
    pages: list[Page]  # new pages, written before the state


class AccountLedgers(Repository[AccountState]):
    """The accounts of one tenant with their whole ledger: the port's aggregates
    (`ACCOUNTS`) and the sealed pages. A save seals the oldest entries into pages of
    `PAGE` whenever the state's own reach `PAGE`, writes the pages, then the state; a
    state that loses its race drops the pages it wrote. Without `history` a load leaves
    the pages unread."""

    def __init__(
        self, states: Repository[AccountState], pages: LedgerPages, *, history: bool = True
    ) -> None:
        self.states = states
        self.pages = pages
        self.history = history

    @property
    def tenant(self) -> str:
        return self.states.tenant

    @property
    def name(self) -> str:
        return self.states.name

    async def _full(self, inner: Stored[AccountState]) -> Stored[AccountState]:
        state = inner.state
        if state is not None:
            state.account.client_id = inner.key
            state.history = self.history
            if self.history and state.pages:
                state.account.entries = await whole_ledger(
                    self.pages, state.pages, state.account.entries
                )
        # What the port returned rides along: the next save starts from it.
        return Stored(self.tenant, inner.key, inner.version, state, note=inner)

    async def load(self, key: str) -> Stored[AccountState]:
        return await self._full(await self.states.load(key))

    async def ledger(self, state: AccountState) -> list[Any]:
        """Every ledger entry of the account, oldest first."""
        if state.history:
            return list(state.account.entries)
        return await whole_ledger(self.pages, state.pages, state.account.entries)

    def _sealed(self, state: AccountState) -> _Sealed:
        account = state.account
        if state.reseal and not state.history:
            raise ValueError("resealing needs the whole ledger (load it with history)")
        sealed = 0 if state.reseal else len(state.pages) * PAGE
        own = account.entries[sealed:] if state.history else list(account.entries)
        names = [] if state.reseal else list(state.pages)
        pages: list[Page] = []
        while len(own) >= PAGE:
            page = Page(self.pages.new_id(account.client_id), account.client_id, own[:PAGE])
            pages.append(page)
            names.append(page.id)
            own = own[PAGE:]
        stored = dataclasses.replace(
            state,
            account=dataclasses.replace(account, entries=list(own)),
            pages=names,
            history=False,
            reseal=False,
        )
        return _Sealed(stored, pages)

    def _written(self, state: AccountState, sealed: _Sealed) -> None:
        """`sealed` is written: the state names its pages, and what it added is no
        longer new (entries just sealed leave an account loaded without history)."""
        account = state.account
        account.new_entries, account.new_keys, account.new_reminders = [], [], []
        state.pages = list(sealed.stored.pages)
        state.reseal = False
        state.exists = True
        if not state.history:
            account.entries = list(sealed.stored.account.entries)

    def _inner(self, current: Stored[AccountState]) -> Stored[AccountState]:
        if current.tenant != self.tenant:
            raise ValueError("an aggregate of another tenant")
        inner = current.note
        if not isinstance(inner, Stored):
            raise ValueError("an account is saved from what `load` returned")
        return inner

    async def save(
        self,
        current: Stored[AccountState],
        state: AccountState | None,
        events: Sequence[Outgoing] = (),
    ) -> Stored[AccountState]:
        if state is None:
            raise ValueError("an account is anonymised (`Account.anonymise`), not forgotten")
        inner = self._inner(current)
        replaced = list(state.pages) if state.reseal else []
        sealed = self._sealed(state)
        await self.pages.write(sealed.pages)
        try:
            saved = await self.states.save(inner, sealed.stored, events)
        except Conflict:
            await self.pages.drop([p.id for p in sealed.pages])
            raise
        self._written(state, sealed)
        await self.pages.drop(replaced)
        return Stored(self.tenant, current.key, saved.version, state, note=saved)

    async def save_many(self, changes: Sequence[Change[AccountState]]) -> Many[AccountState]:
        """Many accounts at once (the bulk purchase path): their new pages with one
        write, their states with the port's `save_many` (on FerretDB one insert, the
        events in one outbox batch)."""
        sealed: dict[str, _Sealed] = {}
        inner: list[Change[AccountState]] = []
        for current, state, events in changes:
            if state is None or state.reseal:
                raise ValueError("the bulk path neither forgets nor reseals accounts")
            sealed[current.key] = self._sealed(state)
            inner.append((self._inner(current), sealed[current.key].stored, events))
        await self.pages.write([p for one in sealed.values() for p in one.pages])
        many = await self.states.save_many(inner)
        await self.pages.drop([p.id for key in many.lost for p in sealed[key].pages])
        saved: dict[str, Stored[AccountState]] = {}
        for current, state, _ in changes:
            one = many.saved.get(current.key)
            if one is None or state is None:
                continue
            self._written(state, sealed[current.key])
            saved[current.key] = Stored(self.tenant, current.key, one.version, state, note=one)
        return Many(saved, set(many.lost))

    async def find(
        self, where: Mapping[str, Any] | None = None, *, limit: int = 0
    ) -> list[Stored[AccountState]]:
        return [await self._full(one) for one in await self.states.find(where, limit=limit)]
