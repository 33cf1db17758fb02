"""Use cases of the loyalty context: each one loads one account, lets the domain decide,
and writes the result (state, ledger and events) in one conditional update."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from plumbing.contracts import EventData
from plumbing.ids import new_id
from plumbing.late import awaited, pauses_for
from plumbing.mongo import Doc
from plumbing.studio import studio_settings
from pymongo.asynchronous.database import AsyncDatabase

from loyalty.adapters.chain import Conflict, heads_of_every_tenant
from loyalty.adapters.store import (
    ACCOUNTS,
    Accounts,
    Automations,
    Invoices,
    Loaded,
    Programs,
    as_date,
)
from loyalty.domain.earning import (
    Line,
    Payment,
    Program,
    ProgramVersion,
    points_for_amount,
    points_per_line,
    program_at,
)
from loyalty.domain.ledger import Entry, Kind, LoyaltyError, Reminder, redeem_key
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

ATTEMPTS = 20


@dataclass
class Outcome:
    entries: list[Entry]
    loaded: Loaded
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


async def change(
    db: AsyncDatabase[Doc],
    tenant: str,
    client_id: str,
    decide: Callable[[Loaded], list[Entry]],
    *,
    send_receipt: Callable[[list[Entry]], bool] = lambda _: False,
    must_exist: bool = False,
    history: bool = True,
) -> Outcome:
    """Load, decide, write; on a concurrent write, start again from a fresh read. What
    the decision added (entries, reminders) goes out as events in the same write.
    `history=False` spares reading the sealed ledger pages, for decisions that look only
    at the balance, the lots and the keys."""
    accounts = Accounts(db, tenant, catalog)
    currency = (await studio_settings(db, tenant)).currency
    head: Doc | None = None
    if must_exist:
        head = await awaited(lambda: accounts.chain.head(client_id), pauses_for(client_id))
        if head is None:
            # Nothing ever told loyalty of this client: no card event (after a short wait
            # for a card created a moment ago), no purchase, no visit.
            raise LoyaltyError("CLIENT_NOT_FOUND", f"no client {client_id} in this studio")
    for attempt in range(ATTEMPTS):
        # First trust the head (one read less); after a conflict, walk to the newest state.
        loaded = await accounts.load(
            client_id, head if attempt == 0 else None, walk=attempt > 0, history=history
        )
        if must_exist and loaded.erased:
            # An erased client takes no new movements.
            raise LoyaltyError("CLIENT_NOT_FOUND", f"no client {client_id} in this studio")
        try:
            entries = decide(loaded)
        except LoyaltyError:
            if attempt == 0:
                continue  # decided on the head's hint: make sure it was the newest state
            raise
        if not entries and not loaded.account.new_keys and loaded.exists:
            return Outcome(entries, loaded)
        events = events_for(client_id, entries, currency, send_receipt=send_receipt(entries))
        reminders = list(loaded.account.new_reminders)
        events += reminder_events(client_id, reminders, currency)
        try:
            await accounts.save(loaded, events)
        except Conflict:
            await asyncio.sleep(0.005 * attempt)
            continue
        return Outcome(entries, loaded, reminders)
    raise RuntimeError(f"account {client_id} kept changing under {ATTEMPTS} attempts")


# ---------------------------------------------------------------- staff operations (L6)
async def grant(
    db: AsyncDatabase[Doc],
    tenant: str,
    *,
    client_id: str,
    points: int,
    note: str,
    expiry_days: int | None,
    actor_id: str,
    now: datetime,
) -> Outcome:
    program = await Programs(db, tenant).current()
    days = program.expiry_days if expiry_days is None else expiry_days
    return await change(
        db,
        tenant,
        client_id,
        lambda loaded: loaded.account.grant(
            entry_id=new_id(),
            points=points,
            point_value=program.point_value,
            at=now,
            expires_at=now + timedelta(days=days),
            source_type="MANUAL",
            note=note,
            actor_id=actor_id,
        ),
        must_exist=True,
    )


async def deduct(
    db: AsyncDatabase[Doc],
    tenant: str,
    *,
    client_id: str,
    points: int,
    note: str,
    actor_id: str,
    now: datetime,
) -> Outcome:
    program = await Programs(db, tenant).current()

    def decide(loaded: Loaded) -> list[Entry]:
        expired = loaded.account.settle(now, program.point_value, new_id)
        return expired + loaded.account.deduct(
            entry_id=new_id(),
            points=points,
            point_value=program.point_value,
            at=now,
            note=note,
            actor_id=actor_id,
        )

    return await change(db, tenant, client_id, decide, must_exist=True)


# ---------------------------------------------------------------- redemption (L3, L10)
async def redeem(
    db: AsyncDatabase[Doc],
    tenant: str,
    *,
    client_id: str,
    invoice: str,
    amount: Decimal,
    channel: str,
    branch_id: str | None,
    now: datetime,
) -> Outcome:
    program = await Programs(db, tenant).current()
    if not program.enabled:
        raise LoyaltyError("PROGRAM_DISABLED", "the points program is not enabled")
    if amount <= 0:
        raise LoyaltyError("BAD_AMOUNT", "the amount must be positive")
    points = points_for_amount(program, amount)
    if points is None:
        raise LoyaltyError(
            "BAD_AMOUNT",
            f"{amount} is not a whole number of points (one point is worth {program.point_value})",
        )

    def decide(loaded: Loaded) -> list[Entry]:
        account = loaded.account
        previous = account.entries_with_key(redeem_key(invoice))
        if previous:
            # The same redemption again (a retry, a double click): no second effect.
            if previous[0].channel != channel:
                raise LoyaltyError("ALREADY_REDEEMED", f"points already paid for invoice {invoice}")
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

    def receipt(entries: list[Entry]) -> bool:
        return any(e.kind is Kind.REDEEM for e in entries) and (
            branch_id is not None and branch_id in program.receipt_branch_ids
        )

    outcome = await change(db, tenant, client_id, decide, send_receipt=receipt, must_exist=True)
    await Invoices(db, tenant).owned_by(invoice, client_id)
    if not outcome.entries:  # a replay: answer with what the first call did
        outcome.entries = outcome.loaded.account.entries_with_key(redeem_key(invoice))
    return outcome


# ---------------------------------------------------------------- purchases (L2, L7, L11)
@dataclass(frozen=True)
class Purchase:
    invoice: str
    client_id: str
    branch_id: str | None
    occurred_at: datetime
    recorded_at: datetime
    lines: list[Line]
    payments: list[Payment]


async def purchase_recorded(db: AsyncDatabase[Doc], tenant: str, p: Purchase) -> list[Entry]:
    _, versions = await Programs(db, tenant).versions()
    # The program as it stood when the sale was recorded: later changes never apply back.
    program = program_at(versions, p.recorded_at)
    per_line = points_per_line(program, p.lines, p.payments)
    points = sum(per_line)
    names = [line.name for line, n in zip(p.lines, per_line, strict=True) if n > 0]
    invoice = await Invoices(db, tenant).owned_by(p.invoice, p.client_id)
    entries: list[Entry] = []
    if invoice.get("refunded"):
        # The refund came first (it named no client): apply it now, so that the purchase,
        # seeing it, earns nothing.
        entries += await refund_for(db, tenant, p.client_id, p.invoice, p.occurred_at)
    outcome = await change(
        db,
        tenant,
        p.client_id,
        lambda loaded: loaded.account.earn(
            entry_id=new_id(),
            invoice=p.invoice,
            points=points,
            point_value=program.point_value,
            at=p.occurred_at,
            expires_at=p.occurred_at + timedelta(days=program.expiry_days),
            branch_id=p.branch_id,
            source_name=", ".join(names) or None,
        ),
    )
    entries += outcome.entries
    account = outcome.loaded.account
    referrer = outcome.loaded.profile.get("referred_by")
    if account.first_invoice == p.invoice and referrer:
        await referral(db, tenant, referrer, p.client_id, p.occurred_at)
    return entries


async def referral(
    db: AsyncDatabase[Doc], tenant: str, referrer: str, referred: str, at: datetime
) -> None:
    """L7 invite and earn: the referrer earns when the referred client first buys."""
    program = await Programs(db, tenant).current()
    for automation in await Automations(db, tenant).active("REFERRAL_FIRST_PURCHASE"):
        await change(db, tenant, referrer, _referral_grant(automation, program, referred, at))


def _referral_grant(
    automation: Doc, program: Program, referred: str, at: datetime
) -> Callable[[Loaded], list[Entry]]:
    def decide(loaded: Loaded) -> list[Entry]:
        return loaded.account.grant(
            entry_id=new_id(),
            points=int(automation["points"]),
            point_value=program.point_value,
            at=at,
            expires_at=at + timedelta(days=int(automation["expiry_days"])),
            key=f"referral:{automation['id']}:{referred}",
            source_type="REFERRAL_FIRST_PURCHASE",
            source_id=referred,
            source_name="referral",
        )

    return decide


async def refund_for(
    db: AsyncDatabase[Doc], tenant: str, client_id: str, invoice: str, at: datetime
) -> list[Entry]:
    program = await Programs(db, tenant).current()
    outcome = await change(
        db,
        tenant,
        client_id,
        lambda loaded: loaded.account.refund(
            invoice=invoice, point_value=program.point_value, at=at, new_id=new_id
        ),
    )
    return outcome.entries


async def purchase_refunded(
    db: AsyncDatabase[Doc], tenant: str, invoice: str, client_id: str | None, at: datetime
) -> list[Entry]:
    doc = await Invoices(db, tenant).refunded(invoice)
    owner = client_id or doc.get("client_id")
    if not owner:
        return []  # the purchase has not arrived yet: it will see the refund flag
    return await refund_for(db, tenant, str(owner), invoice, at)


# ---------------------------------------------------------------- visits and birthdays (L7)
async def visit_recorded(
    db: AsyncDatabase[Doc], tenant: str, client_id: str, key: str, at: datetime
) -> list[Entry]:
    automations = await Automations(db, tenant).active("VISIT_COUNT")
    if not automations:
        return []  # visits count towards automations from the first one created on
    program = await Programs(db, tenant).current()

    def decide(loaded: Loaded) -> list[Entry]:
        count = loaded.account.record_visit(key)
        made: list[Entry] = []
        if count is None:
            return made
        for a in automations:
            every = int(a.get("visit_count") or 0)
            if every > 0 and count % every == 0:
                made += loaded.account.grant(
                    entry_id=new_id(),
                    points=int(a["points"]),
                    point_value=program.point_value,
                    at=at,
                    expires_at=at + timedelta(days=int(a["expiry_days"])),
                    key=f"visits:{a['id']}:{count}",
                    source_type="VISIT_COUNT",
                    source_id=str(a["id"]),
                    source_name=f"{count} visits",
                )
        return made

    return (await change(db, tenant, client_id, decide)).entries


def birthday_on(birth: date, today: date) -> bool:
    if (birth.month, birth.day) == (today.month, today.day):
        return True
    # 29 February birthdays are kept on 28 February in common years.
    leap = today.year % 4 == 0 and (today.year % 100 != 0 or today.year % 400 == 0)
    return (birth.month, birth.day) == (2, 29) and not leap and (today.month, today.day) == (2, 28)


async def birthdays(db: AsyncDatabase[Doc], tenant: str, as_of: datetime) -> int:
    """Grant the birthday automations to whoever's birthday it is, once per year."""
    automations = await Automations(db, tenant).active("BIRTHDAY")
    if not automations:
        return 0
    today = (await studio_settings(db, tenant)).today(as_of)
    program = await Programs(db, tenant).current()
    granted = 0
    for one in await Accounts(db, tenant, catalog).every(history=False):
        birth = as_date(one.profile.get("birth_date"))
        if one.erased or birth is None or not birthday_on(birth, today):
            continue

        def decide(loaded: Loaded) -> list[Entry]:
            made: list[Entry] = []
            for a in automations:
                made += loaded.account.grant(
                    entry_id=new_id(),
                    points=int(a["points"]),
                    point_value=program.point_value,
                    at=as_of,
                    expires_at=as_of + timedelta(days=int(a["expiry_days"])),
                    key=f"birthday:{a['id']}:{today.year}",
                    source_type="BIRTHDAY",
                    source_id=str(a["id"]),
                    source_name="birthday",
                )
            return made

        outcome = await change(db, tenant, one.account.client_id, decide, history=False)
        granted += len(outcome.entries)
    return granted


