"""How a client's profile keeps a booking and a sale (`Client.activity`, K2, K3), and
the names of the read models' documents."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from crm.domain import rules
from crm.events import BookingMade, PurchaseRecorded
from crm.service_layer.ports import Doc


def moment(value: Any) -> datetime:
    """A stored time as an aware datetime (read back from the database or from JSON)."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    return datetime.fromisoformat(str(value).replace("Z", "+00:00"))


def period_id(kind: str, scope: str, key: str) -> str:
    """A summary document: `D~<scope>~2026-11-23` (a day) or `M~<scope>~2026-11`."""
    return f"{kind}~{scope}~{key}"


def balance_booked_mark(period: str, cid: str) -> str:
    """K3: the client counted once among the period's booked clients with a balance."""
    return f"bwb~{period}~{cid}"


def seat_of(data: BookingMade) -> Doc:
    """What the session keeps of an active booking: its client (`seats`), and whether it
    came from the app (`app_seats`), for a correction to move them."""
    key = rules.safe_key(data.booking_id)
    seat: Doc = {f"seats.{key}": data.client_id}
    if data.from_app:
        seat[f"app_seats.{key}"] = True
    return seat


def booking_entry(data: BookingMade, body: Doc, *, cancelled: bool = False) -> Doc:
    """A booking as the client's profile keeps it."""
    return {
        "made_at": data.occurred_at,
        "balance_kind": data.balance_kind,
        "session_id": data.session_id,
        "service_id": body.get("service_id"),
        "service_name": body.get("service_name"),
        "professional_id": body.get("professional_id"),
        "starts_at": moment(body["starts_at"]),
        "status": "CANCELLED" if cancelled else "BOOKED",
        "from_app": data.from_app,
        "branch_id": body.get("branch_id"),
    }


def sale_entry(data: PurchaseRecorded, *, refunded: bool = False) -> Doc:
    """A sale as the client's profile keeps it (unpaid sales)."""
    total = sum((line.amount for line in data.lines), Decimal("0"))
    paid = sum((p.amount for p in data.payments), Decimal("0"))
    due = max(data.amount_due, total - paid)
    return {
        "invoice_number": data.invoice_number,
        "total": str(total),
        "paid": str(total - due),
        "due": str(due),
        "at": data.occurred_at,
        "refunded": refunded,
    }
