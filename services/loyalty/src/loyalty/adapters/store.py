"""Where the loyalty context keeps its state (one database; every hot read and write is
keyed by `_id` alone, see `chain.py`).

- `accounts_states` / `accounts_heads`: one chain per client. A state holds the balance,
  the lots AND the ledger entries, the idempotency keys of what already applied and the
  pending outbox, so the balance, the lots, the ledger and the events can never disagree;
  two racing redemptions cannot both pass (the loser re-reads and re-decides). The
  ledger's older entries are sealed into `accounts_pages` (see `Pages`), so a state holds
  fewer than `PAGE` entries and its size no longer grows with the client's history. A
  state's lots, entries and keys (a page's entries) are one packed field (`PACKED`,
  `plumbing.packed`): always read and written whole, and far cheaper so. The head
  keeps what the automations need to know about the client (birthday, referrer), and
  hints for the jobs: the next expiry, and the next expiry nobody was reminded of yet.
- `program_states` / `program_heads`: the program's versions (settings, per-service
  rules, promotion rewards), newest last.
- `invoices`: invoice number -> client, and whether it was refunded (a refund may name
  no client, or arrive before its purchase).
- `automations`: the points automations (L7).
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from plumbing.contracts import Catalog, EventData
from plumbing.mongo import Doc, doc_key, document_lock, insert_new, write_gate
from plumbing.outbox import OUTBOX_FIELD, stored
from plumbing.packed import pack, unpack
from plumbing.recent import Recent
from pymongo import ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase

from loyalty.adapters.chain import Chain, Conflict
from loyalty.domain.earning import (
    DEFAULT_REMINDER_DAYS,
    EarnRule,
    Program,
    ProgramVersion,
    PromotionReward,
)
from loyalty.domain.ledger import Account, Entry, Kind, Lot, Taken

ACCOUNTS = "accounts"
PAGES = "accounts_pages"
# Ledger entries per sealed page: a state keeps fewer than PAGE entries of its own.
PAGE = 16
# A state's `lots`, `entries` and `keys`, a page's `entries`, packed into one string.
PACKED = "packed"
PROGRAM = "program"
INVOICES = "invoices"
AUTOMATIONS = "automations"
PROGRAM_ID = "program"


# ---------------------------------------------------------------- (de)serialisation
def _lot_doc(lot: Lot) -> Doc:
    return {"id": lot.id, "points": lot.points, "at": lot.at, "expires_at": lot.expires_at}


def _lot(doc: Doc) -> Lot:
    return Lot(doc["id"], int(doc["points"]), doc["at"], doc.get("expires_at"))


def _taken_doc(t: Taken) -> Doc:
    return {"lot_id": t.lot_id, "points": t.points, "at": t.at, "expires_at": t.expires_at}


def _taken(doc: Doc) -> Taken:
    return Taken(doc["lot_id"], int(doc["points"]), doc["at"], doc.get("expires_at"))


def entry_doc(e: Entry) -> Doc:
    # Absent fields are left out: every state carries its open entries.
    return _present(
        {
            "id": e.id,
            "kind": e.kind.value,
            "points": e.points,
            "value": str(e.value),
            "balance_after": e.balance_after,
            "at": e.at,
            "key": e.key,
            "branch_id": e.branch_id,
            "invoice_number": e.invoice_number,
            "source_type": e.source_type,
            "source_id": e.source_id,
            "source_name": e.source_name,
            "note": e.note,
            "actor_id": e.actor_id,
            "expires_at": e.expires_at,
            "channel": e.channel,
            "taken": [_taken_doc(t) for t in e.taken],
        }
    )


def _present(doc: Doc) -> Doc:
    return {k: v for k, v in doc.items() if v is not None and v != []}


def entry_of(doc: Doc) -> Entry:
    return Entry(
        id=doc["id"],
        kind=Kind(doc["kind"]),
        points=int(doc["points"]),
        value=Decimal(doc["value"]),
        balance_after=int(doc["balance_after"]),
        at=doc["at"],
        key=doc.get("key"),
        branch_id=doc.get("branch_id"),
        invoice_number=doc.get("invoice_number"),
        source_type=doc.get("source_type") or "MANUAL",
        source_id=doc.get("source_id"),
        source_name=doc.get("source_name"),
        note=doc.get("note"),
        actor_id=doc.get("actor_id"),
        expires_at=doc.get("expires_at"),
        channel=doc.get("channel"),
        taken=tuple(_taken(t) for t in doc.get("taken") or []),
    )


def unpacked(doc: Doc) -> Doc:
    """A state or a page with its packed field spread out (documents written before
    packing have the fields as they are)."""
    text = doc.get(PACKED)
    return {**doc, **unpack(text)} if isinstance(text, str) else doc


def account_of(client_id: str, doc: Doc | None) -> Account:
    if doc is None:
        return Account(client_id=client_id)
    doc = unpacked(doc)
    return Account(
        client_id=client_id,
        balance=int(doc.get("balance") or 0),
        lots=[_lot(lot) for lot in doc.get("lots") or []],
        entries=[entry_of(e) for e in doc.get("entries") or []],
        keys=set(doc.get("keys") or []),
        visits=int(doc.get("visits") or 0),
        first_invoice=doc.get("first_invoice"),
        version=int(doc.get("version") or 0),
    )


@dataclass
class Loaded:
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
    def __init__(self, db: AsyncDatabase[Doc], tenant: str, catalog: Catalog) -> None:
        self.chain = Chain(db, ACCOUNTS, tenant)
        self.pages = Pages(db, tenant)
        self.tenant = tenant
        self.catalog = catalog

    async def exists(self, client_id: str) -> bool:
        return (await self.chain.head(client_id)) is not None

    async def load(
        self,
        client_id: str,
        head: Doc | None = None,
        *,
        walk: bool = True,
        history: bool = True,
    ) -> Loaded:
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
        return Loaded(
            account=account,
            exists=bool(head) or doc is not None,
            profile=dict((head or {}).get("profile") or {}),
            erased=bool((head or {}).get("erased")),
            pages=pages,
            history=history,
        )

    async def history(self, loaded: Loaded) -> list[Entry]:
        """Every ledger entry of the account, oldest first."""
        if loaded.history:
            return list(loaded.account.entries)
        return await self.pages.ledger(loaded.pages, loaded.account.entries)

    def next_state(self, loaded: Loaded, events: Sequence[EventData]) -> NextState:
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
        outbox = [
            stored(
                self.catalog.envelope(e, tenant=self.tenant, subject=account.client_id),
                _topic(self.catalog, e),
            )
            for e in events
        ]
        state: Doc = {
            "client_id": account.client_id,
            "balance": account.balance,
            PACKED: pack(
                {
                    "lots": [_lot_doc(lot) for lot in account.lots],
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

    async def save(self, loaded: Loaded, events: Sequence[EventData]) -> None:
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

    async def set_profile(self, client_id: str, fields: Doc) -> None:
        """Facts about the client the automations need (kept apart from the ledger)."""
        await self.chain.set_head(client_id, {f"profile.{k}": v for k, v in fields.items()})

    async def mark_erased(self, client_id: str) -> None:
        await self.chain.set_head(client_id, {"profile": {}, "erased": True})

    async def forget_old_states(self, client_id: str) -> int:
        head = await self.chain.head(client_id)
        return await self.chain.forget(client_id, head) if head else 0

    async def every(self, *, clean: bool = False, history: bool = True) -> list[Loaded]:
        """Every account of the tenant (jobs and reports only); `clean` also drops old
        states whose events are out (the expiry job does it, hourly)."""
        loaded: list[Loaded] = []
        for head in await self.chain.all_heads():
            if head.get("local"):
                loaded.append(await self.load(str(head["local"]), head, history=history))
                if clean:
                    await self.chain.forget(str(head["local"]), head)
        return loaded


def saved(account: Account) -> None:
    """The account's changes are written: it now stands at its next version."""
    account.version += 1
    account.new_entries = []
    account.new_keys = []
    account.new_reminders = []


