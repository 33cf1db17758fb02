"""What staff and jobs do to points: grants and deductions by hand (L6), redemptions
(L3, L10), expiry (L5), the client's facts and erasure, and the program (L1). Each
account change is a decision (`granting`, `deducting`, `redeeming`, `settling`) given to
`account_changes.change_one`; purchases are in `purchases.py`, the automations' grants
in `automations.py`."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from plumbing.bounds import BAD_AMOUNT, amount_problem
from plumbing.ids import new_id
from plumbing.storage import Decision, Keep, Save, change
from plumbing.storage import Loaded as Stored

from loyalty.adapters.accounts import AccountState, new_account
from loyalty.adapters.tenant_storage import LoyaltyStores, TenantStores
from loyalty.domain.earning import Program, ProgramVersion, points_for_amount
from loyalty.domain.ledger import Entry, Kind, LoyaltyError, redeem_key
from loyalty.service_layer.account_changes import Decide, Outcome, change_one


# ---------------------------------------------------------------- staff operations (L6)
def granting(
    program: Program,
    *,
    points: int,
    note: str,
    expiry_days: int | None,
    actor_id: str,
    now: datetime,
) -> Decide:
    days = program.expiry_days if expiry_days is None else expiry_days

    def decide(loaded: AccountState) -> list[Entry]:
        return loaded.account.grant(
            entry_id=new_id(),
            points=points,
            point_value=program.point_value,
            at=now,
            expires_at=now + timedelta(days=days),
            source_type="MANUAL",
            note=note,
            actor_id=actor_id,
        )

    return decide


async def grant(
    stores: TenantStores,
    *,
    client_id: str,
    points: int,
    note: str,
    expiry_days: int | None,
    actor_id: str,
    now: datetime,
) -> Outcome:
    program = await stores.programs.current()
    decide = granting(
        program, points=points, note=note, expiry_days=expiry_days, actor_id=actor_id, now=now
    )
    return await change_one(stores, client_id, decide, must_exist=True)


def deducting(program: Program, *, points: int, note: str, actor_id: str, now: datetime) -> Decide:
    def decide(loaded: AccountState) -> list[Entry]:
        expired = loaded.account.settle(now, program.point_value, new_id)
        return expired + loaded.account.deduct(
            entry_id=new_id(),
            points=points,
            point_value=program.point_value,
            at=now,
            note=note,
            actor_id=actor_id,
        )

    return decide


async def deduct(
    stores: TenantStores,
    *,
    client_id: str,
    points: int,
    note: str,
    actor_id: str,
    now: datetime,
) -> Outcome:
    program = await stores.programs.current()
    decide = deducting(program, points=points, note=note, actor_id=actor_id, now=now)
    return await change_one(stores, client_id, decide, must_exist=True)


# ---------------------------------------------------------------- redemption (L3, L10)
def redemption_points(program: Program, amount: Decimal) -> int:
    """The points that pay `amount`, or LoyaltyError."""
    if not program.enabled:
        raise LoyaltyError("PROGRAM_DISABLED", "the points program is not enabled")
    problem = amount_problem(amount, positive=True)
    if problem is not None:
        raise LoyaltyError(BAD_AMOUNT, f"amount: {problem}")
    points = points_for_amount(program, amount)
    if points is None:
        raise LoyaltyError(
            "BAD_AMOUNT",
            f"{amount} is not a whole number of points (one point is worth {program.point_value})",
            amount=amount,
            point_value=program.point_value,
        )
    return points


def redeeming(
    program: Program,
    *,
    invoice: str,
    points: int,
    channel: str,
    branch_id: str | None,
    now: datetime,
) -> Decide:
    """L3: pay an invoice with points, once per invoice; L10: in the app only with the
    whole amount available (in the studio a partial payment is allowed)."""

    def decide(loaded: AccountState) -> list[Entry]:
        account = loaded.account
        previous = account.entries_with_key(redeem_key(invoice))
        if previous:
            # The same redemption again (a retry, a double click): no second effect.
            if previous[0].channel != channel:
                raise LoyaltyError(
                    "ALREADY_REDEEMED",
                    f"points already paid for invoice {invoice}",
                    invoice=invoice,
                )
            return []
        expired = account.settle(now, program.point_value, new_id)
        return expired + account.redeem(
            entry_id=new_id(),
            invoice=invoice,
            points=points,
            point_value=program.point_value,
            at=now,
            branch_id=branch_id,
            channel=channel,
            allow_partial=channel == "IN_STUDIO",
        )

    return decide


def receipt_for(program: Program, branch_id: str | None) -> Callable[[list[Entry]], bool]:
    """Whether a redemption's event asks for a receipt (the branch prints them)."""

    def receipt(entries: list[Entry]) -> bool:
        return any(e.kind is Kind.REDEEM for e in entries) and (
            branch_id is not None and branch_id in program.receipt_branch_ids
        )

    return receipt


