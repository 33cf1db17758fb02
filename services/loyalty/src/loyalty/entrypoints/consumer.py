"""What the loyalty consumer does with other contexts' events."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import TypeVar

from plumbing import bounds, readers
from plumbing.app import Runtime
from plumbing.clock import as_utc
from plumbing.contracts import EventData
from plumbing.envelope import Envelope
from plumbing.event_handlers import BatchHandler, Handler, Pending, Rejected
from plumbing.studio import remember_studio
from pydantic import Field, ValidationError

from loyalty.adapters.tenant_storage import LoyaltyStores
from loyalty.domain.earning import Line, Payment
from loyalty.domain.entries import LoyaltyError
from loyalty.service_layer import automations, batches, points, promotions, purchases

PURCHASE_RECORDED = "ingest.purchase_recorded.v1"
PURCHASE_REFUNDED = "ingest.purchase_refunded.v1"
VISIT_RECORDED = "ingest.visit_recorded.v1"
CLIENT_PROMOTED = "ranks.client_promoted.v1"

M = TypeVar("M", bound=EventData)


# Tolerant readers of docs/events/ingest.*.json (only what loyalty needs).
class LineRead(EventData):
    category: str
    item_id: str
    name: str = ""
    quantity: int = Field(default=1, ge=1, le=bounds.MAX_QUANTITY)
    amount: bounds.Amount


class PaymentRead(EventData):
    method: str
    amount: bounds.Amount


class PurchaseRead(EventData):
    invoice_number: str = Field(min_length=1)
    client_id: str = Field(min_length=1)
    branch_id: str | None = None
    occurred_at: bounds.HappenedAt
    lines: bounds.SaleLines[LineRead]
    payments: list[PaymentRead]
    channel: str = "IN_STUDIO"  # APP: a points payment needs the whole amount (L10)
    # Not used here, but bounded like every amount: crm and loyalty refuse the same sales.
    amount_due: bounds.Amount = Decimal("0")


class RefundRead(EventData):
    invoice_number: str = Field(min_length=1)
    client_id: str | None = None
    occurred_at: bounds.HappenedAt


class VisitRead(EventData):
    visit_id: str | None = None
    client_id: str = Field(min_length=1)
    session_id: str | None = None
    attended_at: bounds.HappenedAt

    def key(self) -> str:
        # The same rule as crm's `visit_key`: one visit counts once however often reported.
        if self.visit_id:
            return self.visit_id
        if self.session_id:
            return f"{self.client_id}:{self.session_id}"
        return f"{self.client_id}:{self.attended_at.isoformat()}"


# Tolerant reader of docs/events/ranks.client_promoted.v1.json (B4).
class PromotionRead(EventData):
    client_id: str = Field(min_length=1)
    category_name: str = ""
    rank_id: str = Field(min_length=1)
    rank_name: str = ""
    at: datetime | None = None  # the promotion's moment; the event's time if absent


def _read(model: type[M], event: Envelope) -> M:
    try:
        return model.model_validate(event.data)
    except ValidationError as exc:
        reason = bounds.refusal(exc) or f"{event.type} data is invalid: {exc.error_count()} errors"
        raise Rejected(reason) from exc


def _purchase(event: Envelope, data: PurchaseRead) -> purchases.Purchase:
    return purchases.Purchase(
        invoice=data.invoice_number,
        client_id=data.client_id,
        branch_id=data.branch_id,
        occurred_at=as_utc(data.occurred_at),
        recorded_at=event.time,
        lines=[
            Line(line.category, line.item_id, line.name, line.amount, line.quantity)
            for line in data.lines
        ],
        payments=[Payment(p.method, p.amount) for p in data.payments],
        channel=data.channel,
        event_id=event.id,
    )


def batch_handlers(runtime: Runtime) -> Mapping[str, BatchHandler]:
    """Purchases arrive by the thousand: they have a bulk path (`batches`)."""
    bulk = batches.PurchaseBatches(LoyaltyStores(runtime.store(), runtime.db))

    async def purchases_recorded(events: list[Envelope]) -> list[Envelope]:
        left: list[Envelope] = []
        readable: list[Envelope] = []
        sales: list[tuple[str, purchases.Purchase]] = []
        for event in events:
            try:
                data = PurchaseRead.model_validate(event.data)
            except ValidationError:
                left.append(event)  # the one-at-a-time path parks it with the reason
                continue
            readable.append(event)
            sales.append((event.tenant, _purchase(event, data)))
        aside = await bulk.apply(sales)
        return left + [event for position, event in enumerate(readable) if position in aside]

    return {PURCHASE_RECORDED: purchases_recorded}


def handlers(runtime: Runtime) -> Mapping[str, Handler]:
    db = runtime.db
    stores = LoyaltyStores(runtime.store(), db)

    async def carded(event: Envelope, client_id: str) -> None:
        """A purchase or a visit before the client's card waits for the card: its
        referrer and birthday decide points (`clients.client_created`)."""
        accounts = stores.tenant(event.tenant).accounts(history=False)
        if not await batches.carded(accounts, client_id):
            raise Pending(
                f"unknown client {client_id!r}: its card has not arrived", "UNKNOWN_CLIENT"
            )

    async def client_created(event: Envelope) -> None:
        data = readers.ClientCreatedRead.model_validate(event.data)
        await points.remember_client(
            stores.tenant(event.tenant),
            data.client_id,
            {
                "birth_date": data.birth_date.isoformat() if data.birth_date else None,
                "referred_by": data.referred_by_client_id,
                "known": True,
            },
        )

    async def client_updated(event: Envelope) -> None:
        data = readers.ClientUpdatedRead.model_validate(event.data)
        if "birth_date" in data.changes:
            value = data.changes["birth_date"]
            await points.remember_client(
                stores.tenant(event.tenant),
                data.client_id,
                {"birth_date": str(value) if value else None},
            )

    async def client_erased(event: Envelope) -> None:
        data = readers.ClientErasedRead.model_validate(event.data)
        await points.erase(stores.tenant(event.tenant), data.client_id)

    async def studio_updated(event: Envelope) -> None:
        await remember_studio(db, event)

    async def purchase_recorded(event: Envelope) -> None:
        data = _read(PurchaseRead, event)
        await carded(event, data.client_id)
        try:
            await purchases.purchase_recorded(stores.tenant(event.tenant), _purchase(event, data))
        except LoyaltyError as exc:
            # The points it was paid with cannot be taken (L3): parked with the code; what
            # it earned stays (once), and a re-published sale tries the points again.
            # Another sale under a used invoice number: parked as FACT_CONFLICT, nothing
            # written (as crm parks it).
            raise Rejected(f"{exc.code}: {exc.message}") from exc

    async def purchase_refunded(event: Envelope) -> None:
        data = _read(RefundRead, event)
        # A refund before its sale waits for the sale: it then reverses what the sale
        # earned, as it would have in order (the sale waited for the client's card).
        one = stores.tenant(event.tenant)
        if await one.invoices.owner(data.invoice_number) is None:
            raise Pending(
                f"unknown invoice {data.invoice_number!r}: its sale has not arrived",
                "UNKNOWN_INVOICE",
            )
        await purchases.purchase_refunded(
            one, data.invoice_number, data.client_id, as_utc(data.occurred_at)
        )

    async def visit_recorded(event: Envelope) -> None:
        data = _read(VisitRead, event)
        await carded(event, data.client_id)
        await automations.visit_recorded(
            stores.tenant(event.tenant), data.client_id, data.key(), as_utc(data.attended_at)
        )

    async def client_promoted(event: Envelope) -> None:
        data = _read(PromotionRead, event)
        await promotions.promoted(
            stores.tenant(event.tenant),
            promotions.Promotion(
                client_id=data.client_id,
                rank_id=data.rank_id,
                rank_name=data.rank_name,
                category_name=data.category_name,
                at=as_utc(data.at or event.time),
                published_at=event.time,
            ),
        )

    return {
        readers.CLIENT_CREATED: client_created,
        readers.CLIENT_UPDATED: client_updated,
        readers.CLIENT_ERASED: client_erased,
        readers.STUDIO_UPDATED: studio_updated,
        PURCHASE_RECORDED: purchase_recorded,
        PURCHASE_REFUNDED: purchase_refunded,
        VISIT_RECORDED: visit_recorded,
        CLIENT_PROMOTED: client_promoted,
    }