def written(loaded: Loaded, following: NextState) -> None:
    """`following` is written: the account stands at its next version, with the pages
    its state names (entries just sealed leave an account loaded without its history)."""
    saved(loaded.account)
    loaded.pages = list(following.state["pages"])
    loaded.reseal = False
    if not loaded.history:
        own = following.own
        loaded.account.entries = loaded.account.entries[-own:] if own else []


def _topic(catalog: Catalog, data: EventData) -> str:
    return catalog.type_of(data).topic


# ---------------------------------------------------------------- program
def _program_doc(p: Program) -> Doc:
    return {
        "enabled": p.enabled,
        "point_value": str(p.point_value),
        "earn_percent": str(p.earn_percent),
        "expiry_days": p.expiry_days,
        "non_earning_methods": sorted(p.non_earning_methods),
        "receipt_branch_ids": list(p.receipt_branch_ids),
        "rules": [
            {
                "service_id": r.service_id,
                "service_name": r.service_name,
                "excluded": r.excluded,
                "fixed_points": r.fixed_points,
            }
            for r in p.rules.values()
        ],
        "promotion_rewards": [
            {"rank_id": r.rank_id, "points": r.points, "expiry_days": r.expiry_days}
            for r in p.promotion_rewards.values()
        ],
        "expiry_reminder_days": p.expiry_reminder_days,
    }


