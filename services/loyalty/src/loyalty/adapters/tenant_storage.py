"""What loyalty's use cases work with: per tenant (`TenantStores`, opened per request or
event) and across tenants for the hourly jobs (`LoyaltyStores`). The accounts and the
program are behind the storage port (`plumbing.storage`); invoices and the
studio's settings are small documents read and written by `_id`; the automations are an
aggregate too (`adapters/automations.py`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from plumbing.gql import RequestContext
from plumbing.mongo import Doc
from plumbing.storage import Candidate, Storage
from plumbing.studio import StudioSettings, studio_settings
from pymongo.asynchronous.database import AsyncDatabase

from loyalty.adapters.accounts import ACCOUNTS, AccountLedgers
from loyalty.adapters.automations import AUTOMATION_SETS, AUTOMATIONS, Automations
from loyalty.adapters.invoices import Invoices
from loyalty.adapters.ledger_pages import DatabasePages, LedgerPages
from loyalty.adapters.programs import PROGRAM_VERSIONS, Programs
from loyalty.domain.automations import in_force


@dataclass(frozen=True)
class TenantStores:
    tenant: str
    storage: Storage
    db: AsyncDatabase[Doc]
    pages: LedgerPages

    def accounts(self, *, history: bool = True) -> AccountLedgers:
        """The accounts; without `history` their sealed pages are not read (enough for
        the balance, the lots, the keys and new entries)."""
        states = self.storage.repository(ACCOUNTS, self.tenant)
        return AccountLedgers(states, self.pages, history=history)

    @property
    def programs(self) -> Programs:
        return Programs(self.storage.repository(PROGRAM_VERSIONS, self.tenant), self.db.name)

    @property
    def invoices(self) -> Invoices:
        return Invoices(self.db, self.tenant)

    @property
    def automations(self) -> Automations:
        return Automations(
            self.storage.repository(AUTOMATION_SETS, self.tenant), self.db[AUTOMATIONS]
        )

    async def active_automations(self, trigger: str) -> list[Doc]:
        """The automations of a trigger that grant (one per kind, the oldest)."""
        return in_force(await self.automations.all(), trigger)

    async def studio(self) -> StudioSettings:
        return await studio_settings(self.db, self.tenant)

    async def currency(self) -> str:
        return (await self.studio()).currency


@dataclass(frozen=True)
class LoyaltyStores:
    """Every tenant's: one per process."""

    storage: Storage
    db: AsyncDatabase[Doc]

    def tenant(self, tenant: str) -> TenantStores:
        return TenantStores(tenant, self.storage, self.db, DatabasePages(self.db, tenant))

    async def due(self, hint: str, until: datetime) -> list[Candidate]:
        """`(tenant, client, hints)` of the accounts whose `hint` (`next_expiry`,
        `next_reminder`) is at or before `until`: candidates, decided again on load."""
        return await self.storage.across_tenants(ACCOUNTS, {hint: {"$lte": until}})


def request_stores(ctx: RequestContext) -> TenantStores:
    """The caller's tenant's stores, once per request."""
    if "stores" not in ctx.cache:
        if ctx.storage is None:  # pragma: no cover - wiring error
            raise RuntimeError("the request context was built without storage")
        ctx.cache["stores"] = LoyaltyStores(ctx.storage, ctx.db).tenant(ctx.tenant)
    stores: TenantStores = ctx.cache["stores"]
    return stores
