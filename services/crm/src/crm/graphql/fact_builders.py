"""K7: the graph's inputs turned into the partner facts they report (the event shapes of
`crm/events.py`, refused by pydantic and `plumbing.bounds` as on Kafka)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from plumbing import bounds
from plumbing.contracts import EventData
from plumbing.enums import AppPlatform
from plumbing.errors import BadInput

from crm.domain import rules
from crm.events import (
    AppLoggedOut,
    AppSessionStarted,
    BookingCancelled,
    BookingMade,
    MembershipReported,
    NotificationBounced,
    PurchaseRecorded,
    WaitlistConverted,
    WaitlistJoined,
)
from crm.graphql.types import MembershipInput, PurchaseInput


def app_facts(
    client_id: str, kind: str, platform: AppPlatform | None, at: datetime, reason: str | None
) -> list[EventData]:
    fact = rules.APP_KINDS.get(kind.upper())
    if fact == "app_session_started":
        if platform is None:
            raise BadInput(
                "a SESSION_STARTED app event needs its platform", code="PLATFORM_REQUIRED"
            )
        return [AppSessionStarted(client_id=client_id, platform=platform.value, occurred_at=at)]
    if fact == "app_logged_out":
        return [AppLoggedOut(client_id=client_id, occurred_at=at)]
    if fact == "notification_bounced":
        why = "APP_UNINSTALLED" if kind.upper() == "APP_UNINSTALLED" else (reason or "UNKNOWN")
        return [NotificationBounced(client_id=client_id, reason=why, occurred_at=at)]
    known = ", ".join(rules.APP_KINDS)
    raise BadInput(
        f"unknown app event kind {kind!r} (one of {known})",
        code="BAD_KIND",
        params={"value": kind, "choices": known},
    )


def booking_facts(
    id: str,
    client_id: str,
    session_id: str,
    status: str,
    from_app: bool,
    balance_kind: str | None,
    at: datetime,
) -> list[EventData]:
    fact = rules.BOOKING_STATUSES.get(status.upper())
    if fact == "booking_made":
        return [
            BookingMade(
                booking_id=id,
                client_id=client_id,
                session_id=session_id,
                from_app=from_app,
                balance_kind=balance_kind,
                occurred_at=at,
            )
        ]
    if fact == "booking_cancelled":
        return [
            BookingCancelled(
                booking_id=id,
                client_id=client_id,
                session_id=session_id,
                balance_kind=balance_kind,
                occurred_at=at,
            )
        ]
    if fact == "waitlist_joined":
        return [
            WaitlistJoined(entry_id=id, client_id=client_id, session_id=session_id, occurred_at=at)
        ]
    if fact == "waitlist_converted":
        # The waitlist place becomes a booking with the same id.
        return [
            WaitlistConverted(
                entry_id=id,
                client_id=client_id,
                session_id=session_id,
                booking_id=id,
                occurred_at=at,
            ),
            BookingMade(
                booking_id=id,
                client_id=client_id,
                session_id=session_id,
                from_app=from_app,
                balance_kind=balance_kind,
                occurred_at=at,
            ),
        ]
    known = ", ".join(rules.BOOKING_STATUSES)
    raise BadInput(
        f"unknown booking status {status!r} (one of {known})",
        code="BAD_STATUS",
        params={"value": status, "choices": known},
    )


def purchase_facts(input: PurchaseInput) -> list[EventData]:
    lines = [line.amount for line in input.lines]
    payments = [p.amount for p in input.payments]
    due = input.amount_due
    if due is None:
        # Amounts out of bounds are refused on their own fields, not as amountDue.
        due = Decimal("0")
        if not any(bounds.amount_problem(a) for a in lines + payments) and (
            bounds.total_problem(lines) is None
        ):
            due = max(sum(lines, due) - sum(payments, due), due)
    # Validated as one document, so a refusal names the caller's field
    # (lines.1.amount).
    return [
        PurchaseRecorded.model_validate(
            {
                "invoice_number": input.invoice_number.strip(),
                "client_id": str(input.client_id),
                "branch_id": input.branch_id,
                "channel": input.channel.value,
                "occurred_at": input.occurred_at,
                "lines": [
                    {
                        "category": line.category.value,
                        "item_id": str(line.item_id),
                        "name": line.name,
                        "quantity": line.quantity,
                        "amount": line.amount,
                    }
                    for line in input.lines
                ],
                "payments": [
                    {"method": p.method.value, "amount": p.amount} for p in input.payments
                ],
                "amount_due": due,
            }
        )
    ]


def membership_facts(input: MembershipInput) -> list[EventData]:
    return [
        MembershipReported.model_validate(
            {
                "membership_id": str(input.id),
                "client_id": str(input.client_id),
                "plan": input.plan,
                "branch_id": input.branch_id,
                "seller_id": input.seller_id,
                "status": input.status.upper(),
                "valid_from": input.valid_from,
                "valid_until": input.valid_until,
                "tolerance_days": input.tolerance_days,
                "credits": [
                    {
                        "credit_id": str(c.id),
                        "kind": c.kind,
                        "status": c.status.upper(),
                        "expires_at": c.expires_at,
                    }
                    for c in input.credits
                ],
                "note": input.note,
                "reported_at": input.reported_at,
                "next_payment_on": input.next_payment_on,
                "payments": [
                    {
                        "payment_id": str(x.id),
                        "at": x.at,
                        "amount": x.amount,
                        "outcome": x.outcome.value,
                        "method": x.method.value if x.method else None,
                        "reason": x.reason,
                    }
                    for x in input.payments
                ],
            }
        )
    ]