def _program(doc: Doc) -> Program:
    rules = [
        EarnRule(r["service_id"], r["service_name"], bool(r["excluded"]), r.get("fixed_points"))
        for r in doc.get("rules") or []
    ]
    return Program(
        enabled=bool(doc["enabled"]),
        point_value=Decimal(doc["point_value"]),
        earn_percent=Decimal(doc["earn_percent"]),
        expiry_days=int(doc["expiry_days"]),
        non_earning_methods=frozenset(doc.get("non_earning_methods") or []),
        receipt_branch_ids=tuple(doc.get("receipt_branch_ids") or []),
        rules={r.service_id: r for r in rules},
        promotion_rewards={
            str(r["rank_id"]): PromotionReward(
                str(r["rank_id"]), int(r["points"]), int(r["expiry_days"])
            )
            for r in doc.get("promotion_rewards") or []
        },
        # Versions written before reminders existed get the default.
        expiry_reminder_days=int(doc.get("expiry_reminder_days", DEFAULT_REMINDER_DAYS)),
    )


# The program as queries show it (the client card, `loyaltyProgram`): a few seconds.
_shown: Recent[Program] = Recent()


class Programs:
    def __init__(self, db: AsyncDatabase[Doc], tenant: str) -> None:
        self.chain = Chain(db, PROGRAM, tenant)
        self._key = (db.name, tenant)

    async def versions(self, *, walk: bool = False) -> tuple[int, list[ProgramVersion]]:
        rev, doc = await self.chain.latest(PROGRAM_ID, walk=walk)
        if doc is None:
            return rev, []
        return rev, [
            ProgramVersion(v["since"], _program(v["program"])) for v in doc.get("versions") or []
        ]

    async def current(self) -> Program:
        _, versions = await self.versions()
        return versions[-1].program if versions else Program()

    async def shown(self) -> Program:
        """The current program for queries: remembered for a few seconds
        (`plumbing.recent`); what decides points reads `current`."""
        return await _shown.get(self._key, self.current)

    async def append(self, rev: int, versions: Sequence[ProgramVersion]) -> None:
        docs = [{"since": v.since, "program": _program_doc(v.program)} for v in versions]
        try:
            await self.chain.append(PROGRAM_ID, rev + 1, {"versions": docs})
        finally:
            _shown.drop(self._key)


# ---------------------------------------------------------------- invoices
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


# ---------------------------------------------------------------- automations
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