# ---------------------------------------------------------------- expiry (L5)
async def expire(db: AsyncDatabase[Doc], tenant: str | None, as_of: datetime) -> int:
    """Expire every lot due at `as_of` (one tenant, or all with None). Idempotent: an
    expired lot is gone from the account. Heads carry the account's next expiry as a hint,
    so only accounts with something due are read."""
    heads = await heads_of_every_tenant(
        db, ACCOUNTS, {"tenant": 1, "local": 1, "next_expiry": 1, "v": 1, "gc": 1}
    )
    expired = 0
    for head in heads:
        if tenant is not None and head.get("tenant") != tenant:
            continue
        due = head.get("next_expiry")
        if not head.get("local") or due is None or due > as_of:
            continue
        one_tenant = str(head["tenant"])
        program = await Programs(db, one_tenant).current()
        outcome = await change(
            db, one_tenant, str(head["local"]), _settle(as_of, program), history=False
        )
        expired += sum(-e.points for e in outcome.entries)
        await Accounts(db, one_tenant, catalog).forget_old_states(str(head["local"]))
    return expired


def _settle(as_of: datetime, program: Program) -> Callable[[Loaded], list[Entry]]:
    def decide(loaded: Loaded) -> list[Entry]:
        return loaded.account.settle(as_of, program.point_value, new_id)

    return decide


