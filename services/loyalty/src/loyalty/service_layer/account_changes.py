"""How a use case changes one account: the domain decides (the entries it makes), and
`plumbing.storage.change`, the one retry loop, writes the state, its ledger and the
events those entries cause in one single-document write, deciding again on a conflict.

The account repository is `AccountLedgers`: the port's aggregates (`MemoryStorage` in
the use-case tests) and the sealed ledger pages.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from plumbing.card_arrival import awaited, pauses_for
from plumbing.contracts import EventData
from plumbing.storage import Decision, Keep, Repository, Save, change, outgoing
from plumbing.storage import Loaded as Stored

from loyalty.adapters.accounts import AccountState, new_account
from loyalty.adapters.tenant_storage import TenantStores
from loyalty.domain.ledger import Entry, Kind, LoyaltyError, Reminder
from loyalty.events import (
    PointsDeducted,
    PointsEarned,
    PointsExpired,
    PointsExpiring,
    PointsGranted,
    PointsRedeemed,
    PointsReversed,
    catalog,
)

Decide = Callable[[AccountState], list[Entry]]


@dataclass
class Outcome:
    entries: list[Entry]
    loaded: AccountState
    reminders: list[Reminder] = field(default_factory=list)


def events_for(
    client_id: str, entries: Sequence[Entry], currency: str, *, send_receipt: bool = False
) -> list[EventData]:
    made: list[EventData] = []
    for e in entries:
        common: dict[str, Any] = {
            "client_id": client_id,
            "points": abs(e.points),
            "balance_after": e.balance_after,
            "value": str(abs(e.value)),
            "currency": currency,
            "invoice_number": e.invoice_number,
            "branch_id": e.branch_id,
            "entry_id": e.id,
            "at": e.at,
            "expires_at": e.expires_at,
            "source_type": e.source_type,
        }
        if e.kind is Kind.EARN:
            made.append(PointsEarned(**common))
        elif e.kind is Kind.REDEEM:
            made.append(
                PointsRedeemed(
                    **common, channel=e.channel or "IN_STUDIO", send_receipt=send_receipt
                )
            )
        elif e.kind is Kind.GRANT:
            made.append(PointsGranted(**common, note=e.note, actor_id=e.actor_id))
        elif e.kind is Kind.DEDUCT:
            made.append(PointsDeducted(**common, note=e.note, actor_id=e.actor_id))
        elif e.kind is Kind.EXPIRE:
            made.append(PointsExpired(**common))
        else:
            made.append(
                PointsReversed(**common, direction="RETURNED" if e.points > 0 else "TAKEN_BACK")
            )
    return made


def reminder_events(
    client_id: str, reminders: Sequence[Reminder], currency: str
) -> list[EventData]:
    return [
        PointsExpiring(
            client_id=client_id,
            lot_id=r.lot_id,
            points=r.points,
            value=str(r.value),
            currency=currency,
            expires_at=r.expires_at,
            balance=r.balance,
            at=r.at,
        )
        for r in reminders
    ]


def account_decision(
    client_id: str,
    decide: Decide,
    currency: str,
    *,
    send_receipt: Callable[[list[Entry]], bool] = lambda _: False,
    must_exist: bool = False,
) -> Callable[[Stored[AccountState]], Decision[AccountState, Outcome]]:
    """`decide` (the domain's answer: the entries it made) as a decision for
    `plumbing.storage.change`: what it added (entries, reminders) goes out as events in
    the same write; nothing new on an existing account is nothing to write."""

    def decision(current: Stored[AccountState]) -> Decision[AccountState, Outcome]:
        loaded = current.state or new_account(client_id)
        if must_exist and loaded.erased:
            # An erased client takes no new movements.
            raise LoyaltyError(
                "CLIENT_NOT_FOUND", f"no client {client_id} in this studio", id=client_id
            )
        entries = decide(loaded)
        if not entries and not loaded.account.new_keys and loaded.exists:
            return Keep(Outcome(entries, loaded))
        data = events_for(client_id, entries, currency, send_receipt=send_receipt(entries))
        reminders = list(loaded.account.new_reminders)
        data += reminder_events(client_id, reminders, currency)
        events = [outgoing(catalog, d, tenant=current.tenant, subject=client_id) for d in data]
        return Save(loaded, Outcome(entries, loaded, reminders), events)

    return decision


async def change_account(
    accounts: Repository[AccountState],
    client_id: str,
    decide: Decide,
    currency: str,
    *,
    send_receipt: Callable[[list[Entry]], bool] = lambda _: False,
    must_exist: bool = False,
) -> Outcome:
    """Load, decide, write, through `plumbing.storage.change`."""
    decision = account_decision(
        client_id, decide, currency, send_receipt=send_receipt, must_exist=must_exist
    )
    return (await change(accounts, client_id, decision)).result


async def known_account(accounts: Repository[AccountState], client_id: str) -> AccountState:
    """The account of a client loyalty heard of (after a short wait for a card created
    a moment ago), or CLIENT_NOT_FOUND: no card event, no purchase, no visit."""

    async def read() -> AccountState | None:
        return (await accounts.load(client_id)).state

    found = await awaited(read, pauses_for(client_id))
    if found is None:
        raise LoyaltyError(
            "CLIENT_NOT_FOUND", f"no client {client_id} in this studio", id=client_id
        )
    return found


async def change_one(
    stores: TenantStores,
    client_id: str,
    decide: Decide,
    *,
    send_receipt: Callable[[list[Entry]], bool] = lambda _: False,
    must_exist: bool = False,
    history: bool = True,
) -> Outcome:
    """`change_account` on the tenant's accounts. `history=False` spares reading the
    sealed ledger pages, for decisions that look only at the balance, the lots and the
    keys. `must_exist` refuses a client nothing ever told loyalty of."""
    accounts = stores.accounts(history=history)
    if must_exist:
        await known_account(stores.accounts(history=False), client_id)
    return await change_account(
        accounts,
        client_id,
        decide,
        await stores.currency(),
        send_receipt=send_receipt,
        must_exist=must_exist,
    )
