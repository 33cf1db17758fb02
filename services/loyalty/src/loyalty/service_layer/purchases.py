"""Purchases and refunds (L2, L7, L11): a purchase earns once, a refund takes back what it
earned (or gives back what it paid), whichever arrives first."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from plumbing.ids import new_id

from loyalty.adapters.accounts import AccountState
from loyalty.adapters.tenant_storage import TenantStores
from loyalty.domain.earning import Line, Payment, Program, points_per_line, program_at
from loyalty.domain.entries import LoyaltyError
from loyalty.domain.ledger import Entry, redeem_key, refund_key
from loyalty.service_layer.account_changes import Decide, change_one
from loyalty.service_layer.automations import referral
from loyalty.service_layer.points import receipt_for, redemption_points


@dataclass(frozen=True)
class Purchase:
    invoice: str
    client_id: str
    branch_id: str | None
    occurred_at: datetime
    recorded_at: datetime
    lines: list[Line]
    payments: list[Payment]
    channel: str = "IN_STUDIO"  # or APP: where the sale was made (L10's full-payment rule)
    event_id: str | None = None  # the event that reported it (named in FACT_CONFLICT)

    @property
    def content(self) -> str:
        """What the sale says, as a digest: the same invoice number with another digest
        is another sale under a used number (FACT_CONFLICT, as crm answers it). `10.0`
        and `10.00` are the same amount; when the message was published is not content."""

        def amount(value: Decimal) -> str:
            return format(value.normalize(), "f")

        said = {
            "client_id": self.client_id,
            "branch_id": self.branch_id,
            "occurred_at": self.occurred_at.isoformat(),
            "channel": self.channel,
            "lines": [
                [x.category, x.item_id, x.name, x.quantity, amount(x.amount)] for x in self.lines
            ],
            "payments": [[x.method, amount(x.amount)] for x in self.payments],
        }
        text = json.dumps(said, sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()[:24]

    @property
    def points_paid(self) -> Decimal:
        """What the sale's POINTS payments paid (L3: those points are spent)."""
        return sum((x.amount for x in self.payments if x.method == "POINTS"), Decimal("0"))


def earning(program: Program, p: Purchase) -> Decide:
    """L2: the purchase's points, by the program given (the one in force when the sale was
    recorded); once per invoice (its earn key is in the account)."""
    per_line = points_per_line(program, p.lines, p.payments)
    names = [line.name for line, n in zip(p.lines, per_line, strict=True) if n > 0]

    def decide(loaded: AccountState) -> list[Entry]:
        return loaded.account.earn(
            entry_id=new_id(),
            invoice=p.invoice,
            points=sum(per_line),
            point_value=program.point_value,
            at=p.occurred_at,
            expires_at=p.occurred_at + timedelta(days=program.expiry_days),
            branch_id=p.branch_id,
            source_name=", ".join(names) or None,
        )

    return decide


def paying_with_points(program: Program, p: Purchase, points: int) -> Decide:
    """L3: a sale recorded with a points payment spends the points, oldest lots first,
    once per invoice: nothing when a redemption for the invoice already took them (the
    desk or the app redeemed before the till reported the sale), nor after its refund. In
    the app the balance must cover the whole payment (L10); at the desk it pays what it
    covers."""

    def decide(loaded: AccountState) -> list[Entry]:
        account = loaded.account
        if redeem_key(p.invoice) in account.keys or refund_key(p.invoice) in account.keys:
            return []
        expired = account.settle(p.occurred_at, program.point_value, new_id)
        return expired + account.redeem(
            entry_id=new_id(),
            invoice=p.invoice,
            points=points,
            point_value=program.point_value,
            at=p.occurred_at,
            branch_id=p.branch_id,
            channel=p.channel,
            allow_partial=p.channel != "APP",
        )

    return decide


def refunding(program: Program, invoice: str, at: datetime) -> Decide:
    """L11: a refund takes back what the invoice earned and gives back what it paid."""

    def decide(loaded: AccountState) -> list[Entry]:
        return loaded.account.refund(
            invoice=invoice, point_value=program.point_value, at=at, new_id=new_id
        )

    return decide


def conflict(invoice: str, first_event: object) -> LoyaltyError:
    """FACT_CONFLICT in crm's words (`crm.service_layer.ingest.conflict_message`)."""
    return LoyaltyError(
        "FACT_CONFLICT",
        f"sale {invoice!r} was reported before with other content (event {first_event}); "
        "report a new sale under a new id",
        invoiceNumber=invoice,
        eventId=first_event,
    )


async def purchase_recorded(stores: TenantStores, p: Purchase) -> list[Entry]:
    """L2/L3 for one sale. The first report of an invoice decides its content: the same
    number with other content is refused (`FACT_CONFLICT`) before anything is written."""
    first = await stores.invoices.content(p.invoice, p.content, p.event_id)
    if first.get("content") != p.content:
        raise conflict(p.invoice, first.get("event_id"))
    versions = await stores.programs.versions()
    # The program as it stood when the sale was recorded: later changes never apply back.
    program = program_at(versions, p.recorded_at)
    invoice = await stores.invoices.owned_by(p.invoice, p.client_id)
    entries: list[Entry] = []
    if invoice.get("refunded"):
        # The refund came first (it named no client): apply it now, so that the purchase,
        # seeing it, earns nothing.
        entries += await refund_for(stores, p.client_id, p.invoice, p.occurred_at)
    outcome = await change_one(stores, p.client_id, earning(program, p))
    entries += outcome.entries
    if p.points_paid > 0 and not invoice.get("refunded"):
        entries += await spend_points(stores, p)
    referrer = outcome.loaded.profile.get("referred_by")
    if outcome.loaded.account.first_invoice == p.invoice and referrer:
        await referral(stores, referrer, p.client_id, p.occurred_at)
    return entries


async def spend_points(stores: TenantStores, p: Purchase) -> list[Entry]:
    """The points a sale paid with, taken once; what cannot be taken (a program disabled,
    an amount that is not a whole number of points, too few points for the app) is a
    `LoyaltyError` with its code: the consumer parks the sale with it."""
    program = await stores.programs.current()
    points = redemption_points(program, p.points_paid)
    spent = await change_one(
        stores,
        p.client_id,
        paying_with_points(program, p, points),
        send_receipt=receipt_for(program, p.branch_id),
    )
    return spent.entries


async def refund_for(
    stores: TenantStores, client_id: str, invoice: str, at: datetime
) -> list[Entry]:
    program = await stores.programs.current()
    return (await change_one(stores, client_id, refunding(program, invoice, at))).entries


async def purchase_refunded(
    stores: TenantStores, invoice: str, client_id: str | None, at: datetime
) -> list[Entry]:
    doc = await stores.invoices.refunded(invoice)
    owner = client_id or doc.get("client_id")
    if not owner:
        return []  # the purchase has not arrived yet: it will see the refund flag
    return await refund_for(stores, str(owner), invoice, at)
