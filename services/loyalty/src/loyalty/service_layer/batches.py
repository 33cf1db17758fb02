"""Purchases in bulk: the consumer's hot path (L2 at thousands of sales a second).

The one-at-a-time path (`purchases.purchase_recorded`) costs several single-document
writes per sale. Here a run of purchases costs a handful of calls, whatever its length:

- the program and the studio's currency are read once per tenant;
- the invoices are claimed with one `insert_many`: an invoice already known (a replay,
  a refund that came first) sends all of that client's purchases of the run to the
  one-at-a-time path, which knows what to do;
- a purchase before its client's card is left to the one-at-a-time path, which lets it
  wait for the card (the card's referrer decides points), its invoice not even claimed:
  the account's head tells (read anyway, or known from this process's own writes);
- each account is read once, or not at all: this process keeps the accounts it wrote
  for `TRUST_FOR`, decides every purchase of the run in order, and writes each account
  once: all the next states with one `insert_many` (the same compare-and-set by
  insertion as `Chain.append`: if anyone else wrote the account meanwhile, the state we
  would write exists already, since states younger than `Chain.KEEP_RECENT` are never
  cleaned up; the client's purchases then go to the one-at-a-time path);
- their events wait for the relay in one outbox batch, not in each state;
- heads move when their hints change or when they fall `HEAD_LAG` states behind (they
  are hints: readers find the newest state from them in a few reads, `Chain._walk`).

Replays stay harmless: the earn key of each invoice is in the account's state.
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from plumbing.clock import as_utc
from plumbing.mongo import Doc
from plumbing.storage import Outgoing, outgoing
from plumbing.studio import studio_settings

from loyalty.adapters.accounts import Accounts, AccountState
from loyalty.adapters.database import Database
from loyalty.adapters.invoices import Invoices
from loyalty.adapters.programs import Programs
from loyalty.domain.earning import program_at
from loyalty.events import catalog
from loyalty.service_layer.account_changes import events_for
from loyalty.service_layer.automations import referral
from loyalty.service_layer.purchases import Purchase, earning

HEAD_LAG = 32
KEEP_ACCOUNTS = 10_000
# Well under `Chain.KEEP_RECENT`: a state we wrote this long ago has not been cleaned up.
TRUST_FOR = timedelta(minutes=1)


@dataclass
class _Referral:
    referrer: str
    referred: str
    at: datetime


@dataclass
class _Known:
    loaded: AccountState
    head: Doc  # the head as we last read or wrote it: its `v` and hints
    at: float  # when we wrote the account (monotonic seconds)


class PurchaseBatches:
    """One per consumer process: it remembers the accounts it wrote last."""

    def __init__(self, db: Database, *, keep: int = KEEP_ACCOUNTS) -> None:
        self.db = db
        self.keep = keep
        self._accounts: OrderedDict[tuple[str, str], _Known] = OrderedDict()

    async def apply(self, purchases: Sequence[tuple[str, Purchase]]) -> set[int]:
        """Apply `(tenant, purchase)` pairs; returns the positions left to the
        one-at-a-time path."""
        by_tenant: dict[str, list[int]] = defaultdict(list)
        for position, (tenant, _) in enumerate(purchases):
            by_tenant[tenant].append(position)
        left: set[int] = set()
        for tenant, positions in by_tenant.items():
            run = [(position, purchases[position][1]) for position in positions]
            try:
                left |= await self._apply_tenant(tenant, run)
            except BaseException:
                # Accounts may hold decisions that were never written: forget them all.
                for _, purchase in run:
                    self._accounts.pop((tenant, purchase.client_id), None)
                raise
        return left

    async def _apply_tenant(self, tenant: str, run: list[tuple[int, Purchase]]) -> set[int]:
        accounts = Accounts(self.db, tenant)
        _, versions = await Programs(self.db, tenant).versions()
        currency = (await studio_settings(self.db, tenant)).currency
        clients = sorted({p.client_id for _, p in run})
        known = {c: self._known(tenant, c) for c in clients}
        unknown = [c for c in clients if known[c] is None]
        heads = await accounts.heads_of(unknown)
        # Not even its invoice is claimed: the one-at-a-time path lets it wait for the card.
        strangers = {c for c in unknown if not _carded(heads.get(c))}
        claimed = await Invoices(self.db, tenant).claim_new(
            [(p.invoice, p.client_id) for _, p in run if p.client_id not in strangers]
        )
        aside = strangers | {p.client_id for _, p in run if p.invoice in claimed}
        clients = [c for c in clients if c not in aside]
        unknown = [c for c in unknown if c not in aside]
        read = await asyncio.gather(
            *(accounts.load(c, heads.get(c, {}), history=False) for c in unknown)
        )
        loaded = {c: k.loaded for c, k in known.items() if k is not None}
        loaded |= dict(zip(unknown, read, strict=True))
        for c in unknown:
            head = heads.get(c)
            known[c] = _Known(loaded[c], head or {}, 0.0) if head is not None else None

        events: dict[str, list[Outgoing]] = defaultdict(list)
        referrals: list[_Referral] = []
        for _, p in run:
            if p.client_id in aside:
                continue
            one = loaded[p.client_id]
            # The same decision as one purchase at a time (`purchases.earning`).
            entries = earning(program_at(versions, p.recorded_at), p)(one)
            events[p.client_id] += [
                outgoing(catalog, data, tenant=tenant, subject=p.client_id)
                for data in events_for(p.client_id, entries, currency)
            ]
            referrer = one.profile.get("referred_by")
            if referrer and one.account.first_invoice == p.invoice and one.account.new_keys:
                referrals.append(_Referral(str(referrer), p.client_id, p.occurred_at))

        changed = [c for c in clients if loaded[c].account.new_keys or not loaded[c].exists]
        lost, hints = await accounts.save_many({c: loaded[c] for c in changed}, events)
        for client in lost:
            self._accounts.pop((tenant, client), None)
        for client in changed:
            if client in lost:
                continue
            one = loaded[client]
            one.exists = True
            was = known[client]
            head = was.head if was is not None else None
            if head is None or _moved(head, hints[client], one.account.version):
                await accounts.advance(client, one.account.version, hints[client])
                head = {"v": one.account.version, **hints[client]}
            self._remember(tenant, client, _Known(one, head, time.monotonic()))
        for r in referrals:
            if r.referred not in lost:
                await referral(self.db, tenant, r.referrer, r.referred, r.at)
        return {position for position, p in run if p.client_id in aside | lost}

    def _known(self, tenant: str, client: str) -> _Known | None:
        """The account as this process last wrote it, if that was recent enough to be
        sure its states are still there to collide with another writer's."""
        known = self._accounts.get((tenant, client))
        if known is not None and time.monotonic() - known.at > TRUST_FOR.total_seconds():
            del self._accounts[(tenant, client)]
            return None
        return known

    def _remember(self, tenant: str, client: str, known: _Known) -> None:
        self._accounts[(tenant, client)] = known
        self._accounts.move_to_end((tenant, client))
        while len(self._accounts) > self.keep:
            self._accounts.popitem(last=False)


def _carded(head: Doc | None) -> bool:
    """Whether loyalty has the client's card (`clients.client_created`), or had it before
    an erasure, by the account's head. An account this process wrote is carded: it
    writes none that is not."""
    head = head or {}
    return bool((head.get("profile") or {}).get("known")) or bool(head.get("erased"))


async def carded(accounts: Accounts, client_id: str) -> bool:
    """`_carded` for one client (one read)."""
    return _carded(await accounts.head(client_id))


def _moved(head: Doc, hints: Doc, version: int) -> bool:
    """Whether the head must move: its hints changed, or it fell too far behind."""
    if any(not _same(head.get(k), v) for k, v in hints.items()):
        return True
    return version - int(head.get("v") or 0) >= HEAD_LAG


def _same(stored: object, value: object) -> bool:
    # The database keeps milliseconds: compare times at that precision.
    if isinstance(stored, datetime) and isinstance(value, datetime):
        return abs(as_utc(stored) - as_utc(value)) < timedelta(milliseconds=1)
    return stored == value
