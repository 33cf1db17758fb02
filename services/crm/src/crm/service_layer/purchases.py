"""Sales, refunds, memberships and gift cards: the client's unpaid sales (K2, C11) and
what the client counts in (K3: a fee valid, a balance)."""

from __future__ import annotations

from decimal import Decimal

from plumbing.storage import Delta

from crm.domain import rules
from crm.events import GiftCardReported, MembershipReported, PurchaseRecorded, PurchaseRefunded
from crm.service_layer.memberships import kept_adjustment
from crm.service_layer.profile_entries import moment, sale_entry
from crm.service_layer.projection import Projection

UNPAID = "unpaid"


async def purchase(p: Projection, data: PurchaseRecorded) -> None:
    # A refund recorded through the graph may be applied first (the relay does not
    # order different facts): the sale then arrives already refunded.
    refunded = await p.views.facts.get(f"refund:{data.invoice_number}") is not None
    sale = sale_entry(data, refunded=refunded)
    await p.profile_update(
        data.client_id, Delta(set={f"sales.{rules.safe_key(data.invoice_number)}": sale})
    )
    if Decimal(sale["due"]) > 0 and not refunded:
        await p.views.periods.apply_once(
            UNPAID, p.guard(), Delta(inc={f"clients.{rules.safe_key(data.client_id)}": 1})
        )


async def refund(p: Projection, data: PurchaseRefunded, client_id: str | None) -> None:
    if not client_id:
        return
    profile = await p.views.profiles.get(client_id) or {}
    sale = (profile.get("sales") or {}).get(rules.safe_key(data.invoice_number))
    if not sale or sale.get("refunded"):
        return
    await p.profile_update(
        client_id, Delta(set={f"sales.{rules.safe_key(data.invoice_number)}.refunded": True})
    )
    if Decimal(sale["due"]) > 0:
        await p.views.periods.apply_once(
            UNPAID, p.guard(), Delta(inc={f"clients.{rules.safe_key(client_id)}": -1})
        )


async def reported(
    p: Projection,
    field: str,
    item_id: str,
    client_id: str,
    data: MembershipReported | GiftCardReported,
) -> None:
    """Latest report wins: an older report arriving late changes nothing."""
    profile = await p.views.profiles.get(client_id) or {}
    key = rules.safe_key(item_id)
    current = (profile.get(field) or {}).get(key)
    if current and moment(current["reported_at"]) > data.reported_at:
        return
    value = data.model_dump(mode="json")
    value["reported_at"] = data.reported_at
    if isinstance(data, MembershipReported):
        value.update(kept_adjustment(current, data.reported_at))
    await p.profile_update(client_id, Delta(set={f"{field}.{key}": value}))
    await p.refresh(client_id)
