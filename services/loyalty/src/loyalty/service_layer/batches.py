"""Purchases in bulk: the consumer's hot path (L2 at thousands of sales a second).

The one-at-a-time path (`purchases.purchase_recorded`) costs several single-document
writes per sale. Here a run of purchases costs a handful of calls, whatever its length:

- the program and the studio's currency are read once per tenant;
- the invoices are claimed with one `insert_many`: an invoice already known (a replay,
  a refund that came first) sends all of that client's purchases of the run to the
  one-at-a-time path, which knows what to do;
- a purchase before its client's card is left to the one-at-a-time path, which lets it
  wait for the card (the card's referrer decides points), its invoice not even claimed:
  the account's state tells (its profile);
- each account is read once, or not at all: this process keeps the accounts it wrote
  for `TRUST_FOR` (under the port's `HOLD_LIMIT`), decides every purchase of the run in
  order, and writes each account once, all with the port's `save_many` (on FerretDB one
  insert and one outbox batch; heads move only when their hints change or lag): if
  anyone else wrote an account meanwhile, its save is lost (compare-and-set, as every
  save) and the client's purchases go to the one-at-a-time path.

Replays stay harmless: the earn key of each invoice is in the account's state.
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from plumbing.storage import HOLD_LIMIT, Change, Outgoing, Repository, outgoing
from plumbing.storage import Loaded as Stored

from loyalty.adapters.accounts import AccountState
from loyalty.adapters.tenant_storage import LoyaltyStores
from loyalty.domain.earning import program_at
from loyalty.events import catalog
from loyalty.service_layer.account_changes import events_for
from loyalty.service_layer.automations import referral
from loyalty.service_layer.purchases import Purchase, earning

KEEP_ACCOUNTS = 10_000
# Under the port's `HOLD_LIMIT`: an account held longer could not be saved from.
TRUST_FOR = timedelta(seconds=HOLD_LIMIT - 10)


@dataclass
class _Referral:
    referrer: str
    referred: str
    at: datetime


@dataclass
class _Known:
    loaded: Stored[AccountState]  # as this process saved it last
    at: float  # when (monotonic seconds)


class PurchaseBatches:
    """One per consumer process: it remembers the accounts it wrote last."""

    def __init__(self, stores: LoyaltyStores, *, keep: int = KEEP_ACCOUNTS) -> None:
        self.stores = stores
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
        stores = self.stores.tenant(tenant)
        accounts = stores.accounts(history=False)
        versions = await stores.programs.versions()
        currency = await stores.currency()
        clients = sorted({p.client_id for _, p in run})
        loaded = {c: k.loaded for c in clients if (k := self._known(tenant, c)) is not None}
        unknown = [c for c in clients if c not in loaded]
        loaded |= await _load_all(accounts, unknown)
        # Not even its invoice is claimed: the one-at-a-time path lets it wait for the card.
        strangers = {c for c in unknown if not _carded(loaded[c].state)}
        # A sale paid (partly) with points also spends them (L3): one at a time.
        strangers |= {p.client_id for _, p in run if p.points_paid > 0}
        claimed = await stores.invoices.claim_new(
            [
                (p.invoice, p.client_id, p.content, p.event_id)
                for _, p in run
                if p.client_id not in strangers
            ]
        )
        aside = strangers | {p.client_id for _, p in run if p.invoice in claimed}
        clients = [c for c in clients if c not in aside]

        events: dict[str, list[Outgoing]] = defaultdict(list)
        referrals: list[_Referral] = []
        for _, p in run:
            if p.client_id in aside:
                continue
            one = loaded[p.client_id].state
            assert one is not None  # carded
            # The same decision as one purchase at a time (`purchases.earning`).
            entries = earning(program_at(versions, p.recorded_at), p)(one)
            events[p.client_id] += [
                outgoing(catalog, data, tenant=tenant, subject=p.client_id)
                for data in events_for(p.client_id, entries, currency)
            ]
            referrer = one.profile.get("referred_by")
            if referrer and one.account.first_invoice == p.invoice and one.account.new_keys:
                referrals.append(_Referral(str(referrer), p.client_id, p.occurred_at))

        changes: list[Change[AccountState]] = [
            (loaded[c], loaded[c].state, events[c])
            for c in clients
            if (state := loaded[c].state) is not None and state.account.new_keys
        ]
        many = await accounts.save_many(changes)
        for client in many.lost:
            self._accounts.pop((tenant, client), None)
        for client, saved in many.saved.items():
            self._remember(tenant, client, _Known(saved, time.monotonic()))
        for r in referrals:
            if r.referred not in many.lost:
                await referral(stores, r.referrer, r.referred, r.at)
        return {position for position, p in run if p.client_id in aside | many.lost}

    def _known(self, tenant: str, client: str) -> _Known | None:
        """The account as this process last wrote it, if that was recent enough to be
        saved from (`HOLD_LIMIT`)."""
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


async def _load_all(
    accounts: Repository[AccountState], clients: Sequence[str]
) -> dict[str, Stored[AccountState]]:
    read = await asyncio.gather(*(accounts.load(c) for c in clients))
    return dict(zip(clients, read, strict=True))


def _carded(state: AccountState | None) -> bool:
    """Whether loyalty has the client's card (`clients.client_created`), or had it before
    an erasure. An account this process wrote is carded: it writes none that is not."""
    return state is not None and (bool(state.profile.get("known")) or state.erased)


async def carded(accounts: Repository[AccountState], client_id: str) -> bool:
    """`_carded` for one client (one load)."""
    return _carded((await accounts.load(client_id)).state)