# ---------------------------------------------------------------- clients facts
async def remember_client(
    db: AsyncDatabase[Doc], tenant: str, client_id: str, fields: dict[str, Any]
) -> None:
    await Accounts(db, tenant, catalog).set_profile(client_id, fields)


async def erase(db: AsyncDatabase[Doc], tenant: str, client_id: str) -> None:
    """Ledger figures are kept (the studio's accounts need them); personal data goes."""
    accounts = Accounts(db, tenant, catalog)
    await accounts.mark_erased(client_id)
    for attempt in range(ATTEMPTS):
        loaded = await accounts.load(client_id)
        loaded.account.anonymise()
        loaded.reseal = True  # the sealed pages hold notes too: write them anew
        try:
            await accounts.save(loaded, [])
        except Conflict:
            await asyncio.sleep(0.005 * attempt)
            continue
        await accounts.forget_old_states(client_id)
        return
    # Not a silent success: the consumer retries the erasure (and parks it if it fails).
    raise RuntimeError(f"account {client_id} kept changing under {ATTEMPTS} attempts")


# ---------------------------------------------------------------- program (L1)
async def update_program(
    db: AsyncDatabase[Doc], tenant: str, now: datetime, edit: Callable[[Program], Program]
) -> Program:
    programs = Programs(db, tenant)
    for attempt in range(ATTEMPTS):
        rev, versions = await programs.versions(walk=attempt > 0)
        current = versions[-1].program if versions else Program()
        updated = edit(current)
        since = max([now, *[v.since for v in versions]])
        try:
            await programs.append(rev, [*versions, ProgramVersion(since, updated)])
        except Conflict:
            await asyncio.sleep(0.005 * attempt)
            continue
        return updated
    raise RuntimeError("the program kept changing")