async def redeem(
    stores: TenantStores,
    *,
    client_id: str,
    invoice: str,
    amount: Decimal,
    channel: str,
    branch_id: str | None,
    now: datetime,
) -> Outcome:
    program = await stores.programs.current()
    points = redemption_points(program, amount)
    decide = redeeming(
        program, invoice=invoice, points=points, channel=channel, branch_id=branch_id, now=now
    )
    outcome = await change_one(
        stores,
        client_id,
        decide,
        send_receipt=receipt_for(program, branch_id),
        must_exist=True,
    )
    await stores.invoices.owned_by(invoice, client_id)
    if not outcome.entries:  # a replay: answer with what the first call did
        outcome.entries = outcome.loaded.account.entries_with_key(redeem_key(invoice))
    return outcome


# ---------------------------------------------------------------- expiry (L5)
def settling(as_of: datetime, program: Program) -> Decide:
    """L5: expire every lot due at `as_of`, oldest first."""

    def decide(loaded: AccountState) -> list[Entry]:
        return loaded.account.settle(as_of, program.point_value, new_id)

    return decide


async def expire(stores: LoyaltyStores, tenant: str | None, as_of: datetime) -> int:
    """Expire every lot due at `as_of` (one tenant, or all with None). Idempotent: an
    expired lot is gone from the account. The accounts carry their next expiry as an
    indexed hint, so only accounts with something due are read."""
    expired = 0
    programs: dict[str, Program] = {}
    for one_tenant, client_id, _ in await stores.due("next_expiry", as_of):
        if tenant is not None and one_tenant != tenant:
            continue
        one = stores.tenant(one_tenant)
        if one_tenant not in programs:
            programs[one_tenant] = await one.programs.current()
        decide = settling(as_of, programs[one_tenant])
        outcome = await change_one(one, client_id, decide, history=False)
        expired += sum(-e.points for e in outcome.entries)
    return expired


# ---------------------------------------------------------------- clients facts
def remembering(
    client_id: str, fields: dict[str, Any]
) -> Callable[[Stored[AccountState]], Decision[AccountState, None]]:
    """The client's facts the automations read (`clients.client_created`/`_updated`):
    birthday, referrer, whether its card arrived. Kept in the account's state, so a
    purchase decides on them and the account in one read."""

    def decide(current: Stored[AccountState]) -> Decision[AccountState, None]:
        state = current.state or new_account(client_id)
        if state.erased:
            return Keep(None)  # an erased client's facts are not kept again
        profile = {**state.profile, **fields}
        if state.exists and profile == state.profile:
            return Keep(None)  # a replay
        state.profile = profile
        return Save(state, None)

    return decide


async def remember_client(stores: TenantStores, client_id: str, fields: dict[str, Any]) -> None:
    await change(stores.accounts(history=False), client_id, remembering(client_id, fields))


def anonymised(client_id: str) -> Callable[[Stored[AccountState]], Decision[AccountState, None]]:
    """Ledger figures are kept (the studio's accounts need them); personal data goes:
    the profile, and the notes of every entry, sealed pages included."""

    def decide(current: Stored[AccountState]) -> Decision[AccountState, None]:
        if current.state is not None and current.state.erased:
            return Keep(None)  # erased already (a replay)
        state = current.state or new_account(client_id)
        state.account.anonymise()
        state.profile, state.erased = {}, True
        state.reseal = bool(state.pages)  # the sealed pages hold notes too: write them anew
        return Save(state, None)

    return decide


async def erase(stores: TenantStores, client_id: str) -> None:
    # Too many conflicts is no silent success: it raises, and the consumer retries the
    # erasure (and parks it if it keeps failing).
    await change(stores.accounts(), client_id, anonymised(client_id))


# ---------------------------------------------------------------- program (L1)
def program_edit(
    now: datetime, edit: Callable[[Program], Program]
) -> Callable[[Stored[list[ProgramVersion]]], Decision[list[ProgramVersion], Program]]:
    """A new version of the program, in force from `now` (never before the last one)."""

    def edited(current: Stored[list[ProgramVersion]]) -> Decision[list[ProgramVersion], Program]:
        versions = current.state or []
        updated = edit(versions[-1].program if versions else Program())
        since = max([now, *[v.since for v in versions]])
        return Save([*versions, ProgramVersion(since, updated)], updated)

    return edited


async def update_program(
    stores: TenantStores, now: datetime, edit: Callable[[Program], Program]
) -> Program:
    return await stores.programs.change(program_edit(now, edit))
