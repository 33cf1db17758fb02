"""What the graph reads: a client's points card, the program as shown, the automations
and the points-earned report (L9). Queries only: nothing here writes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from plumbing.mongo import Doc

from loyalty.adapters.accounts import new_account
from loyalty.adapters.ledger_pages import whole_ledger
from loyalty.adapters.tenant_storage import TenantStores
from loyalty.domain.earning import Program
from loyalty.domain.ledger import Account, Entry, Kind


@dataclass(frozen=True)
class Card:
    """A client's points as the card shows them: the balance and the lots, and the ids of
    the ledger pages left unread (read only if the query asks for the ledger)."""

    account: Account
    program: Program
    currency: str
    known: bool
    unread_pages: list[str]


async def card(stores: TenantStores, client_id: str) -> Card:
    loaded = (await stores.accounts(history=False).load(client_id)).state
    loaded = loaded or new_account(client_id)
    program = await stores.programs.shown()
    known = bool(loaded.profile.get("known"))
    return Card(loaded.account, program, await stores.currency(), known, loaded.pages)


async def ledger(
    stores: TenantStores, unread_pages: Sequence[str], own: Sequence[Entry]
) -> list[Entry]:
    """The whole ledger of a card, oldest first: its unread pages' entries, then `own`."""
    return await whole_ledger(stores.pages, unread_pages, own)


async def studio_currency(stores: TenantStores) -> str:
    return await stores.currency()


async def studio_branch_ids(stores: TenantStores) -> tuple[str, ...] | None:
    """The studio's branches as this service last heard of them (None: not yet)."""
    return (await stores.studio()).branch_ids


async def shown_program(stores: TenantStores) -> Program:
    """The program for queries (remembered a few seconds, `Programs.shown`)."""
    return await stores.programs.shown()


async def current_program(stores: TenantStores) -> Program:
    return await stores.programs.current()


async def configured(stores: TenantStores) -> bool:
    """Whether the studio configured its program at least once."""
    return bool(await stores.programs.versions())


async def automations(stores: TenantStores) -> list[Doc]:
    return await stores.automations.all()


@dataclass(frozen=True)
class Earned:
    client_id: str
    points: int
    value: Decimal


async def points_earned(
    stores: TenantStores, from_: datetime, to: datetime, branch_id: str | None
) -> tuple[list[Earned], int]:
    """L9: EARN entries with `from_` <= time < `to` per client, most points first, and
    the total over every client (erased clients count in the total but have no row)."""
    rows: list[Earned] = []
    total = 0
    for found in await stores.accounts().find():
        one = found.state
        if one is None:
            continue
        earned = [
            e
            for e in one.account.entries
            if e.kind is Kind.EARN
            and from_ <= e.at < to
            and (branch_id is None or e.branch_id == branch_id)
        ]
        if not earned:
            continue
        points = sum(e.points for e in earned)
        total += points
        if one.erased:  # erased clients have no card to show
            continue
        value = sum((e.value for e in earned), Decimal(0))
        rows.append(Earned(one.account.client_id, points, value))
    rows.sort(key=lambda r: (-r.points, r.client_id))
    return rows, total
