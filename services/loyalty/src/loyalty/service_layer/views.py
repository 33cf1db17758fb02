"""What the graph reads: a client's points card, the program as shown, the automations
and the points-earned report (L9). Queries only: nothing here writes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from plumbing.mongo import Doc
from plumbing.studio import studio_settings

from loyalty.adapters.accounts import Accounts
from loyalty.adapters.automations import Automations
from loyalty.adapters.database import Database
from loyalty.adapters.programs import Programs
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


async def card(db: Database, tenant: str, client_id: str) -> Card:
    loaded = await Accounts(db, tenant).load(client_id, history=False)
    program = await Programs(db, tenant).shown()
    currency = await studio_currency(db, tenant)
    known = bool(loaded.profile.get("known"))
    return Card(loaded.account, program, currency, known, loaded.pages)


async def ledger(
    db: Database, tenant: str, unread_pages: Sequence[str], own: Sequence[Entry]
) -> list[Entry]:
    """The whole ledger of a card, oldest first: its unread pages' entries, then `own`."""
    return await Accounts(db, tenant).pages.ledger(unread_pages, own)


async def studio_currency(db: Database, tenant: str) -> str:
    return (await studio_settings(db, tenant)).currency


async def shown_program(db: Database, tenant: str) -> Program:
    """The program for queries (remembered a few seconds, `Programs.shown`)."""
    return await Programs(db, tenant).shown()


async def current_program(db: Database, tenant: str) -> Program:
    return await Programs(db, tenant).current()


async def configured(db: Database, tenant: str) -> bool:
    """Whether the studio configured its program at least once."""
    _, versions = await Programs(db, tenant).versions()
    return bool(versions)


async def automations(db: Database, tenant: str) -> list[Doc]:
    return await Automations(db, tenant).all()


@dataclass(frozen=True)
class Earned:
    client_id: str
    points: int
    value: Decimal


async def points_earned(
    db: Database, tenant: str, from_: datetime, to: datetime, branch_id: str | None
) -> tuple[list[Earned], int]:
    """L9: EARN entries with `from_` <= time < `to` per client, most points first, and
    the total over every client (erased clients count in the total but have no row)."""
    rows: list[Earned] = []
    total = 0
    for one in await Accounts(db, tenant).every():
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
